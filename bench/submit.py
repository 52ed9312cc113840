"""Benchmark: survey submissions over real HTTP against a bare one-INSERT endpoint, same run.

For PostgreSQL and SQLite in turn: a fresh database, gunicorn with 4 workers serving
``bench/app.py`` (the app plus a bare endpoint), and concurrent clients on loopback that each open
a personal survey link (GET, which renders the questionnaire and its CSRF token) and submit a
complete answer (POST). The same clients then call the bare endpoint, which does one INSERT.
Prints submissions per second and p95 latency for both; the target is a survey throughput of at
least half the bare one.
The last line is JSON.
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
import tempfile
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
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TARGET = 0.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url: str, count: int) -> tuple[int, list[str], dict]:
    """Migrate a fresh database, add an open campaign and ``count`` invitations."""
    os.environ["DATABASE_URL"] = url
    from survey import create_app, schema
    from survey.extensions import db
    from survey.services.campaigns import (
        add_organisation,
        campaign_instrument,
        create_campaign,
        parse_segment,
    )
    from survey.services.responses import create_invitations

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        schema.upgrade()
        org = add_organisation(db.session, f"bench-{secrets.token_hex(3)}", "Bench")
        campaign = create_campaign(
            db.session,
            org,
            "Bench round",
            status="open",
            segments=(parse_segment("department=Sales,IT,HR"),),
        )
        tokens = create_invitations(db.session, campaign, count)
        instrument = campaign_instrument(campaign)
        form = {f"item_{key}": "4" for key in instrument.item_keys}
        form["segment_department"] = "IT"
        campaign_id = campaign.id
        db.engine.dispose()
    return campaign_id, tokens, form


def serve(url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY="bench-secret",
        BASE_URL=f"http://127.0.0.1:{port}",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # from the checkout, as the package bench.app: served from bench/ itself (--chdir),
            # bench/scoring.py would stand in for the scoring package and no worker would boot
            "bench.app:create_bench_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped (exit code {process.returncode})")
        try:
            if requests.get(f"http://127.0.0.1:{port}/thanks", timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def _client_process(args) -> tuple[list[float], int, float, float]:
    """One client process: its share of the jobs, one after another, over one HTTP session."""
    kind, base, jobs, form, campaign_id, start_at = args
    session = requests.Session()
    while time.time() < start_at:  # all processes start together
        time.sleep(0.001)
    latencies, errors = [], 0
    began = time.time()
    for job in jobs:
        start = time.perf_counter()
        if kind == "survey":
            page = session.get(f"{base}/s/{job}/questions")
            payload = dict(form, csrf_token=CSRF.search(page.text).group(1))
            done = session.post(f"{base}/s/{job}/questions", data=payload, allow_redirects=False)
            ok = done.status_code == 302
        else:
            ok = session.post(f"{base}/bench/insert/{campaign_id}").status_code == 204
        latencies.append(time.perf_counter() - start)
        errors += not ok
    return latencies, errors, began, time.time()


def run_clients(
    pool, clients: int, kind: str, base: str, jobs: list, form: dict, campaign_id: int
) -> tuple[float, list[float], int]:
    """Run the jobs split over ``clients`` processes (no GIL shared between clients)."""
    start_at = time.time() + 1.0
    shares = [(kind, base, jobs[i::clients], form, campaign_id, start_at) for i in range(clients)]
    results = list(pool.map(_client_process, shares))
    latencies = [value for result in results for value in result[0]]
    errors = sum(result[1] for result in results)
    wall = max(result[3] for result in results) - min(result[2] for result in results)
    return wall, latencies, errors


def bench(db_name: str, url: str, n: int, clients: int, workers: int) -> dict:
    campaign_id, tokens, form = prepare(url, n + 20)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(url, port, workers)
    try:
        with ProcessPoolExecutor(clients) as pool:
            run_clients(pool, clients, "survey", base, tokens[n:], form, campaign_id)  # warm-up
            survey_s, survey_lat, survey_err = run_clients(
                pool, clients, "survey", base, tokens[:n], form, campaign_id
            )
            bare_s, bare_lat, bare_err = run_clients(
                pool, clients, "bare", base, list(range(n)), form, campaign_id
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    result = {
        "db": db_name,
        "submissions": n,
        "clients": clients,
        "workers": workers,
        "survey_rps": round(n / survey_s, 1),
        "bare_rps": round(n / bare_s, 1),
        "ratio": round((n / survey_s) / (n / bare_s), 3),
        "survey_p95_ms": round(float(np.percentile(survey_lat, 95)) * 1e3, 1),
        "bare_p95_ms": round(float(np.percentile(bare_lat, 95)) * 1e3, 1),
        "errors": survey_err + bare_err,
        "target_ratio": TARGET,
    }
    print(
        f"{db_name:<10} survey {result['survey_rps']:7.1f}/s p95 {result['survey_p95_ms']:6.1f} ms"
        f" | bare INSERT {result['bare_rps']:7.1f}/s p95 {result['bare_p95_ms']:6.1f} ms"
        f" | ratio {result['ratio']:.2f} (target ≥ {TARGET}) | errors {result['errors']}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="submissions per measurement")
    parser.add_argument("--clients", type=int, default=8, help="client processes")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    results = []
    schema_name = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    try:
        pg = f"{PG_URL}?options=-csearch_path%3D{schema_name}"
        results.append(bench("postgresql", pg, args.n, args.clients, args.workers))
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite:///{folder}/bench.sqlite3"
        results.append(bench("sqlite", sqlite, args.n, args.clients, args.workers))
    worst = min(result["ratio"] for result in results)
    print(json.dumps({"results": results, "ratio": worst, "target_ratio": TARGET}))


if __name__ == "__main__":
    main()
