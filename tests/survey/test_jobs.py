"""The background worker end to end: ``ambassador worker`` in a process of its own, on real Redis,
with a real SMTP server (aiosmtpd) — nothing but the worker does the day's work."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey import jobs
from survey.models import Campaign, Response, RoundAggregate
from survey.services.campaigns import add_organisation, create_campaign
from survey.services.lifecycle import set_status

from .conftest import department_round, fill_round, import_approved, redis_url_or_skip
from .services.test_participants import HEADER, Inbox, mail_server

# the real command, with the queue named for this test so that no other run's worker takes its jobs
WORKER = "import sys; from survey import jobs; jobs.QUEUE = sys.argv.pop(1); " \
    "from survey.cli import main; main()"  # fmt: skip


def participant_round(session, organisation):
    """An open round whose eight listed people were invited (to the outbox) and have a reminder
    due today that has not gone out."""
    from survey.services import participants

    campaign = department_round(session, organisation, "Listed")
    campaign.min_group_size = 3
    session.commit()
    rows = [f"p{i}@acme.example,en,{'Sales' if i < 5 else 'IT'}" for i in range(8)]
    checked = participants.read_participant_file(
        (HEADER + "\n".join(rows)).encode(), "list.csv", campaign
    )
    import_approved(session, campaign, checked)
    return campaign


def wait_for(condition, worker: subprocess.Popen, queue, seconds: float = 60) -> bool:
    """Poll ``condition`` until it holds; stop early when the worker died or a job failed."""
    from rq.registry import FailedJobRegistry

    failed = FailedJobRegistry(queue=queue)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if worker.poll() is not None:
            pytest.fail(f"the worker stopped (exit code {worker.returncode})")
        for job_id in failed.get_job_ids():
            job = queue.fetch_job(job_id)
            pytest.fail(f"job {job_id} failed in the worker:\n{job.latest_result().exc_string}")
        time.sleep(0.25)
    return False


def test_the_worker_alone_closes_reminds_and_purges_on_schedule(
    app, session, database_url, outbox, tmp_path
):
    url = redis_url_or_skip()
    organisation = add_organisation(session, "acme", "Acme")
    # a round past its closing date
    overdue = department_round(session, organisation, "Overdue")
    fill_round(session, overdue, 6)
    overdue.closes_on = dt.date.today() - dt.timedelta(days=2)
    # a round whose retention period has ended
    old = create_campaign(session, organisation, "Old", status="open")
    fill_round(session, old, 6)
    set_status(session, old, "closed")
    old.closed_on = dt.date.today() - dt.timedelta(days=old.retention_days + 1)
    session.commit()
    # a round with a reminder due today (its invitations went out earlier, to the outbox)
    listed = participant_round(session, organisation)
    with app.app_context():
        from survey.extensions import db

        assert jobs.invite(db.session, db.session.get(Campaign, listed.id)) == 8
    listed = session.get(Campaign, listed.id)
    session.refresh(listed)
    listed.reminder_days = [{"day": dt.date.today().isoformat(), "sent": False}]
    session.commit()

    from redis import Redis
    from rq import Queue

    name = f"test-worker-{uuid.uuid4().hex}"
    queue = Queue(name, connection=Redis.from_url(url))
    with mail_server(app, Inbox()) as inbox:
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            REDIS_URL=url,
            SMTP_URL=app.config["SMTP_URL"],
            SECRET_KEY=app.config["SECRET_KEY"],
            BASE_URL="http://survey.test",
            WORKER_NICE="0",
            # this checkout's code, wherever the package is installed from
            PYTHONPATH=str(Path(jobs.__file__).parents[1]),
        )
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, name, "worker"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:

            def done() -> bool:
                session.expire_all()
                return (
                    session.get(Campaign, overdue.id).status == "closed"
                    and session.get(Campaign, old.id).purged
                    and len(inbox.messages) == 8
                )

            finished = wait_for(done, worker, queue)
        finally:
            worker.terminate()
            output, _ = worker.communicate(timeout=30)
            for registry in (queue.scheduled_job_registry, queue.failed_job_registry):
                for job_id in registry.get_job_ids():
                    registry.remove(job_id, delete_job=True)
            queue.delete(delete_jobs=True)
        assert finished, f"the worker did not do the day's work in time:\n{output}"
    assert "TypeError" not in output
    # the round past its date closed as HR closing it would: aggregates kept
    assert session.get(Campaign, overdue.id).closed_on == dt.date.today()
    assert session.scalar(
        sa.select(sa.func.count()).select_from(RoundAggregate).filter_by(campaign_id=overdue.id)
    )
    # the purge deleted the old round's answers and kept its aggregates
    assert not session.scalar(
        sa.select(sa.func.count()).select_from(Response).filter_by(campaign_id=old.id)
    )
    # the reminder went to everyone listed, once, and is marked sent
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"p{i}@acme.example" for i in range(8))
    assert session.get(Campaign, listed.id).reminder_days[0]["sent"] is True


def test_every_job_gets_its_timeout_as_an_option_not_as_an_argument(app):
    """RQ passes keywords it does not know on to the function: a job's timeout must reach RQ as
    an option, or the job fails with a TypeError in the worker."""
    url = redis_url_or_skip()
    before = (app.config["REDIS_URL"], jobs.QUEUE)
    app.config["REDIS_URL"], jobs.QUEUE = url, f"test-timeouts-{uuid.uuid4().hex}"
    try:
        with app.app_context():
            queue = jobs.queue()
            jobs.schedule_housekeeping()
            jobs.send_to_participants([1, 2], "invitation")
            jobs.request_export(Campaign(id=1), "en", "pdf", "key")
            scheduled = queue.scheduled_job_registry
            found = {
                job.func_name.rpartition(".")[2]: job
                for job in map(queue.fetch_job, scheduled.get_job_ids() + queue.job_ids)
            }
            for job_id in scheduled.get_job_ids():
                scheduled.remove(job_id, delete_job=True)
            queue.delete(delete_jobs=True)
    finally:
        app.config["REDIS_URL"], jobs.QUEUE = before
    timeouts = {name: (job.timeout, job.kwargs) for name, job in found.items()}
    assert timeouts == {"housekeeping": (3600, {}), "mail_job": (600, {}), "export_job": (600, {})}
