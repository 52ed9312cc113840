"""Benchmark: how long a person waits for an answer while Redis or PostgreSQL is frozen.

A frozen peer keeps its connections open and never answers: Redis stopped with SIGSTOP (a
``redis-server`` of this script's own), PostgreSQL behind a TCP gate that stops passing bytes
(the shared server itself is never stopped). For each freeze the script times a login attempt,
the start of an open-link survey and ``/healthz`` on the app (in-process), with the freeze
lifted after ``--stall`` seconds; a request still waiting then is reported as waiting the whole
stall. It prints one line per request (seconds to the answer, the status) and, last, JSON.
PostgreSQL is measured when it answers at ``--postgres`` (skipped, and said, otherwise).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import sqlalchemy as sa  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parent.parent / "deploy"))
from harness import PG_URL, postgres_schema  # noqa: E402
from peers import FrozenRedis, Gate  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SLUG = "frozen-peers"


def prepare(app) -> None:
    from survey import schema
    from survey.extensions import db
    from survey.services.campaigns import add_organisation, create_campaign

    with app.app_context():
        schema.upgrade()
        organisation = add_organisation(db.session, "frozen", "Frozen peers")
        campaign = create_campaign(
            db.session, organisation, "Round 1", open_link=True, status="open"
        )
        campaign.open_slug = SLUG
        db.session.commit()
        db.session.remove()


def requests_to_time(client) -> dict:
    """Each request as a function of no arguments; the login form's token is fetched first."""
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    form = {"email": "nobody@frozen.example", "password": "not the password", "csrf_token": token}
    return {
        "login": lambda: client.post("/login", data=form),
        # a new browser each time: one that has started already is not counted again
        "open_link_start": lambda: client.application.test_client().get(f"/o/{SLUG}/questions"),
        "healthz": lambda: client.get("/healthz"),
    }


def timed_while_frozen(peer, request, stall: float) -> tuple[float, int]:
    """Seconds until ``request()`` answered while ``peer`` was frozen (``stall`` at most: then
    the freeze ends), and the status it answered."""
    peer.freeze()
    thaw = threading.Timer(stall, peer.thaw)
    thaw.daemon = True
    thaw.start()
    started = time.perf_counter()
    try:
        status = request().status_code
    finally:
        waited = time.perf_counter() - started
        thaw.cancel()
        peer.thaw()
    return min(waited, stall), status


def measure(app, peer, stall: float) -> dict:
    client = app.test_client()
    timings = {}
    for name, request in requests_to_time(client).items():
        request()  # warm: connections open, pages compiled
        waited, status = timed_while_frozen(peer, request, stall)
        timings[name] = {"seconds": round(waited, 2), "status": status}
        label = "the whole stall" if waited >= stall else f"{waited:.1f} s"
        print(f"  {name:16} {label:>16}  status {status}", flush=True)
    return timings


def redis_frozen(stall: float) -> dict:
    from survey import create_app

    with FrozenRedis() as redis, tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "RATELIMIT_STORAGE_URI": redis.url,
                "REDIS_URL": redis.url,
                "OUTBOX": folder,
            }
        )
        prepare(app)
        print(f"Redis frozen (SIGSTOP), stall {stall:.0f} s:")
        return measure(app, redis, stall)


def postgres_frozen(stall: float, url: str) -> dict | None:
    from survey import create_app
    from survey.extensions import db

    try:
        sa.create_engine(url, connect_args={"connect_timeout": 3}).connect().close()
    except sa.exc.OperationalError:
        print(f"PostgreSQL frozen: skipped, no PostgreSQL answers at {url}")
        return None
    with postgres_schema("frozen_peers", url) as (_name, schema_url):
        target = sa.engine.make_url(schema_url)
        with Gate(target.port or 5432, target.host or "127.0.0.1") as gate, \
                tempfile.TemporaryDirectory() as folder:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": target.set(
                        host="127.0.0.1", port=gate.port
                    ).render_as_string(False),
                    "OUTBOX": folder,
                }
            )
            prepare(app)
            print(f"PostgreSQL frozen (its bytes held), stall {stall:.0f} s:")
            try:
                return measure(app, gate, stall)
            finally:
                with app.app_context():
                    db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stall", type=float, default=60.0, help="seconds each freeze lasts")
    parser.add_argument("--postgres", default=PG_URL, help="the PostgreSQL to put a gate before")
    args = parser.parse_args()
    result = {"stall_seconds": args.stall, "redis_frozen": redis_frozen(args.stall)}
    result["postgres_frozen"] = postgres_frozen(args.stall, args.postgres)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
