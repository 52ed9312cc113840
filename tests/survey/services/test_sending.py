"""One link per person: sending a round's invitations gives every participant one e-mail and one
link, whatever runs it — two workers on one queue handed the same batches, a worker killed in
the middle of a batch and the sending run again, a database that goes away for seconds.

The workers are real ``ambassador worker`` processes on real Redis; the mail server is aiosmtpd,
which counts what it took per address."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.exc import IntegrityError

from survey import jobs
from survey.models import Campaign, Invitation, Participant
from survey.services import participants, sending
from survey.services.campaigns import add_organisation, create_campaign

from ..conftest import import_approved, redis_url_or_skip
from .test_participants import free_port


class CountingServer:
    """An SMTP server's handler that counts the messages it took per recipient. ``delay`` slows
    each message down (so that two workers overlap); the message after the first ``hold_at``
    is held until ``release`` is set and then refused, so a worker can be killed while it waits
    for the server to take it."""

    def __init__(self, delay: float = 0.0, hold_at: int | None = None):
        self.received: Counter[str] = Counter()
        self.delay, self.hold_at = delay, hold_at
        self.holding, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.hold_at is not None and not self.holding.is_set():
            with self._lock:
                hold = sum(self.received.values()) == self.hold_at
            if hold:
                self.holding.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.05)
                return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"

    def total(self) -> int:
        with self._lock:
            return sum(self.received.values())


@contextmanager
def smtp_server(handler: CountingServer):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def mail_queue(app):
    """A Redis queue of the test's own, which the app queues on meanwhile."""
    url = redis_url_or_skip()
    name = f"test-sending-{uuid.uuid4().hex}"
    before = (app.config["REDIS_URL"], jobs.QUEUE)
    app.config["REDIS_URL"], jobs.QUEUE = url, name
    try:
        yield name, url
    finally:
        with app.app_context():
            jobs.queue().delete(delete_jobs=True)
        app.config["REDIS_URL"], jobs.QUEUE = before


def a_listed_round(session, count: int) -> tuple[int, list[int]]:
    """An open round whose list of ``count`` people is approved; its id and theirs."""
    organisation = add_organisation(session, f"org-{uuid.uuid4().hex[:6]}", "Acme")
    campaign = create_campaign(session, organisation, "Spring", status="open")
    rows = [participants.ParticipantRow(f"p{i}@acme.example", "en", {}) for i in range(count)]
    ids = import_approved(session, campaign, participants.ParticipantList(rows))
    return campaign.id, sorted(ids)


WORKER = (
    "import sys; from survey import jobs; jobs.QUEUE = sys.argv.pop(1); "
    "from survey.cli import main; main()"
)


def start_worker(database_url: str, smtp_url: str, queue: tuple[str, str], log_path, **env):
    """``ambassador worker --burst`` in a process of its own, on the test's queue, writing to
    ``log_path``."""
    name, redis_url = queue
    env = dict(
        os.environ,
        **env,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SMTP_URL=smtp_url,
        SECRET_KEY="test-secret-key",
        BASE_URL="http://survey.test",
        WORKER_NICE="0",
    )
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, name, "worker", "--burst"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def finish(worker: subprocess.Popen, log_path) -> None:
    try:
        code = worker.wait(timeout=180)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise
    assert code == 0, log_path.read_text()[-3000:]


def sent_once_each(session, campaign_id: int, received: Counter) -> None:
    """Every participant got exactly one e-mail and holds exactly one link."""
    people = session.scalars(
        sa.select(Participant.email).where(Participant.campaign_id == campaign_id)
    ).all()
    twice = {address: n for address, n in received.items() if n != 1}
    assert twice == {}, f"{len(twice)} people got more than one e-mail"
    assert set(received) == set(people), f"{len(set(people) - set(received))} got none"
    links = session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.campaign_id == campaign_id)
    )
    assert links == len(people)
    states = Counter(
        session.scalars(sa.select(Participant.state).where(Participant.campaign_id == campaign_id))
    )
    assert states == {"sent": len(people)}


def test_two_workers_given_the_same_batches_send_each_person_once(
    app, session, database_url, mail_queue, tmp_path
):
    campaign_id, ids = a_listed_round(session, 500)
    server = CountingServer(delay=0.004)
    with smtp_server(server) as smtp_url:
        with app.app_context():
            from survey.extensions import db

            # every batch twice, one after the other: two workers take the same batch at once
            # (as when a job is handed out again while its first run still works), and HR
            # presses Send a second time before anything went out
            queue = jobs.queue()
            for start in range(0, len(ids), jobs.BATCH):
                for _ in range(2):
                    jobs.send_to_participants(ids[start : start + jobs.BATCH], "invitation")
            assert jobs.invite(db.session, db.session.get(Campaign, campaign_id)) == 500
            assert queue.count == 15
        logs = [tmp_path / f"worker{i}.log" for i in range(2)]
        workers = [start_worker(database_url, smtp_url, mail_queue, log) for log in logs]
        for worker, log in zip(workers, logs, strict=True):
            finish(worker, log)
    sent_once_each(session, campaign_id, server.received)


def test_a_worker_killed_mid_batch_then_run_again_sends_each_person_once(
    app, session, database_url, mail_queue, tmp_path
):
    campaign_id, _ids = a_listed_round(session, 300)
    # the worker is killed while the server holds the 131st message: 30 of the second
    # batch have gone out, the rest of it has not
    server = CountingServer(hold_at=130)
    with smtp_server(server) as smtp_url:
        with app.app_context():
            from survey.extensions import db

            jobs.invite(db.session, db.session.get(Campaign, campaign_id))
        log = tmp_path / "killed.log"
        worker = start_worker(database_url, smtp_url, mail_queue, log)
        assert server.holding.wait(timeout=120), log.read_text()[-3000:]
        time.sleep(0.3)  # the mark of the 130th, made while the 131st goes out, is made
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        server.release.set()
        assert server.total() == 130
        time.sleep(0.5)  # the server notices the dropped connection
        # HR presses Send again; a fresh worker sends what is left
        with app.app_context():
            from survey.extensions import db

            jobs.invite(db.session, db.session.get(Campaign, campaign_id))
        log = tmp_path / "again.log"
        finish(start_worker(database_url, smtp_url, mail_queue, log), log)
    sent_once_each(session, campaign_id, server.received)


def test_a_database_cut_mid_batch_sends_nobody_twice(
    app, session, database_url, mail_queue, tmp_path
):
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "needs PostgreSQL (TEST_DATABASE_URL): the cut is made on its port; CI runs it in "
            "its PostgreSQL pass"
        )
    from ..web.test_hooks import Forwarder

    url = sa.engine.make_url(database_url)
    forwarder = Forwarder(url.port or 5432)
    through = url.set(port=forwarder.port).render_as_string(hide_password=False)
    campaign_id, _ids = a_listed_round(session, 300)
    server = CountingServer(delay=0.002)
    try:
        with smtp_server(server) as smtp_url:
            with app.app_context():
                from survey.extensions import db

                jobs.invite(db.session, db.session.get(Campaign, campaign_id))
            # a worker cut off keeps its claim until the database ends it: here after 2 s
            silence = {"SENDING_SILENCE_SECONDS": "2"}
            log = tmp_path / "cut.log"
            worker = start_worker(through, smtp_url, mail_queue, log, **silence)
            while server.total() < 130 and worker.poll() is None:
                time.sleep(0.01)
            forwarder.outage()  # the database is away for a few seconds, mid-batch
            time.sleep(3)
            forwarder.restore()
            finish(worker, log)
            # what the worker could not finish, HR sends again
            with app.app_context():
                from survey.extensions import db

                jobs.invite(db.session, db.session.get(Campaign, campaign_id))
            log = tmp_path / "again.log"
            finish(start_worker(through, smtp_url, mail_queue, log, **silence), log)
    finally:
        forwarder.close()
    sent_once_each(session, campaign_id, server.received)


def test_the_database_keeps_one_link_per_person_and_mailing(session):
    campaign_id, ids = a_listed_round(session, 3)
    row = {"campaign_id": campaign_id, "participant_id": ids[0], "redeemed": False}
    session.execute(sa.insert(Invitation), [{**row, "token_hash": "a" * 64}])
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(sa.insert(Invitation), [{**row, "token_hash": "b" * 64}])
        session.commit()
    session.rollback()


def test_a_reminder_run_twice_reaches_each_person_once(app, session):
    campaign_id, ids = a_listed_round(session, 12)
    server = CountingServer()
    with smtp_server(server) as smtp_url, app.app_context():
        from survey.extensions import db

        before, app.config["SMTP_URL"] = app.config["SMTP_URL"], smtp_url
        try:
            jobs.invite(db.session, db.session.get(Campaign, campaign_id))
            reminder = sending.next_reminder(db.session, db.session.get(Campaign, campaign_id))
            assert reminder == 1
            for _ in range(2):  # the same job run again, as the queue may
                jobs.send_batch(ids, "reminder", mailing=reminder)
            # the next reminder is a new mailing, and goes to everyone again
            assert sending.next_reminder(db.session, db.session.get(Campaign, campaign_id)) == 2
        finally:
            app.config["SMTP_URL"] = before
    assert set(server.received.values()) == {2}  # the invitation and one reminder each
    mailings = Counter(session.scalars(sa.select(Invitation.mailing)))
    assert mailings == {0: 12, 1: 12}
    assert set(session.scalars(sa.select(Participant.mails_sent))) == {2}
