"""Hardening: security headers, the health check, a database outage, and fuzzed POSTs."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey import create_app
from survey.models import Comment, Response, User
from survey.services.campaigns import campaign_instrument
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, csrf_token, full_answers


def test_security_headers(client, campaign, token):
    for url in ("/login", f"/s/{token}", "/privacy"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/s/{token}").headers["Referrer-Policy"] == "no-referrer"


def test_no_inline_script_in_any_template():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "templates"
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+=", text), template


def test_cookies_are_secure_over_https(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://survey.example.org")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.test_client() as client:
        cookie = client.get("/thanks?lang=nl").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_pages_behind_login_and_downloads_are_never_stored(app, auth, session, two_organisations):
    """Whatever a signed-in person sees — every staff page, every export and download, the
    sign-in steps and an error page — carries Cache-Control: no-store, so that no shared or
    browser cache keeps it after they leave; the public pages' static files stay cacheable."""
    from survey.models import Campaign
    from survey.services.lifecycle import set_status

    acme, globex = two_organisations["acme"], two_organisations["globex"]
    session.get(Campaign, acme).open_slug = "acme-open"
    session.commit()
    assert auth.login("admin@example.org").status_code == 302
    links = auth.client.post(
        f"/campaigns/{acme}/invitations", data={"count": "2", "csrf_token": auth.token("/login")}
    )
    assert links.status_code == 200 and links.headers["Cache-Control"] == "no-store"
    qr = auth.client.get(f"/campaigns/{acme}/open-link.svg")
    assert qr.status_code == 200 and qr.headers["Cache-Control"] == "no-store"
    for campaign_id in (acme, globex):
        set_status(session, session.get(Campaign, campaign_id), "closed")
    urls = [
        "/campaigns", "/campaigns/new", f"/campaigns/{acme}", f"/campaigns/{acme}/report",
        f"/campaigns/{acme}/report.csv", f"/campaigns/{acme}/report.json",
        f"/campaigns/{acme}/report.pdf", f"/campaigns/{acme}/report.xlsx",
        f"/campaigns/{acme}/report.pptx", f"/campaigns/{acme}/actions",
        f"/campaigns/{acme}/participants", f"/campaigns/{acme}/preview",
        "/portfolio", "/portfolio.csv", "/benchmark",
        f"/compare?campaign={acme}&campaign={globex}",
        f"/compare.csv?campaign={acme}&campaign={globex}",
        f"/compare.pdf?campaign={acme}&campaign={globex}",
        "/approvals", "/admin/sign-in", "/admin/audit", "/admin/audit.csv",
        "/admin/organisations/acme/sign-in", "/account/security", "/no-such-page", "/",
    ]  # fmt: skip
    for url in urls:
        response = auth.client.get(url)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        assert response.headers.get("Cache-Control") == "no-store", url
    with auth.client.get("/static/css/app.css") as stylesheet:
        assert "no-store" not in stylesheet.headers.get("Cache-Control", "")
    # the steps of a sign-in show a new second factor's secret and recovery codes
    other = app.test_client()
    add_user(session, "root@example.org", PASSWORD, is_admin=True)
    step = AuthActions(other)
    step.client.post(
        "/login",
        data={"email": "root@example.org", "password": PASSWORD, "csrf_token": step.token()},
    )
    for url in ("/login/second-factor", "/login/code"):
        assert other.get(url).headers.get("Cache-Control") == "no-store", url
    # and a page signed out again
    assert auth.logout().headers.get("Cache-Control") == "no-store"


HTTPS = "https://survey.example.org"


def set_cookies(response) -> dict[str, str]:
    """The cookies a response sets (with a value: not the ones it deletes), by name."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if not rest.startswith(";"):
            cookies[name] = header
    return cookies


@pytest.mark.parametrize(
    ("environ", "config"),
    [({"BASE_URL": HTTPS}, {}), ({}, {"PREFERRED_URL_SCHEME": "https"})],
)
def test_over_https_the_session_cookie_is_a_host_cookie(
    app, session, database_url, monkeypatch, environ, config
):
    """``__Host-``: the browser takes the cookie only over HTTPS, for this host alone (no
    Domain) and the whole site (Path=/), so a sibling subdomain or a plain-http page can neither
    set nor overwrite it. A login works with it, and sets no cookie without the prefix."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    secure = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    try:
        check_host_cookie(secure, session)
    finally:
        from survey.extensions import db

        with secure.app_context():
            db.engine.dispose()  # its own connections, closed before the app goes


def check_host_cookie(secure, session) -> None:
    assert secure.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert secure.config["SESSION_COOKIE_SECURE"]
    add_user(session, "hr@acme.example", PASSWORD)
    client = secure.test_client()
    page = client.get("/login", base_url=HTTPS)
    cookie = set_cookies(page)["__Host-session"]
    attributes = [part.strip() for part in cookie.split(";")[1:]]
    assert {"Secure", "HttpOnly", "Path=/"} <= set(attributes)
    assert not any(a.lower().startswith("domain") for a in attributes)
    login = client.post(
        "/login",
        base_url=HTTPS,
        headers={"Referer": f"{HTTPS}/login"},
        data={
            "email": "hr@acme.example",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert login.status_code == 302 and login.headers["Location"] == "/campaigns"
    rounds = client.get("/campaigns", base_url=HTTPS)
    assert rounds.status_code == 200
    for response in (page, login, rounds):
        assert all(name.startswith("__Host-") for name in set_cookies(response))


def test_over_plain_http_the_session_cookie_keeps_its_plain_name(app, auth, session):
    """Local development over http://: no prefix and no Secure flag, or the browser would drop
    the cookie and nobody could log in."""
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert not app.config["SESSION_COOKIE_SECURE"]
    cookie = set_cookies(auth.client.get("/login"))["session"]
    assert "Secure" not in cookie
    add_user(session, "hr@acme.example", PASSWORD)
    assert auth.login("hr@acme.example").status_code == 302
    assert auth.client.get("/campaigns").status_code == 200


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


class Forwarder:
    """A TCP proxy to PostgreSQL that can be switched off and on: a database outage on demand."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.blackhole = False  # accept connections and never answer: a stalled server
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            if self.blackhole:
                self.connections.append(client)
                continue
            server = socket.create_connection(self.target)
            self.connections += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass

    def outage(self):
        self.up = False
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.connections.clear()

    def restore(self):
        self.up = True

    def close(self):
        self.listener.close()


def test_database_outage_gives_503_and_recovers(database_url, app):
    if not database_url.startswith("postgresql"):
        # CI runs it in its PostgreSQL pass (make test-postgres)
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): the outage is simulated on its port")
    url = sa.engine.make_url(database_url)
    forwarder = Forwarder(url.port or 5432)
    try:
        outage_app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url.set(port=forwarder.port).render_as_string(False),
                "SQLALCHEMY_ENGINE_OPTIONS": {
                    "pool_pre_ping": True,
                    "connect_args": {"connect_timeout": 2},
                },
            }
        )
        client = outage_app.test_client()
        assert client.get("/healthz").status_code == 200
        hr = outage_app.test_client()
        add_user_via(outage_app, "hr@outage.example")
        assert AuthActions(hr).login("hr@outage.example").status_code == 302
        assert hr.get("/campaigns").status_code == 200
        forwarder.outage()
        page = hr.get("/campaigns")  # logged in: the page must not ask the database who
        assert page.status_code == 503 and "briefly unavailable" in page.get_data(as_text=True)
        for path in ("/healthz", "/s/some-token", "/o/some-slug"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert "Traceback" not in response.get_data(as_text=True)
        page = client.get("/s/some-token").get_data(as_text=True)
        assert "briefly unavailable" in page
        forwarder.restore()
        assert client.get("/healthz").status_code == 200
        assert client.get("/s/some-token").status_code == 404  # back: the token is unknown
    finally:
        with outage_app.app_context():
            from survey.extensions import db

            db.engine.dispose()
        forwarder.close()


def add_user_via(app, email: str) -> None:
    from survey.extensions import db
    from survey.services.users import add_user

    with app.app_context():
        if db.session.scalar(sa.select(User).filter_by(email=email)) is None:
            add_user(db.session, email, PASSWORD)
        db.session.remove()


def needs_postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): CI runs it in its PostgreSQL pass")


def test_a_database_that_stops_answering_gives_503_within_seconds(database_url, monkeypatch):
    """A server that accepts connections and never answers: the connect timeout ends the wait."""
    needs_postgres(database_url)
    url = sa.engine.make_url(database_url)
    forwarder = Forwarder(url.port or 5432)
    forwarder.blackhole = True
    stalled = create_app(
        {"SQLALCHEMY_DATABASE_URI": url.set(port=forwarder.port).render_as_string(False)}
    )
    try:
        started = time.monotonic()
        response = stalled.test_client().get("/healthz")
        waited = time.monotonic() - started
        assert response.status_code == 503 and response.get_json()["database"] == "unreachable"
        assert waited < 20  # not as long as the stall lasts: the connect timeout (3 s) ended it
    finally:
        with stalled.app_context():
            from survey.extensions import db

            db.engine.dispose()
        forwarder.close()


def test_a_statement_stuck_behind_a_lock_gives_503(
    database_url, session, campaign, token, monkeypatch
):
    """A query that waits on a lock is cancelled by the statement timeout: 503, not a hang."""
    needs_postgres(database_url)
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT", "2")
    stuck = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    holder = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with holder.connect() as connection:
            connection.execute(sa.text("LOCK TABLE invitations IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            response = stuck.test_client().get(f"/s/{token}")
            waited = time.monotonic() - started
            connection.rollback()
        assert response.status_code == 503 and "briefly unavailable" in response.get_data(
            as_text=True
        )
        assert waited < 20
        assert stuck.test_client().get(f"/s/{token}").status_code == 200  # the lock gone: fine
    finally:
        with stuck.app_context():
            from survey.extensions import db

            db.engine.dispose()
        holder.dispose()


def test_redis_away_lets_surveys_and_logins_through(app, client, session, campaign, monkeypatch):
    """Rate limits on an unreachable Redis let requests through (and say so in the log); the
    health check reports Redis without failing."""
    from survey.extensions import limiter

    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    away = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": dead,
            "REDIS_URL": dead,
        }
    )
    try:
        browser = away.test_client()
        health = browser.get("/healthz")
        assert health.status_code == 200
        assert health.get_json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}
        url = f"/o/{campaign.open_slug}/questions"
        page = browser.get(url)
        assert page.status_code == 200
        answers = full_answers(
            campaign_instrument(campaign), 3, csrf_token(page.get_data(as_text=True))
        )
        assert browser.post(url, data=answers).status_code == 302
        assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
        login = AuthActions(browser).login("nobody@example.org")
        assert login.status_code == 401  # refused for the password, not a 500
    finally:
        with away.app_context():
            from survey.extensions import db

            db.engine.dispose()
        limiter.init_app(app)


values = st.one_of(
    st.text(max_size=30), st.sampled_from(["1", "5", "dk", "9", "-1", "", "3.0", "a\x00b"])
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "item_G1",
                "item_D5",
                "item_O1",
                "segment_department",
                "segment_role_level",
                "comment",
                "unknown",
                "csrf",
            ]
        ),
        values,
        max_size=8,
    ),
    complete=st.booleans(),
)
def test_fuzzed_survey_posts_never_fail_or_store_nonsense(app, session, campaign, data, complete):
    from survey.services.responses import create_invitations

    token = create_invitations(session, campaign, 1)[0]
    before = session.scalar(sa.select(sa.func.count()).select_from(Response))
    client = app.test_client()
    page = client.get(f"/s/{token}/questions").get_data(as_text=True)
    form = full_answers(campaign_instrument_of(campaign)) if complete else {}
    form.update(data)
    form["csrf_token"] = csrf_token(page) if "csrf" not in data else data["csrf"]
    response = client.post(f"/s/{token}/questions", data=form)
    assert response.status_code in (302, 400, 409, 422), response.status_code
    for stored in session.scalars(sa.select(Response)):
        assert len(stored.answers) == 28
        assert all(b == 255 or b <= 4 for b in stored.answers)  # offsets 0..4 or -1
        assert set(stored.segments) <= {"department", "role_level"}
    after = session.scalar(sa.select(sa.func.count()).select_from(Response))
    assert after == before + (response.status_code == 302)
    for comment in session.scalars(sa.select(Comment)):
        assert 0 < len(comment.text) <= 2000


def campaign_instrument_of(campaign):
    from survey.services.campaigns import campaign_instrument

    return campaign_instrument(campaign)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(email=st.text(max_size=300), password=st.text(max_size=300))
def test_fuzzed_logins_never_fail(app, session, email, password):
    from survey.extensions import limiter

    with app.app_context():
        limiter.reset()
    response = AuthActions(app.test_client()).login(email, password)
    assert response.status_code in (200, 302, 400, 401)
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
