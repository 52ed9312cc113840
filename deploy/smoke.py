"""Smoke test of the production stack: gunicorn + PostgreSQL + Redis, a survey over real HTTP.

Run by `.ci/run` against a wheel installed into a fresh virtual environment outside the checkout
(`--venv`), so that it proves the installed package serves every page: the survey, the HR login,
the report in Dutch and English, its PDF, and the static files. It creates a schema of its own in
PostgreSQL, prepares a round with the CLI, starts gunicorn with the installed configuration
(`python:survey.web.gunicorn_conf`), completes three surveys through personal links, checks the
headers, the logs and the stored rows, and removes everything again. Exit code 0 means it worked.
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
from pathlib import Path

import requests
from harness import postgres_schema

REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/15")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RESPONSES = 3  # the round's minimum group size: enough for the report to show its figures
HR_EMAIL, HR_PASSWORD = "hr@smoke.example", "a smoke test password"
TITLES = {"en": "Social media culture · Smoke", "nl": "Socialemediacultuur · Smoke"}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"smoke test failed: {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(base: str) -> None:
    for _ in range(120):
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit("smoke test failed: gunicorn did not become healthy")


def answer_survey(link: str) -> None:
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


def worker(bin_dir: Path, env: dict, workdir: Path):
    """A function that runs the installed worker until its queue is empty."""

    def work() -> None:
        done = subprocess.run(
            [str(bin_dir / "ambassador"), "worker", "--burst"], env=env, cwd=workdir,
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        check(done.returncode == 0, f"the worker failed: {done.stderr[-500:]}")

    return work


def built(client: requests.Session, url: str, work, **params) -> requests.Response:
    """GET a closed round's report or file; while the worker has yet to build it (202 with a
    progress page), let the worker run and ask again."""
    answer = client.get(url, params=params)
    if answer.status_code == 202:
        check(answer.headers.get("Refresh") == "2", f"{url}: 202 without a progress page")
        work()
        answer = client.get(url, params=params)
    check(answer.status_code == 200, f"{url} answered {answer.status_code}")
    return answer


def read_report(base: str, campaign_id: str, work) -> None:
    """Log in as HR and read the report page in both languages (the worker builds them), its
    PDF and the stylesheet."""
    hr = requests.Session()
    login = hr.get(f"{base}/login")
    check(login.status_code == 200, f"login page answered {login.status_code}")
    token = CSRF.search(login.text).group(1)
    data = {"email": HR_EMAIL, "password": HR_PASSWORD, "csrf_token": token}
    check(hr.post(f"{base}/login", data=data).status_code == 200, "HR could not log in")
    for lang, title in TITLES.items():
        page = built(hr, f"{base}/campaigns/{campaign_id}/report", work, lang=lang)
        check(title in page.text, f"the {lang} report lacks its title {title!r}")
        check("<svg" in page.text, f"the {lang} report has no charts")
    pdf = built(hr, f"{base}/campaigns/{campaign_id}/report.pdf", work, lang="nl")
    check(pdf.content.startswith(b"%PDF"), "report.pdf is no PDF")
    css = hr.get(f"{base}/static/css/report.css")
    check(css.status_code == 200 and "{" in css.text, "static files are not served")
    privacy = requests.get(f"{base}/privacy", params={"lang": "nl"})
    check("Wat we bewaren" in privacy.text, "the privacy page is not served in Dutch")


def mail_a_round(ambassador, bin_dir: Path, env: dict, workdir: Path) -> str:
    """A round with a participant list: the invitations are queued on Redis and the installed
    worker sends them to an SMTP server; returns one received link."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    from redis import Redis

    received = []

    class Inbox(Message):
        def handle_message(self, message):
            received.append(message.get_payload(decode=True).decode())

    Redis.from_url(REDIS_URL).delete("rq:queue:ambassador")
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    env["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        # the worker's sending is what is tested here: the organisation's admin turns the
        # approval of lists off (the approval itself is tested against the pages)
        ambassador("org", "list-approval", "smoke", "off")
        round_id = ambassador("campaign", "add", "smoke", "--name", "Mailed", "--open").strip()
        people = workdir / "people.csv"
        people.write_text("email\n" + "".join(f"p{i}@smoke.example\n" for i in range(3)))
        ambassador("participants", "import", round_id, str(people))
        check(received == [], "the import sent mail itself instead of queueing it")
        worker(bin_dir, env, workdir)()
    finally:
        controller.stop()
        env.pop("SMTP_URL")
    check(len(received) == 3, f"the worker sent {len(received)} invitations, not 3")
    return re.search(r"http\S+/s/\S+", received[0]).group(0)


def runner(bin_dir: Path, env: dict, workdir: Path):
    """``ambassador …`` of the installed app, in ``workdir`` with ``env``; its output, or a
    failed smoke test with the command's error."""

    def ambassador(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [str(bin_dir / "ambassador"), *args], env=env, cwd=workdir, input=stdin,
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        check(done.returncode == 0, f"ambassador {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    return ambassador


def prepare_round(ambassador, responses: int = RESPONSES) -> tuple[str, list[str]]:
    """The database, an organisation with its HR user, and an open round with personal links:
    the round's id and the links."""
    ambassador("db", "upgrade")
    ambassador("org", "add", "smoke", "--name", "Smoke Test")
    ambassador("user", "add", HR_EMAIL, "--org", "smoke", "--password-stdin", stdin=HR_PASSWORD)
    campaign_id = ambassador(
        "campaign", "add", "smoke", "--name", "Smoke", "--min-group-size", str(RESPONSES),
        "--open",
    ).strip()  # fmt: skip
    return campaign_id, ambassador("invite", campaign_id, "--count", str(responses)).split()


def gunicorn(bin_dir: Path, env: dict, workdir: Path, log) -> subprocess.Popen:
    """The installed app under gunicorn with its installed configuration."""
    return subprocess.Popen(
        [str(bin_dir / "gunicorn"), "-c", "python:survey.web.gunicorn_conf",
         "survey:create_app()"],
        env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--venv",
        type=Path,
        default=Path(sys.executable).parent.parent,
        help="virtual environment the app is installed in (default: this Python's)",
    )
    bin_dir = parser.parse_args().venv.resolve() / "bin"
    with postgres_schema("smoke") as (_schema, database_url):
        smoke(bin_dir, database_url)


def smoke(bin_dir: Path, database_url: str) -> None:
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        SECRET_KEY=secrets.token_hex(16),
        BASE_URL=f"http://127.0.0.1:{port}",
        LOG_FORMAT="json",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        REDIS_URL=REDIS_URL,
    )
    # Outside the checkout: nothing but the installed package can be imported.
    workdir = Path(tempfile.mkdtemp(prefix="ambassador-smoke-"))
    ambassador = runner(bin_dir, env, workdir)
    server = None
    try:
        campaign_id, links = prepare_round(ambassador)
        log_path = workdir / "gunicorn.log"
        log = log_path.open("w")
        server = gunicorn(bin_dir, env, workdir, log)
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base)
        for link in links:
            answer_survey(link)
        listed = json.loads(ambassador("campaign", "list", "--json"))
        check(listed[0]["responses"] == RESPONSES, f"{listed[0]['responses']} responses stored")
        ambassador("campaign", "close", campaign_id)  # figures are published once it closes
        read_report(base, campaign_id, worker(bin_dir, env, workdir))
        mailed = mail_a_round(ambassador, bin_dir, env, workdir)
        answer_survey(mailed)
        log.flush()
        logged = log_path.read_text()
        for link in links:
            check(link.rsplit("/", 1)[1] not in logged, "a survey token appeared in the log")
        check('"path": "/s/…/questions"' in logged, "no structured request log line")
        print(
            f"smoke test passed: gunicorn ({bin_dir.parent}) on PostgreSQL and Redis took "
            f"{RESPONSES} surveys over HTTP, served the report in both languages and as PDF, and "
            "its worker e-mailed a participant list's links through Redis "
            f"(campaign {campaign_id}, port {port})"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
