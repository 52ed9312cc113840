"""Fault suite: the survey, the e-mail and the report file paths against real workers while
things break under them.

Two ``ambassador worker`` processes, gunicorn, a PostgreSQL schema of its own reached through a
TCP proxy that can cut every connection, a redis-server of its own (append-only file, so killed
and started again it holds what it held) and an SMTP server (aiosmtpd) that answers the first
attempts 451 ("try again later") and a few addresses 550. The faults: a worker SIGKILLed while it
sends and both while they build a PDF, the database cut off, Redis killed and Redis frozen
(SIGSTOP, then SIGCONT), twice each — while invitations go out and while people answer.

It asserts no answer lost or stored twice, no 500 page, every invitation e-mailed exactly once
(a worker killed after the mail server took an e-mail but before its link was marked sent may
send that person a second one whose link replaces the first: counted apart, at most one per
kill), the report page and its PDF built, every job finished and no worker that quit by itself.
It prints its figures and, last, one line of JSON. Exit code 0 means it held.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from harness import postgres_schema
from peers import Gate, RedisServer
from smoke import CSRF, check, free_port, gunicorn, runner, wait_until_healthy

PEOPLE = 240  # invited: three batches (jobs) of up to 100
REFUSED = 3  # of them at an address the mail server refuses for good (550)
DEFERRED = 2  # the first attempts the mail server answers 451: those batches are retried
ANSWERING = 40  # of the invited answer the survey while the faults go on
HR_EMAIL, HR_PASSWORD = "hr@faults.example", "a fault suite password"
LINK = re.compile(r"http\S+/s/\S+")


class FaultyRedis(RedisServer):
    """The suite's Redis: killed for a while, or frozen for a while, then back."""

    def outage(self, down_for: float) -> None:
        self.kill()
        time.sleep(down_for)
        self.start()

    def stall(self, frozen_for: float) -> None:
        self.process.send_signal(signal.SIGSTOP)
        time.sleep(frozen_for)
        self.process.send_signal(signal.SIGCONT)


def mail_sink():
    """An SMTP server that answers the first DEFERRED recipients 451, refused.example 550, and
    takes a little time over each message; what it received."""
    from aiosmtpd.handlers import Message

    class Sink(Message):
        def __init__(self):
            super().__init__()
            self.received: list[tuple[str, str]] = []  # (recipient, link)
            self.deferred = self.refused = 0

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.endswith("@refused.example"):
                self.refused += 1
                return "550 5.1.1 no such mailbox"
            if self.deferred < DEFERRED:
                self.deferred += 1
                return "451 4.3.0 try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(0.03)  # so that the faults find the mail under way
            return await super().handle_DATA(server, session, envelope)

        def handle_message(self, message):
            body = message.get_payload(decode=True).decode()
            self.received.append((message["To"], LINK.search(body).group(0)))

    return Sink()


class Workers:
    """The ``ambassador worker`` processes, started again (as a supervisor would) when killed."""

    def __init__(self, bin_dir: Path, env: dict, workdir: Path, count: int = 2):
        self.command = [str(bin_dir / "ambassador"), "worker"]
        self.env, self.workdir = dict(env, WORKER_NICE="0"), workdir
        self.log = (workdir / "workers.log").open("a")
        self.processes = [self._start() for _ in range(count)]
        self.killed = 0

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(
            self.command, env=self.env, cwd=self.workdir, stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self, which: list[int]) -> None:
        for index in which:
            self.processes[index].kill()
            self.processes[index].wait()
            self.killed += 1
        time.sleep(1)
        for index in which:
            self.processes[index] = self._start()

    def quit_by_themselves(self) -> int:
        return sum(process.poll() is not None for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


class Answers:
    """People answering the survey over HTTP, as a patient browser does: a 503 (or no answer)
    is tried again; a 409 after such a try means the earlier one was stored."""

    def __init__(self):
        self.stored = 0
        self.statuses: Counter[int | str] = Counter()
        self.unstored: list[str] = []  # links given up on, with what they last answered
        self.lock = threading.Lock()

    def answer(self, link: str) -> None:
        browser = requests.Session()
        uncertain, last = False, None
        for _ in range(60):
            try:
                page = browser.get(f"{link}/questions", timeout=30)
                self._count(page.status_code)
                last = f"GET {page.status_code}"
                if page.status_code == 409 and uncertain:  # an earlier try was stored
                    break
                if page.status_code != 200:
                    time.sleep(1)
                    continue
                items = set(re.findall(r'name="(item_[A-Z0-9]+)"', page.text))
                form = {name: "4" for name in items}
                form["csrf_token"] = CSRF.search(page.text).group(1)
                sent = browser.post(
                    f"{link}/questions", data=form, allow_redirects=False, timeout=30
                )
            except requests.RequestException as exc:
                self._count(type(exc).__name__)
                uncertain, last = True, type(exc).__name__
                time.sleep(1)
                continue
            self._count(sent.status_code)
            last = f"POST {sent.status_code}"
            if sent.status_code == 302 or (sent.status_code == 409 and uncertain):
                break
            uncertain = uncertain or sent.status_code >= 500
            time.sleep(1)
        else:
            with self.lock:
                self.unstored.append(f"{link}: {last}")
            return
        with self.lock:
            self.stored += 1

    def _count(self, status: int | str) -> None:
        with self.lock:
            self.statuses[status] += 1


def wait_for(condition, seconds: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(0.2)
    raise SystemExit(f"fault suite failed: {what} (waited {seconds:.0f} s)")


def jobs_left(redis_url: str) -> dict[str, int]:
    """Jobs not finished on the ambassador queue (the next hour's housekeeping aside)."""
    from redis import Redis
    from rq import Queue

    queue = Queue("ambassador", connection=Redis.from_url(redis_url))
    scheduled = [
        job_id
        for job_id in queue.scheduled_job_registry.get_job_ids()
        if not job_id.startswith("ambassador-housekeeping")
    ]
    return {
        "queued": queue.count,
        "started": len(queue.started_job_registry.get_job_ids()),
        "scheduled": len(scheduled),
        "failed": len(queue.failed_job_registry.get_job_ids()),
    }


def building(redis_url: str) -> bool:
    """Whether a worker is building a report file."""
    from redis import Redis
    from rq import Queue

    queue = Queue("ambassador", connection=Redis.from_url(redis_url))
    started = queue.started_job_registry.get_job_ids()
    return any(job_id.startswith("ambassador-export-") for job_id in started)


def built(hr: requests.Session, url: str, on_first_wait, **params) -> requests.Response:
    """GET a report page or file until the workers have built it (202 meanwhile)."""
    first = True
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        answer = hr.get(url, params=params, timeout=60)
        if answer.status_code != 202:
            check(answer.status_code == 200, f"{url} answered {answer.status_code}")
            return answer
        if first:
            on_first_wait()
            first = False
        time.sleep(1)
    raise SystemExit(f"fault suite failed: {url} was not built in four minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--venv",
        type=Path,
        default=None,
        help="virtual environment the app is installed in (default: this checkout's code, run "
        "by this Python)",
    )
    venv = parser.parse_args().venv
    bin_dir = (venv.resolve() if venv else Path(sys.executable).parent.parent) / "bin"
    extra = {} if venv else {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with postgres_schema("faults") as (_schema, database_url):
        figures = faults(bin_dir, database_url, extra)
    print(json.dumps(figures))


def faults(bin_dir: Path, database_url: str, extra: dict) -> dict:
    from aiosmtpd.controller import Controller

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="ambassador-faults-"))
    redis = FaultyRedis(workdir)
    redis.start()
    proxy = Gate(5432)
    sink = mail_sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = dict(
        os.environ,
        **extra,
        DATABASE_URL=database_url,
        SECRET_KEY=os.urandom(16).hex(),
        BASE_URL=f"http://127.0.0.1:{port}",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        REDIS_URL=f"{redis.url}/0",
        RATELIMIT_STORAGE_URI=f"{redis.url}/1",
        SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
        # retries come sooner than in production (30 s, 2 and 10 minutes), to fit a CI run
        JOB_RETRY_SECONDS="3,6,12,24,48",
    )
    ambassador = runner(bin_dir, env, workdir)
    # the servers and workers reach PostgreSQL through the proxy; the set-up commands directly
    through = dict(env, DATABASE_URL=database_url.replace(":5432/", f":{proxy.port}/"))
    counted = Counter()
    server = workers = None
    try:
        ambassador("db", "upgrade")
        ambassador("org", "add", "faults", "--name", "Fault Suite")
        ambassador("org", "list-approval", "faults", "off")
        ambassador(
            "user", "add", HR_EMAIL, "--org", "faults", "--password-stdin", stdin=HR_PASSWORD
        )
        round_id = ambassador("campaign", "add", "faults", "--name", "Faults", "--open").strip()
        server = gunicorn(bin_dir, through, workdir, (workdir / "gunicorn.log").open("w"))
        workers = Workers(bin_dir, through, workdir)
        wait_until_healthy(f"http://127.0.0.1:{port}")

        # 1. invitations go out while a worker is killed, the database cut off, Redis killed
        # and Redis frozen
        people = [f"p{i}@faults.example" for i in range(PEOPLE - REFUSED)]
        people += [f"r{i}@refused.example" for i in range(REFUSED)]
        (workdir / "people.csv").write_text("email\n" + "\n".join(people) + "\n")
        mail_start = time.monotonic()
        ambassador("participants", "import", round_id, str(workdir / "people.csv"))
        reachable = PEOPLE - REFUSED
        steps = [
            (0.15, "worker killed while sending", lambda: workers.kill([0])),
            (0.35, "database cut", lambda: proxy.cut()),
            (0.55, "Redis killed", lambda: redis.outage(down_for=4)),
            (0.75, "Redis frozen", lambda: redis.stall(frozen_for=8)),
        ]
        for share, fault, act in steps:
            sent = lambda s=share: len(sink.received) >= s * reachable  # noqa: E731
            wait_for(sent, 180, f"mail before: {fault}")
            act()
            counted[fault] += 1
            print(f"  {fault} after {len(sink.received)} e-mails")
        wait_for(
            lambda: len({to for to, _ in sink.received}) >= reachable, 240, "every invitation sent"
        )
        mail_took = time.monotonic() - mail_start
        wait_for(lambda: not any(jobs_left(env["REDIS_URL"]).values()), 240, "every mail job done")
        per_person = Counter(to for to, _ in sink.received)
        second_mails = sum(n - 1 for n in per_person.values())
        latest = {to: link for to, link in sink.received}  # a second link replaces the first

        # 2. people answer while the database is cut and Redis killed and frozen again
        answers = Answers()
        links = [latest[to] for to in sorted(latest)[:ANSWERING]]
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(answers.answer, link) for link in links]
            for share, fault, act in (
                (0.25, "database cut", lambda: proxy.cut()),
                (0.5, "Redis killed", lambda: redis.outage(down_for=3)),
                (0.75, "Redis frozen", lambda: redis.stall(frozen_for=5)),
            ):
                wait_for(lambda s=share: answers.stored >= s * ANSWERING, 180, f"answers: {fault}")
                act()
                counted[fault] += 1
            for future in futures:
                future.result()
        listed = json.loads(ambassador("campaign", "list", "--json"))
        stored = next(r["responses"] for r in listed if str(r["id"]) == round_id)

        # 3. the report page and its PDF, both workers killed while they build the PDF
        ambassador("campaign", "close", round_id)
        hr = requests.Session()
        login = hr.get(f"http://127.0.0.1:{port}/login", timeout=30)
        data = {"email": HR_EMAIL, "password": HR_PASSWORD}
        data["csrf_token"] = CSRF.search(login.text).group(1)
        check(hr.post(f"http://127.0.0.1:{port}/login", data=data).status_code == 200, "no login")

        def kill_both() -> None:
            wait_for(lambda: building(env["REDIS_URL"]), 120, "a worker building the PDF")
            time.sleep(0.5)  # into the build
            workers.kill([0, 1])
            counted["both workers killed while building"] += 1

        report = f"http://127.0.0.1:{port}/campaigns/{round_id}/report"
        build_start = time.monotonic()
        page = built(hr, report, lambda: None, lang="en")
        check("<svg" in page.text, "the report page has no charts")
        pdf = built(hr, f"{report}.pdf", kill_both, lang="en")
        check(pdf.content.startswith(b"%PDF"), "report.pdf is no PDF")
        build_took = time.monotonic() - build_start
        wait_for(lambda: not any(jobs_left(env["REDIS_URL"]).values()), 120, "every job done")
        left = jobs_left(env["REDIS_URL"])
        quit_alone = workers.quit_by_themselves()
    finally:
        if workers is not None:
            workers.stop()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        smtp.stop()
        if redis.process.poll() is None:
            redis.process.kill()

    figures = {
        "faults": dict(counted),
        "workers_killed": workers.killed,
        "workers_quit_by_themselves": quit_alone,
        "mail": {
            "invited": PEOPLE,
            "e-mailed": len(per_person),
            "exactly_once": sum(n == 1 for n in per_person.values()),
            "second_mail_after_a_kill": second_mails,
            "missing": reachable - len(per_person),
            "refused_550": sink.refused,
            "deferred_451": sink.deferred,
            "seconds": round(mail_took, 1),
        },
        "answers": {
            "submitted": ANSWERING,
            "stored": stored,
            "lost": max(ANSWERING - stored, 0),
            "duplicated": max(stored - ANSWERING, 0),
            "http": {str(k): v for k, v in sorted(answers.statuses.items(), key=str)},
            "given_up": answers.unstored,
        },
        "raw_500": answers.statuses[500],
        "report_seconds": round(build_took, 1),
        "jobs_left": left,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(f"fault suite: {json.dumps(figures, indent=1)}")
    check(figures["mail"]["missing"] == 0, "an invitation was not sent")
    kills = workers.killed
    check(second_mails <= kills, f"{second_mails} second e-mails for {kills} kills")
    check(stored == ANSWERING == answers.stored, f"{stored} answers stored of {ANSWERING}")
    check(figures["raw_500"] == 0, "a page answered 500")
    check(not any(left.values()), f"jobs left: {left}")
    check(quit_alone == 0, "a worker quit by itself")
    return figures


if __name__ == "__main__":
    main()
