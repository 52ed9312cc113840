"""Benchmark: do HR users reading reports slow down the survey?

gunicorn (two workers) on PostgreSQL and Redis with `ambassador worker` beside it, all on this
machine's loopback. Survey submissions (the questions page and the answers sent, through personal
links) arrive at a fixed rate, once alone and once while two HR users read reports continuously:
two closed rounds of 20,000 responses, page in English and Dutch, CSV, and the PDF, workbook and
deck (which the worker builds). Nothing is built in advance: the readers' first requests build
every report and file. It prints the p95 of a submission in both phases and their ratio (target
≤ 1.5, `isolation_ratio`); the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import numpy as np  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "bench"))
from smoke import CSRF, HR_EMAIL, HR_PASSWORD, PG_URL, free_port, wait_until_healthy  # noqa: E402

TARGET = 1.5
REDIS_URL = "redis://127.0.0.1:6379/12"


def submit(link: str) -> float:
    """One person answering: the questions page, then the answers; seconds taken."""
    started = time.perf_counter()
    browser = requests.Session()
    page = browser.get(f"{link}/questions")
    form = {name: "4" for name in set(re.findall(r'name="(item_[A-Z0-9]+)"', page.text))}
    form["csrf_token"] = CSRF.search(page.text).group(1)
    sent = browser.post(f"{link}/questions", data=form, allow_redirects=False)
    if sent.status_code != 302:
        raise SystemExit(f"a submission answered {sent.status_code}")
    return time.perf_counter() - started


def phase(links: list[str], rate: float, seconds: float) -> list[float]:
    """Submissions at a fixed rate (each started on schedule, whatever the others do)."""
    count = int(rate * seconds)
    start = time.perf_counter()
    futures = []
    with ThreadPoolExecutor(max_workers=32) as pool:
        for i in range(count):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(submit, links.pop()))
    return [f.result() for f in futures]


def reader(base: str, rounds: list[int], stop: threading.Event, counts: list[int]) -> None:
    """An HR user reading the reports and asking for their files, over and over."""
    hr = requests.Session()
    page = hr.get(f"{base}/login")
    data = {"email": HR_EMAIL, "password": HR_PASSWORD, "csrf_token": CSRF.search(page.text)[1]}
    hr.post(f"{base}/login", data=data)
    paths = [
        f"/campaigns/{r}/{what}?lang={lang}"
        for r in rounds
        for lang in ("en", "nl")
        for what in ("report", "report.csv", "report.pdf", "report.xlsx", "report.pptx")
    ]
    while not stop.is_set():
        for path in paths:
            if stop.is_set():
                break
            answer = hr.get(base + path)
            if answer.status_code not in (200, 202):
                raise SystemExit(f"{path} answered {answer.status_code}")
            counts[0] += 1


def prepare(env: dict, bin_dir: Path, workdir: Path, links_needed: int) -> tuple[list, list]:
    def ambassador(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [str(bin_dir / "ambassador"), *args], env=env, cwd=workdir, input=stdin,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout

    ambassador("db", "upgrade")
    ambassador("org", "add", "bench", "--name", "Bench")
    ambassador("user", "add", HR_EMAIL, "--org", "bench", "--password-stdin", stdin=HR_PASSWORD)
    survey_round = ambassador("campaign", "add", "bench", "--name", "Live", "--open").strip()
    links = ambassador("invite", survey_round, "--count", str(links_needed)).split()
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    from report import store_round

    from survey import create_app
    from survey.extensions import db
    from survey.models import Organisation

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with app.app_context():
        organisation = db.session.scalar(sa.select(Organisation).filter_by(slug="bench"))
        rounds = [store_round(db.session, organisation, 20_000, seed=s).id for s in (1, 2)]
        db.engine.dispose()
    return links, rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0, help="submissions per second")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of each phase")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    port = free_port()
    schema = f"isolation_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{schema}",
        RATELIMIT_STORAGE_URI=REDIS_URL,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secrets.token_hex(16),
        BASE_URL=f"http://127.0.0.1:{port}",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_LEVEL="warning",
    )
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="ambassador-isolation-"))
    processes = []
    try:
        links, rounds = prepare(env, bin_dir, workdir, int(args.rate * args.seconds * 2) + 10)
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir, env=env)
        processes.append(subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-c", "python:survey.web.gunicorn_conf",
             "survey:create_app()"], **quiet,
        ))  # fmt: skip
        processes.append(subprocess.Popen([str(bin_dir / "ambassador"), "worker"], **quiet))
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base)
        submit(links.pop())  # the questions page is rendered once per round: not in the timing
        alone = phase(links, args.rate, args.seconds)
        stop, counts = threading.Event(), [0]
        readers = [
            threading.Thread(target=reader, args=(base, rounds, stop, counts), daemon=True)
            for _ in range(2)
        ]
        for thread in readers:
            thread.start()
        busy = phase(links, args.rate, args.seconds)
        stop.set()
        for thread in readers:
            thread.join(timeout=120)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    p95_alone, p95_busy = (float(np.percentile(x, 95)) for x in (alone, busy))
    ratio = p95_busy / p95_alone
    print(
        f"{len(alone)} submissions alone: p95 {p95_alone * 1e3:.0f} ms; {len(busy)} while two HR "
        f"users made {counts[0]} report requests: p95 {p95_busy * 1e3:.0f} ms; ratio {ratio:.2f} "
        f"(target ≤ {TARGET})"
    )
    print(json.dumps({
        "rate": args.rate, "seconds": args.seconds, "p95_alone_ms": round(p95_alone * 1e3, 1),
        "p95_with_readers_ms": round(p95_busy * 1e3, 1), "report_requests": counts[0],
        "isolation_ratio": round(ratio, 2), "target": TARGET,
    }))


if __name__ == "__main__":
    main()
