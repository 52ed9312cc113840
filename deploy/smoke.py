"""Smoke test of the production stack: gunicorn + PostgreSQL + Redis, a survey over real HTTP.

Run by `.ci/run`. It creates a schema of its own in PostgreSQL, prepares a round with the CLI,
starts gunicorn with `gunicorn.conf.py`, completes a survey through a personal link, checks the
headers, the logs and the stored row, and removes everything again. Exit code 0 means it worked.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("SMOKE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/15")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"smoke test failed: {message}")


def main() -> None:
    bin_dir = Path(sys.executable).parent
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    schema = f"smoke_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{schema}",
        RATELIMIT_STORAGE_URI=REDIS_URL,
        SECRET_KEY=secrets.token_hex(16),
        BASE_URL=f"http://127.0.0.1:{port}",
        LOG_FORMAT="json",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )

    def ambassador(*args: str) -> str:
        return subprocess.run(
            [str(bin_dir / "ambassador"), *args],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    server = None
    try:
        ambassador("db", "upgrade")
        ambassador("org", "add", "smoke", "--name", "Smoke Test")
        campaign_id = ambassador("campaign", "add", "smoke", "--name", "Smoke", "--open").strip()
        link = ambassador("invite", campaign_id, "--count", "1").strip()
        token = link.rsplit("/", 1)[1]
        log_path = ROOT / "instance" / f"smoke-{port}.log"
        log_path.parent.mkdir(exist_ok=True)
        log = log_path.open("w")
        server = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-c", "gunicorn.conf.py", "survey:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise SystemExit("smoke test failed: gunicorn did not become healthy")

        browser = requests.Session()
        welcome = browser.get(link, headers={"Accept-Language": "nl"})
        check(welcome.status_code == 200, f"welcome page answered {welcome.status_code}")
        check(
            "frame-ancestors 'none'" in welcome.headers.get("Content-Security-Policy", ""),
            "no Content-Security-Policy",
        )
        check(welcome.headers.get("Referrer-Policy") == "no-referrer", "no Referrer-Policy")
        page = browser.get(f"{link}/questions")
        form = {name: "4" for name in set(re.findall(r'name="(item_[A-Z0-9]+)"', page.text))}
        check(len(form) == 28, f"expected 28 questions, found {len(form)}")
        form["csrf_token"] = CSRF.search(page.text).group(1)
        sent = browser.post(f"{link}/questions", data=form, allow_redirects=False)
        check(sent.status_code == 302, f"submission answered {sent.status_code}")
        again = browser.post(f"{link}/questions", data=form, allow_redirects=False)
        check(again.status_code == 409, f"second submission answered {again.status_code}")
        listed = json.loads(ambassador("campaign", "list", "--json"))
        check(listed[0]["responses"] == 1, f"{listed[0]['responses']} responses stored")
        log.flush()
        logged = log_path.read_text()
        check(token not in logged, "the survey token appeared in the log")
        check('"path": "/s/…/questions"' in logged, "no structured request log line")
        print(
            f"smoke test passed: gunicorn on PostgreSQL and Redis took a survey over HTTP "
            f"(campaign {campaign_id}, port {port})"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
