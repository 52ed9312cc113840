"""Benchmark: do HR users reading reports slow down the survey?

gunicorn (two workers) on PostgreSQL and Redis with `ambassador worker` beside it, all on this
machine's loopback. Survey submissions (the questions page and the answers sent, through personal
links) arrive at a fixed rate, once alone and once while two HR users read reports continuously:
two closed rounds of 20,000 responses, page in English and Dutch, CSV, and the PDF, workbook and
deck (which the worker builds). Nothing is built in advance: the readers' first requests build
every report and file. The readers run twice: at a person's pace (one request a second each,
`isolation_ratio`) and with no pause at all (`isolation_ratio_continuous`). It prints the p95 of
a submission alone and beside each, their ratios (target ≤ 1.5) and the CPU seconds that
gunicorn, the worker, the readers and the submitting clients used meanwhile; the last line is
JSON.

With ``--staff-server-nice N`` the survey and the staff pages are served by two gunicorn servers,
as nginx routes them in the README's second configuration: the submissions go to one, the
readers to the other, which runs N steps lower in CPU priority.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import numpy as np  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "deploy"))
from smoke import (  # noqa: E402
    CSRF,
    HR_EMAIL,
    HR_PASSWORD,
    free_port,
    gunicorn,
    postgres_schema,
    prepare_round,
    runner,
    wait_until_healthy,
)

TARGET = 1.5
REDIS_URL = "redis://127.0.0.1:6379/12"


def cpu_seconds(pid: int, descendants: bool = True) -> float:
    """CPU time (user + system) of a process and (unless not asked) all its descendants, those
    still running and those that have ended."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            if not descendants:
                break
            # and the children that have ended (gunicorn replaces a worker after MAX_REQUESTS)
            total += (int(fields[13]) + int(fields[14])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


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


def reader(base: str, rounds: list[int], stop, counts, pause: float) -> None:
    """An HR user reading the reports and asking for their files, over and over (in a process
    of its own, so that the submitting clients do not wait for its interpreter)."""
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
            with counts.get_lock():
                counts.value += 1
            stop.wait(pause)


def warm(base: str, rounds: list[int]) -> None:
    """Ask for every report and file until all are kept (the worker builds the files)."""
    for _ in range(600):
        if _all_ready(base, rounds):
            return
        time.sleep(1)
    raise SystemExit("the reports were not built within ten minutes")


def _all_ready(base: str, rounds: list[int]) -> bool:
    hr = requests.Session()
    page = hr.get(f"{base}/login")
    data = {"email": HR_EMAIL, "password": HR_PASSWORD, "csrf_token": CSRF.search(page.text)[1]}
    hr.post(f"{base}/login", data=data)
    statuses = [
        hr.get(f"{base}/campaigns/{r}/{what}?lang={lang}").status_code
        for r in rounds
        for lang in ("en", "nl")
        for what in ("report", "report.pdf", "report.xlsx", "report.pptx")
    ]
    return all(status == 200 for status in statuses)


def _cpu(pids) -> float:
    if pids == os.getpid():  # the submitting clients: this process alone, not its children
        return cpu_seconds(pids, descendants=False)
    return sum(cpu_seconds(pid) for pid in (pids if isinstance(pids, list) else [pids]))


def _bench_module(name: str):
    """A script of bench/ as a module, loaded from its file (bench/ is never put on sys.path,
    where bench/scoring.py would stand in for the scoring package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(env: dict, bin_dir: Path, workdir: Path, links_needed: int) -> tuple[list, list]:
    """An open round with ``links_needed`` personal links, and two closed rounds of 20,000."""
    _survey_round, links = prepare_round(runner(bin_dir, env, workdir), links_needed)
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    store_round = _bench_module("report").store_round

    from survey import create_app
    from survey.extensions import db
    from survey.models import Organisation

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with app.app_context():
        organisation = db.session.scalar(sa.select(Organisation).filter_by(slug="smoke"))
        rounds = [store_round(db.session, organisation, 20_000, seed=s).id for s in (1, 2)]
        db.engine.dispose()
    return links, rounds


def with_readers(base, rounds, links, args, pause: float, processes) -> dict:
    """Submissions while two HR users read at ``pause`` seconds between requests; the p95 and
    the CPU seconds each part of the set-up used meanwhile."""
    stop, counts = multiprocessing.Event(), multiprocessing.Value("i", 0)
    readers = [
        multiprocessing.Process(
            target=reader, args=(base, rounds, stop, counts, pause), daemon=True
        )
        for _ in range(2)
    ]
    for process in readers:
        process.start()
    watched = {"gunicorn": [processes[0].pid] + [p.pid for p in processes[2:]],
               "worker": processes[1].pid,
               "readers": [p.pid for p in readers], "clients": os.getpid()}
    before = {name: _cpu(pids) for name, pids in watched.items()}
    times = phase(links, args.rate, args.seconds)
    cpu = {name: round(_cpu(pids) - before[name], 1) for name, pids in watched.items()}
    stop.set()
    for process in readers:
        process.join(timeout=120)
    return {"pause": pause, "p95_ms": round(float(np.percentile(times, 95)) * 1e3, 1),
            "n": len(times), "report_requests": counts.value, "cpu_seconds": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0, help="submissions per second")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of each phase")
    parser.add_argument(
        "--warm", action="store_true", help="build every report and file before timing"
    )
    parser.add_argument(
        "--staff-server-nice",
        type=int,
        metavar="N",
        help="serve the survey and the staff pages from two servers (as nginx would route them), "
        "the staff pages' server N steps lower in CPU priority; the readers use that one",
    )
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with postgres_schema("isolation") as (_schema, database_url):
        alone, paced, flood = measure(args, bin_dir, database_url)
    print_figures(args, alone, paced, flood)


def measure(args, bin_dir: Path, database_url: str):
    """Submissions alone, then beside readers at a person's pace, then without pause."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
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
        links, rounds = prepare(env, bin_dir, workdir, int(args.rate * args.seconds * 3) + 10)
        processes.append(gunicorn(bin_dir, env, workdir, subprocess.DEVNULL))
        processes.append(subprocess.Popen(
            [str(bin_dir / "ambassador"), "worker"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=workdir, env=env,
        ))  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base)
        if args.staff_server_nice is not None:  # the links keep the survey's server
            staff_port = free_port()
            processes.append(subprocess.Popen(
                ["nice", "-n", str(args.staff_server_nice), str(bin_dir / "gunicorn"), "-c",
                 "python:survey.web.gunicorn_conf", "survey:create_app()"],
                env=dict(env, BIND=f"127.0.0.1:{staff_port}"), cwd=workdir,
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            ))  # fmt: skip
            base = f"http://127.0.0.1:{staff_port}"
            wait_until_healthy(base)
        submit(links.pop())  # the questions page is rendered once per round: not in the timing
        if args.warm:
            warm(base, rounds)
        alone = phase(links, args.rate, args.seconds)
        # first at a person's pace (the readers' first requests build every report and file),
        # then without any pause between requests
        paced = with_readers(base, rounds, links, args, 1.0, processes)
        flood = with_readers(base, rounds, links, args, 0.0, processes)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    return alone, paced, flood


def print_figures(args, alone, paced, flood) -> None:
    p95_alone = round(float(np.percentile(alone, 95)) * 1e3, 1)
    print(f"{len(alone)} submissions alone: p95 {p95_alone:.0f} ms")
    for run in (paced, flood):
        run["ratio"] = round(run["p95_ms"] / p95_alone, 2)
        print(
            f"{run['n']} while two HR users made {run['report_requests']} report requests "
            f"({run['pause']:.0f} s between requests): p95 {run['p95_ms']:.0f} ms, ratio "
            f"{run['ratio']:.2f} (target ≤ {TARGET}); CPU seconds meanwhile (of "
            f"{os.cpu_count() * args.seconds:.0f} on {os.cpu_count()} cores): "
            + ", ".join(f"{name} {seconds}" for name, seconds in run["cpu_seconds"].items())
        )
    print(json.dumps({
        "rate": args.rate, "seconds": args.seconds, "warm": args.warm,
        "staff_server_nice": args.staff_server_nice, "p95_alone_ms": p95_alone,
        "paced": paced, "continuous": flood, "isolation_ratio": paced["ratio"],
        "isolation_ratio_continuous": flood["ratio"], "target": TARGET,
    }))


if __name__ == "__main__":
    main()
