"""Fifty browsers submit with the same invitation at the same moment: exactly one is stored.

Runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` points there (CI does both).
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from survey.models import Invitation, Response
from survey.services.campaigns import campaign_instrument
from survey.services.responses import hash_token

from ..conftest import csrf_token, full_answers

THREADS = 50  # the issue asks for 20; 50 is the harder case


def test_one_token_fifty_simultaneous_submissions(app, session, campaign, token):
    data = full_answers(campaign_instrument(campaign), 3)
    clients = [app.test_client() for _ in range(THREADS)]
    payloads = []
    for client in clients:  # every browser has the form open, with its own session and CSRF token
        page = client.get(f"/s/{token}/questions").get_data(as_text=True)
        payloads.append({**data, "csrf_token": csrf_token(page)})
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def submit(client, payload):
        barrier.wait()
        status = client.post(f"/s/{token}/questions", data=payload).status_code
        with lock:
            statuses.append(status)

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(clients, payloads, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302] + [409] * (THREADS - 1)
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
    assert (
        session.scalar(sa.select(Invitation.redeemed).filter_by(token_hash=hash_token(token)))
        is True
    )
