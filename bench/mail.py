"""Benchmark: 20,000 invitations through the RQ worker against a bare smtplib loop, same run.

A local SMTP sink (aiosmtpd, its own process) receives both. The worker run: a round with 20,000
participants on PostgreSQL, its invitations queued on Redis, then ``ambassador worker --burst``
sends them all (creating each token, composing, sending, storing the hash); its memory is sampled
while it works. The baseline: one plain loop over one SMTP connection sending the same kind of
messages to the same sink. Target: the worker's throughput at least half the bare loop's, and its
memory flat over the batch. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import sqlalchemy as sa  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
TARGET_RATIO = 0.5
TARGET_GROWTH = 0.10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
         "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise SystemExit("the SMTP sink did not start")


def prepare(url: str, count: int, env: dict) -> tuple[int, list, float]:
    """A round with ``count`` participants; returns its id and the queued batches."""
    os.environ.update(env)
    from survey import create_app, jobs, schema
    from survey.extensions import db
    from survey.services import custody, participants
    from survey.services.campaigns import add_organisation, create_campaign
    from survey.services.mail import compose

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, web=False)
    with app.app_context():
        schema.upgrade()
        organisation = add_organisation(db.session, f"mail-{secrets.token_hex(3)}", "Bench")
        # the list is the bench's own: no second person approves it (as an admin may decide)
        custody.set_requirement(db.session, organisation, False, None)
        campaign = create_campaign(db.session, organisation, "Mail", status="open")
        rows = [
            participants.ParticipantRow(f"person{i}@bench.example", "en", {}) for i in range(count)
        ]
        participants.import_participants(db.session, campaign, participants.ParticipantList(rows))
        started = time.perf_counter()
        queued = jobs.invite(db.session, campaign)
        enqueue_s = time.perf_counter() - started
        messages = [
            compose(
                campaign, "en", f"http://bench/s/{secrets.token_urlsafe(24)}", "invitation",
                row.email, app.config["MAIL_FROM"],
            )
            for row in rows
        ]  # fmt: skip
        campaign_id = campaign.id
        db.engine.dispose()
    assert queued == count
    return campaign_id, messages, enqueue_s


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_worker(env: dict) -> tuple[float, list[float]]:
    """``ambassador worker --burst`` until the queue is empty; its duration and memory samples."""
    started = time.perf_counter()
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "ambassador"), "worker", "--burst"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    samples: list[float] = []

    def sample():
        while worker.poll() is None:
            try:
                samples.append(rss_mb(worker.pid))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = worker.communicate(timeout=3600)
    sampler.join()
    if worker.returncode != 0:
        raise SystemExit(f"the worker failed: {errors[-2000:]}")
    return time.perf_counter() - started, samples


def bare_loop(port: int, messages: list) -> float:
    """The same number of messages over one plain SMTP connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for message in messages:
            smtp.send_message(message)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    port = free_port()
    schema = f"bench_{secrets.token_hex(4)}"
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    sink = start_sink(port)
    folder = tempfile.mkdtemp(prefix="bench-mail-")
    env = dict(
        os.environ,
        DATABASE_URL=url,
        REDIS_URL=REDIS_URL,
        SMTP_URL=f"smtp://127.0.0.1:{port}",
        SECRET_KEY="bench",
        BASE_URL="http://bench.example",
        OUTBOX=folder,
    )
    try:
        campaign_id, messages, enqueue_s = prepare(url, args.count, env)
        worker_s, samples = run_worker(env)
        bare_s = bare_loop(port, messages)
        with admin.connect() as connection:
            stored = connection.execute(
                sa.text(f'SELECT count(*) FROM "{schema}".invitations WHERE campaign_id = :c'),
                {"c": campaign_id},
            ).scalar()
    finally:
        sink.terminate()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    if stored != args.count:
        raise SystemExit(f"{stored} invitations stored, not {args.count}")
    quarter = max(1, len(samples) // 4)
    first, last = samples[:quarter], samples[-quarter:]
    growth = (sum(last) / len(last)) / (sum(first) / len(first)) - 1 if samples else 0.0
    worker_rate, bare_rate = args.count / worker_s, args.count / bare_s
    ratio = worker_rate / bare_rate
    first_mb, last_mb = sum(first) / len(first), sum(last) / len(last)
    print(f"queued {args.count:,} invitations in {enqueue_s:.1f} s")
    print(
        f"worker: {worker_rate:,.0f} mails/s ({worker_s:.1f} s), bare smtplib loop: "
        f"{bare_rate:,.0f} mails/s ({bare_s:.1f} s), ratio {ratio:.2f} (target ≥ {TARGET_RATIO})"
    )
    print(
        f"worker memory: peak {max(samples):.0f} MB, first quarter {first_mb:.0f} MB, "
        f"last quarter {last_mb:.0f} MB ({growth:+.1%}, target < 10 %)"
    )
    figures = {
        "count": args.count,
        "worker_per_s": round(worker_rate, 1),
        "bare_per_s": round(bare_rate, 1),
        "ratio": round(ratio, 3),
        "target": TARGET_RATIO,
        "peak_mb": round(max(samples), 1),
        "memory_growth": round(growth, 4),
        "target_growth": TARGET_GROWTH,
        "enqueue_s": round(enqueue_s, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
