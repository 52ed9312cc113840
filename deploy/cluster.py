"""Smoke test of several servers: two gunicorn servers behind nginx, sharing PostgreSQL and Redis.

Run by `.ci/run` (with Debian's nginx) against the installed app. It starts two gunicorn servers
with the same configuration on two loopback ports and nginx in front of them (round robin, the
configuration the README shows), then checks what a load balancer must not break:

- a login made through one server is valid on the other (sessions are signed cookies; the
  session version lives in the database);
- a CSRF token from one server's form is accepted by the other;
- rate limits are counted across both (Redis): the login limit is reached whichever server takes
  the attempts;
- caches stay coherent: a report kept by one server is served by the other, and a change made
  through one (an action added) gives the other a new report;
- a PDF asked for through nginx is built once by the worker from the shared queue and then served
  by either server;
- the survey kept apart (the README's second configuration): through a second nginx port the
  survey's paths reach server A only and every other page server B only.

It creates a PostgreSQL schema of its own and removes it again. Exit code 0 means it worked.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import PG_URL  # noqa: E402
from smoke import (  # noqa: E402
    CSRF,
    HR_EMAIL,
    HR_PASSWORD,
    REDIS_URL,
    answer_survey,
    built,
    check,
    free_port,
    gunicorn,
    postgres_schema,
    prepare_round,
    runner,
    wait_until_healthy,
    worker,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LOGIN_LIMIT = 6  # attempts per minute per address, over both servers together

# the survey's paths, as nginx's second configuration routes them (and as the check reads them)
SURVEY_PATHS = r"^/(s/|o/|thanks$|privacy|static/)"

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 25m;
    upstream ambassador {{
        server 127.0.0.1:{port_a};
        server 127.0.0.1:{port_b};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://ambassador;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
    # the survey kept apart: its paths to server A, the staff's pages to server B
    upstream survey {{
        server 127.0.0.1:{port_a};
        keepalive 16;
    }}
    upstream staff {{
        server 127.0.0.1:{port_b};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port_routed};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        location ~ {survey_paths} {{
            proxy_pass http://survey;
        }}
        location / {{
            proxy_pass http://staff;
        }}
    }}
}}
"""


def served_paths(log: Path, start: int) -> list[str]:
    """The paths a server logged (JSON lines) after byte ``start`` of its log."""
    with log.open(encoding="utf-8") as lines:
        lines.seek(start)
        records = [json.loads(line) for line in lines if line.startswith("{")]
    return [record["path"] for record in records if "path" in record]


def login(base: str, session: requests.Session | None = None, form_from: str | None = None):
    """Log in to ``base``, taking the form (and its CSRF token) from ``form_from``."""
    session = session or requests.Session()
    page = session.get(f"{form_from or base}/login")
    token = CSRF.search(page.text).group(1)
    data = {"email": HR_EMAIL, "password": HR_PASSWORD, "csrf_token": token}
    return session, session.post(f"{base}/login", data=data, allow_redirects=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=Path(sys.executable).parent.parent)
    bin_dir = parser.parse_args().venv.resolve() / "bin"
    check(Path(NGINX).exists(), f"nginx is missing ({NGINX}): apt-get install nginx")
    with postgres_schema("cluster") as (schema, database_url):
        cluster(bin_dir, schema, database_url)


def cluster(bin_dir: Path, schema: str, database_url: str) -> None:
    port, port_a, port_b, port_routed = free_port(), free_port(), free_port(), free_port()
    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/13"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URI=redis_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secrets.token_hex(16),  # the same on every server
        BASE_URL=f"http://127.0.0.1:{port}",
        LOG_FORMAT="json",
        WEB_CONCURRENCY="2",
        LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute",
    )
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="ambassador-cluster-"))
    ambassador = runner(bin_dir, env, workdir)
    admin = sa.create_engine(PG_URL)
    processes: list[subprocess.Popen] = []
    try:
        campaign_id, links = prepare_round(ambassador)
        logs = {}
        for name, server_port in (("a", port_a), ("b", port_b)):
            logs[name] = workdir / f"gunicorn-{name}.log"
            server_env = dict(env, BIND=f"127.0.0.1:{server_port}")
            processes.append(gunicorn(bin_dir, server_env, workdir, logs[name].open("w")))
        prefix = workdir / "nginx"
        prefix.mkdir()
        conf = prefix / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            prefix=prefix, port=port, port_a=port_a, port_b=port_b, port_routed=port_routed,
            survey_paths=SURVEY_PATHS,
        ))  # fmt: skip
        processes.append(subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        ))  # fmt: skip
        base, server_a, server_b, routed = (
            f"http://127.0.0.1:{p}" for p in (port, port_a, port_b, port_routed)
        )
        for address in (server_a, server_b, base):
            wait_until_healthy(address)
        for link in links[1:]:  # through nginx: the survey's page and its answers may meet
            answer_survey(link.replace(env["BASE_URL"], base))  # different servers

        # the survey kept apart: its paths reach A only, the staff's pages B only
        start = {name: path.stat().st_size for name, path in logs.items()}
        answer_survey(links[0].replace(env["BASE_URL"], routed))
        staff, answer = login(routed)
        check(answer.status_code == 302, f"login through the routed port: {answer.status_code}")
        check(staff.get(f"{routed}/campaigns").status_code == 200, "no campaigns page (routed)")
        on_a, on_b = (served_paths(logs[name], start[name]) for name in ("a", "b"))
        survey_path = re.compile(SURVEY_PATHS)
        check(
            on_a and all(survey_path.match(path) for path in on_a),
            f"the survey's server served {on_a}",
        )
        check(
            {"/login", "/campaigns"} <= set(on_b) and not any(map(survey_path.match, on_b)),
            f"the staff's server served {on_b}",
        )
        ambassador("campaign", "close", campaign_id)

        # a login on server A is valid on server B; a form from B posts to A
        hr, answer = login(server_a, form_from=server_b)
        check(answer.status_code == 302, f"A refused a CSRF token of B ({answer.status_code})")
        work = worker(bin_dir, env, workdir)
        page = built(hr, f"{server_b}/campaigns/{campaign_id}/report", work, lang="en")
        check("<svg" in page.text, "A's login does not hold on B")

        def kept_pages() -> list[str]:
            with admin.begin() as connection:
                query = f"SELECT key FROM \"{schema}\".report_files WHERE kind = 'page'"
                return list(connection.execute(sa.text(query + " AND lang = 'en'")).scalars())

        kept_before = kept_pages()
        check(len(kept_before) == 1, f"B kept {len(kept_before)} pages for the report")
        again = hr.get(f"{server_a}/campaigns/{campaign_id}/report")
        strip = re.compile(r'value="[^"]*"')
        check(strip.sub("", again.text) == strip.sub("", page.text), "A and B show other reports")
        check(kept_pages() == kept_before, "A did not serve the page B kept")

        # a change through A is seen on B: adding an action rebuilds the kept report
        key = re.search(r'name="recommendation" value="([^"]+)"', again.text).group(1)
        token = CSRF.search(again.text).group(1)
        added = hr.post(f"{server_a}/campaigns/{campaign_id}/actions",
                        data={"csrf_token": token, "recommendation": key})  # fmt: skip
        check(added.status_code == 200, f"adding an action answered {added.status_code}")
        built(hr, f"{server_b}/campaigns/{campaign_id}/report", work)
        rebuilt = kept_pages()
        check(
            len(rebuilt) == 1 and rebuilt != kept_before,
            "B served a report kept before the change",
        )
        pdf_name = f"report-{campaign_id}-en.pdf"
        pdf = hr.get(f"{base}/campaigns/{campaign_id}/report.pdf", params={"lang": "en"})
        check(pdf.status_code == 202, f"the PDF was not handed to the worker ({pdf.status_code})")
        for _ in range(2):  # asked again on both servers: still one job
            hr.get(f"{server_a}/campaigns/{campaign_id}/report.pdf")
            hr.get(f"{server_b}/campaigns/{campaign_id}/report.pdf")
        queued = Redis.from_url(redis_url).llen("rq:queue:ambassador")
        check(queued == 1, f"{queued} PDF jobs queued for one file")
        work()
        for server in (server_a, server_b, base):
            ready = hr.get(f"{server}/campaigns/{campaign_id}/report.pdf")
            check(
                ready.status_code == 200 and ready.content.startswith(b"%PDF")
                and pdf_name in ready.headers.get("Content-Disposition", ""),
                f"{server} did not serve the worker's PDF ({ready.status_code})",
            )

        # rate limits are shared: attempts on A and B count together
        statuses = []
        for attempt in range(LOGIN_LIMIT + 1):
            server = (server_a, server_b)[attempt % 2]
            page = requests.get(f"{server}/login")
            statuses.append(requests.post(f"{server}/login", cookies=page.cookies, data={
                "email": HR_EMAIL, "password": "wrong password!", "csrf_token":
                CSRF.search(page.text).group(1)}).status_code)  # fmt: skip
        check(429 in statuses, f"the login limit was not shared: {statuses}")

        for name, path in logs.items():
            served = path.read_text().count('"path": ')
            check(served > 0, f"server {name} served nothing")
        print(
            f"cluster smoke test passed: two gunicorn servers behind nginx ({port}) on "
            "PostgreSQL and Redis shared logins, CSRF tokens, rate limits, kept reports and one "
            "worker-built PDF; a second port kept the survey on one server"
        )
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        admin.dispose()


if __name__ == "__main__":
    main()
