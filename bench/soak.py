"""Soak run: mixed survey submissions and report reads against gunicorn on PostgreSQL and Redis.

Bounded in time (``--duration``, default 180 s) and on loopback only. Client processes loop over a
mix of work — mostly employees opening a personal link and submitting (GET + POST), some HR users
reading the report page — while the run samples the memory of gunicorn's workers (worker recycling
off, so that a leak would show). Prints throughput, p95 per kind of request, errors (target 0) and
memory growth from the first to the last quarter of the run (target: flat, under 10 %). The last
line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import numpy as np  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "soak test password"
TARGET_ERRORS, TARGET_GROWTH = 0, 0.10
GUNICORN_CONF = "python:survey.web.gunicorn_conf"


def prepare(url: str, tokens: int) -> tuple[int, int, list[str]]:
    """A closed round of 2,000 responses to report on, an open one with personal links, HR."""
    os.environ["DATABASE_URL"] = url
    from survey import create_app, schema
    from survey.cli.demo import synthetic_answers
    from survey.extensions import db
    from survey.models import Response
    from survey.services.campaigns import add_organisation, campaign_instrument, create_campaign
    from survey.services.lifecycle import set_status
    from survey.services.responses import create_invitations
    from survey.services.users import add_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        schema.upgrade()
        org = add_organisation(db.session, "soak", "Soak Test", sector="Retail")
        closed = create_campaign(db.session, org, "Last year", status="open")
        rng = np.random.default_rng(1)
        offsets = synthetic_answers(
            campaign_instrument(closed), (0, 0, 0, 0, 0), 2000, rng, np.zeros(2000, dtype=int)
        )
        db.session.execute(
            sa.insert(Response),
            [
                {
                    "campaign_id": closed.id,
                    "language": "en",
                    "answers": row.tobytes(),
                    "segments": {},
                }
                for row in offsets
            ],
        )
        db.session.commit()
        set_status(db.session, closed, "closed")
        current = create_campaign(db.session, org, "This year", status="open")
        links = create_invitations(db.session, current, tokens)  # tokens, shown only here
        add_user(db.session, "hr@soak.example", PASSWORD, memberships=((org, "hr"),))
        ids = (closed.id, current.id)
        db.engine.dispose()
    return ids[0], ids[1], links


def worker_rss(master: int) -> int:
    """Resident memory (kB) of gunicorn's workers, the children of the master process."""
    total = 0
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def client(args):
    base, tokens, report_id, until, report_share, seed = args
    rng = np.random.default_rng(seed)
    hr = requests.Session()
    page = hr.get(f"{base}/login")
    hr.post(
        f"{base}/login",
        data={
            "email": "hr@soak.example",
            "password": PASSWORD,
            "csrf_token": CSRF.search(page.text).group(1),
        },
    )
    results = []  # (kind, seconds, ok)
    employee = requests.Session()
    form = None
    while time.time() < until and tokens:
        start = time.perf_counter()
        if rng.random() < report_share:
            response = hr.get(f"{base}/campaigns/{report_id}/report")
            results.append(
                (
                    "report",
                    time.perf_counter() - start,
                    response.status_code == 200 and "Where to start" in response.text,
                )
            )
            continue
        token = tokens.pop()
        page = employee.get(f"{base}/s/{token}/questions")
        if form is None:
            form = {n: "4" for n in set(re.findall(r'name="(item_[A-Z0-9]+)"', page.text))}
        match = CSRF.search(page.text)
        ok = page.status_code == 200 and match is not None
        if ok:
            sent = employee.post(
                f"{base}/s/{token}/questions",
                data=dict(form, csrf_token=match.group(1)),
                allow_redirects=False,
            )
            ok = sent.status_code == 302
        results.append(("submit", time.perf_counter() - start, ok))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180.0, help="seconds (bounded)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--report-share", type=float, default=0.1)
    args = parser.parse_args()
    duration = min(args.duration, 900.0)
    schema = f"soak_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    server = None
    try:
        report_id, _current, tokens = prepare(url, tokens=int(duration * 150))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = dict(
            os.environ,
            DATABASE_URL=url,
            RATELIMIT_STORAGE_URI=REDIS_URL,
            SECRET_KEY="soak",
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(args.workers),
            MAX_REQUESTS="0",
            LOG_LEVEL="warning",
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF, "survey:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample():
            while not stop.wait(2.0):
                samples.append((time.time(), worker_rss(server.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        started = time.time()
        until = started + duration
        sampler.start()
        shares = [
            (base, tokens[i :: args.clients], report_id, until, args.report_share, i)
            for i in range(args.clients)
        ]
        with ProcessPoolExecutor(args.clients) as pool:
            results = [r for chunk in pool.map(client, shares) for r in chunk]
        elapsed = time.time() - started
        stop.set()
        sampler.join()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    def p95(kind):
        values = [s for k, s, _ in results if k == kind]
        return round(float(np.percentile(values, 95)) * 1e3, 1) if values else None

    quarter = max(1, len(samples) // 4)
    first = float(np.mean([rss for _, rss in samples[:quarter]]))
    last = float(np.mean([rss for _, rss in samples[-quarter:]]))
    growth = (last - first) / first
    summary = {
        "duration_s": round(elapsed, 1),
        "requests": len(results),
        "throughput_per_s": round(len(results) / elapsed, 1),
        "submissions": sum(1 for k, _, _ in results if k == "submit"),
        "report_reads": sum(1 for k, _, _ in results if k == "report"),
        "submit_p95_ms": p95("submit"),
        "report_p95_ms": p95("report"),
        "errors": sum(1 for _, _, ok in results if not ok),
        "workers_rss_mb_first_quarter": round(first / 1024, 1),
        "workers_rss_mb_last_quarter": round(last / 1024, 1),
        "memory_growth": round(growth, 3),
        "target_errors": TARGET_ERRORS,
        "target_memory_growth": TARGET_GROWTH,
    }
    print(
        f"{summary['requests']} requests in {summary['duration_s']} s "
        f"({summary['throughput_per_s']}/s): {summary['submissions']} submissions "
        f"(p95 {summary['submit_p95_ms']} ms), {summary['report_reads']} report reads "
        f"(p95 {summary['report_p95_ms']} ms); errors {summary['errors']} (target 0); "
        f"worker memory {summary['workers_rss_mb_first_quarter']} → "
        f"{summary['workers_rss_mb_last_quarter']} MB ({growth:+.1%}, target < 10 %)"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
