"""The worker under faults: ``ambassador worker`` in processes of their own on a Redis server of
the test's own (killed and started again here), with a real SMTP server — the worker keeps going
through a Redis outage, its schedule with it, and a report file whose worker was killed is built
by the next one."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from survey import jobs
from survey.models import Campaign, Participant, ReportFile
from survey.services import participants, report_files
from survey.services.campaigns import add_organisation
from survey.services.lifecycle import set_status

from .conftest import department_round, fill_round, import_approved, redis_url_or_skip
from .services.test_participants import HEADER, Inbox, mail_server
from .test_jobs import WORKER

sys.path.append(str(Path(__file__).resolve().parents[2] / "deploy"))
from peers import RedisServer  # noqa: E402


@contextmanager
def own_redis(tmp_path: Path):
    redis_url_or_skip()  # says whether this machine runs Redis at all (CI: it must)
    server = RedisServer(tmp_path, db=0)
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


@contextmanager
def queued_on(app, redis_url: str, queue_name: str):
    """The app's jobs go to ``queue_name`` on ``redis_url`` meanwhile."""
    before = (app.config["REDIS_URL"], jobs.QUEUE)
    app.config["REDIS_URL"], jobs.QUEUE = redis_url, queue_name
    try:
        with app.app_context():
            yield
    finally:
        app.config["REDIS_URL"], jobs.QUEUE = before


class GatedInbox(Inbox):
    """An SMTP sink that holds every message at DATA until the gate opens."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.waiting.set()
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        return await super().handle_DATA(server, session, envelope)


def listed_round(session, organisation, name: str, people: int = 4) -> list[int]:
    """An open round whose listed people are approved for sending; their ids."""
    campaign = department_round(session, organisation, name)
    campaign.min_group_size = 3
    session.commit()
    rows = [f"{name.lower()}{i}@acme.example,en,Sales" for i in range(people)]
    checked = participants.read_participant_file(
        (HEADER + "\n".join(rows)).encode(), "list.csv", campaign
    )
    import_approved(session, campaign, checked)
    return list(session.scalars(sa.select(Participant.id).filter_by(campaign_id=campaign.id)))


def start_worker(app, database_url, redis_url, queue_name, tmp_path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SMTP_URL=app.config["SMTP_URL"] or "",
        SECRET_KEY=app.config["SECRET_KEY"],
        BASE_URL="http://survey.test",
        WORKER_NICE="0",
        # this checkout's code, wherever the package is installed from
        PYTHONPATH=str(Path(jobs.__file__).parents[1]),
    )
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, queue_name, "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until(condition, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
    output, _ = worker.communicate(timeout=60)
    return output


def test_a_redis_outage_stops_neither_the_worker_nor_its_schedule(
    app, session, database_url, tmp_path
):
    """Redis killed while a mail job runs (the job ends while it is away) and started again:
    the same worker process sends what is queued afterwards, and a job scheduled afterwards
    runs when due — RQ's own worker quit there, and its scheduler process died with the outage."""
    from redis import Redis
    from rq import Queue

    organisation = add_organisation(session, "acme", "Acme")
    first = listed_round(session, organisation, "First")
    then = listed_round(session, organisation, "Then")
    later = listed_round(session, organisation, "Later")
    name = f"test-faults-{uuid.uuid4().hex}"
    with own_redis(tmp_path) as redis, mail_server(app, GatedInbox()) as inbox:
        queue = Queue(name, connection=Redis.from_url(redis.url))
        with queued_on(app, redis.url, name):
            jobs.send_to_participants(first, "invitation")  # as the app queues them
        worker = start_worker(app, database_url, redis.url, name, tmp_path)
        try:
            assert inbox.waiting.wait(120), "the worker never started sending"
            redis.kill()
            inbox.gate.set()  # the job finishes while Redis is away
            time.sleep(15)  # longer than the Redis client's own retries
            assert worker.poll() is None, f"the worker quit while Redis was away:\n{stop(worker)}"
            redis.start()
            with queued_on(app, redis.url, name):
                jobs.send_to_participants(then, "invitation")
            queue = Queue(name, connection=Redis.from_url(redis.url))
            queue.enqueue_in(dt.timedelta(seconds=2), jobs.mail_job, later, "invitation", 0)
            everyone = len(first) + len(then) + len(later)
            arrived = wait_until(lambda: len(inbox.messages) >= everyone)
            alive = worker.poll() is None
        finally:
            output = stop(worker)
    assert alive, f"the worker quit after the outage:\n{output}"
    assert arrived, f"{len(inbox.messages)} of {everyone} e-mails arrived:\n{output}"
    recipients = [m["To"] for m in inbox.messages]
    assert len(recipients) == len(set(recipients)) == everyone


def closed_round(session):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = department_round(session, organisation, "Built")
    fill_round(session, campaign, 6)
    set_status(session, campaign, "closed")
    session.commit()
    return campaign


def test_a_report_file_whose_worker_was_killed_is_built_by_the_next(
    app, session, database_url, tmp_path
):
    """A worker killed while it builds a PDF: the build is queued again once its lease lapses
    and the next worker builds it — it does not stay "started" until the job's timeout."""
    from redis import Redis
    from rq.job import Job

    from survey.extensions import db

    campaign = closed_round(session)
    name = f"test-faults-{uuid.uuid4().hex}"
    with own_redis(tmp_path) as redis, queued_on(app, redis.url, name):
        round_ = db.session.get(Campaign, campaign.id)
        minimum = app.config["COMMENT_MIN_GROUP_SIZE"]
        key = report_files.report_key(db.session, round_, "en", "pdf", minimum)
        assert jobs.request_export(round_, "en", "pdf", key) == "queued"
        first = start_worker(app, database_url, redis.url, name, tmp_path)
        try:
            job = Job.fetch(jobs.EXPORT_PREFIX + key[:40], connection=Redis.from_url(redis.url))
            started = wait_until(lambda: job.get_status(refresh=True) == "started")
            assert started, "the worker never started the build"
        finally:
            first.send_signal(signal.SIGKILL)
            stop(first)
        assert not report_files.is_kept(db.session, key), "built before the kill"
        second = start_worker(app, database_url, redis.url, name, tmp_path)
        try:

            def built() -> bool:
                db.session.rollback()  # a fresh look at the database
                return report_files.is_kept(db.session, key)

            # the job's timeout is ten minutes: well within it, the build is done
            finished = wait_until(built, seconds=180)
        finally:
            output = stop(second)
    assert finished, f"the killed build was not built again:\n{output}"
    pdf = session.scalar(sa.select(ReportFile.content).filter_by(key=key))
    assert pdf.startswith(b"%PDF")
