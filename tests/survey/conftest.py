"""App, client and database fixtures.

The database is SQLite in a temporary file by default. With ``TEST_DATABASE_URL`` set (as CI does,
to PostgreSQL) the run gets a schema of its own in that database, dropped at the end, so parallel
or earlier runs never see each other's rows.
"""

from __future__ import annotations

import os
import re
import secrets
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey import create_app, schema
from survey.extensions import db as _db
from survey.models import Base
from survey.services.campaigns import add_organisation, create_campaign, parse_segment
from survey.services.responses import create_invitations
from survey.services.users import add_user

CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    with postgres_schema(url, "test") as schema_url:
        yield schema_url


@contextmanager
def postgres_schema(url: str, prefix: str):
    """An empty PostgreSQL schema of its own (dropped afterwards), as a URL that uses it."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={name}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    os.environ.setdefault("SECRET_KEY", "test-secret-key")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "BASE_URL": "http://survey.test",
            "RATELIMIT_STORAGE_URI": "memory://",
            "OUTBOX": str(tmp_path_factory.mktemp("outbox")),
        }
    )
    with app.app_context():
        schema.upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_tables(request):
    """Empty every table after each test that used the app, and start with fresh rate limits."""
    if "app" in request.fixturenames:
        from survey.extensions import limiter

        with request.getfixturevalue("app").app_context():
            limiter.reset()
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def session(app):
    """A database session of the test's own, as another process would have.

    No app context stays pushed while the test runs: requests made by the test client then get
    fresh contexts (``g``, the locale, the logged-in user) as they do in production.
    """
    with app.app_context():
        engine = _db.engine
    with Session(engine, expire_on_commit=False) as own:
        yield own


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def campaign(session):
    """An open campaign of a demo organisation with department and role segments."""
    organisation = add_organisation(session, "acme", "Acme", sector="Retail")
    return create_campaign(
        session,
        organisation,
        "Round 1",
        segments=(
            parse_segment("department=Sales,IT,HR"),
            parse_segment("role_level=Employee,Manager"),
        ),
        open_link=True,
        status="open",
    )


@pytest.fixture
def token(session, campaign):
    return create_invitations(session, campaign, 1)[0]


def csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def full_answers(instrument, value: int = 4, csrf_token: str | None = None, **segments) -> dict:
    """Form data answering every item with ``value`` (and the given segment options)."""
    data = {f"item_{key}": str(value) for key in instrument.item_keys}
    data.update({f"segment_{key}": option for key, option in segments.items()})
    if csrf_token:
        data["csrf_token"] = csrf_token
    return data


PASSWORD = "a long enough password"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the second factor of the tests' admins


def current_code(secret: str = TOTP_SECRET) -> str:
    import pyotp

    return pyotp.TOTP(secret).now()


def add_admin(session, email: str, password: str = PASSWORD, **options):
    """An admin with a second factor already set up (every admin needs one)."""
    from survey.services.sealing import seal
    from survey.services.second_factor import PURPOSE
    from survey.services.users import add_user

    user = add_user(session, email, password, is_admin=True, **options)
    # the app fixture's key (it reads SECRET_KEY from the environment)
    user.totp_secret = seal(os.environ["SECRET_KEY"], PURPOSE, TOTP_SECRET)
    session.commit()
    return user


def forget_last_code(app, email: str) -> None:
    """A person logs in again after a while, not in the same half minute: the code they used
    last time is long gone. (Using one code twice is refused; a test of its own checks that.)"""
    from survey.models import User

    with app.app_context():
        _db.session.execute(
            sa.update(User).where(User.email == email).values(totp_last_step=None)
        )
        _db.session.commit()


class AuthActions:
    """Log in through the login form with its CSRF token, as a browser would."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/login") -> str:
        """The CSRF token of the form on ``path``."""
        return csrf_token(self.client.get(path, follow_redirects=True).get_data(as_text=True))

    def login(self, email: str, password: str = PASSWORD):
        """Log in; an account with a second factor (every admin made by :func:`add_admin`) types
        the code its app shows now, as a person would."""
        data = {"email": email, "password": password, "csrf_token": self.token()}
        response = self.client.post("/login", data=data)
        if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
            forget_last_code(self.client.application, email)
            code = {"code": current_code(), "csrf_token": self.token("/login/code")}
            return self.client.post("/login/code", data=code)
        return response

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.token("/campaigns")})


@pytest.fixture
def auth(client):
    return AuthActions(client)


class SurveyActions:
    """Open a survey page and post answers with the page's CSRF token, as a browser would."""

    def __init__(self, client):
        self.client = client

    def post(self, url: str, data: dict, with_csrf: bool = True):
        page = self.client.get(url)
        payload = dict(data)
        if with_csrf and page.status_code == 200:
            payload["csrf_token"] = csrf_token(page.get_data(as_text=True))
        return self.client.post(url, data=payload)


@pytest.fixture
def survey(client):
    return SurveyActions(client)


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, for browser tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. CI must have it (.ci/run installs it); elsewhere a
    missing Chromium skips the browser tests with the reason."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run should have installed it")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def serious_violations(page) -> list[str]:
    """axe-core violations of impact serious or critical on the current page (once it has
    loaded: a click that navigates returns when the new page starts to arrive)."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state()
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def department_round(session, organisation, name="Spring"):
    """An open round of ``organisation`` that asks for the department (Sales or IT)."""
    from survey.services.campaigns import create_campaign, parse_segment

    return create_campaign(
        session,
        organisation,
        name,
        status="open",
        segments=(parse_segment("department=Sales,IT"),),
    )


def fill_round(
    session, campaign, n, answer=lambda i, j: 1 + i % 5, segment=lambda i: {}, comment=""
):
    """Store ``n`` responses through the service: respondent i answers item j with
    ``answer(i, j)`` and gives the segment answers ``segment(i)``."""
    from survey.services.campaigns import campaign_instrument
    from survey.services.responses import submit_response

    keys = campaign_instrument(campaign).item_keys
    for i in range(n):
        submit_response(
            session,
            campaign,
            answers={k: answer(i, j) for j, k in enumerate(keys)},
            segments=segment(i),
            language="en",
            comment=comment,
        )


def redis_url_or_skip() -> str:
    """The Redis the worker tests use; they fail in CI when it does not answer, and skip (saying
    why) on a machine without one."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        Redis.from_url(url).ping()
    except RedisDown:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not answering at {url} in CI")
        pytest.skip(f"this test needs Redis at {url}")
    return url


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """The tests' OpenID provider (oidc-provider on loopback), for the test client's BASE_URL."""
    from .identity_provider import IdentityProvider

    provider = IdentityProvider(
        tmp_path_factory.mktemp("oidc"),
        ["http://survey.test/login/organisation/callback"],
        ["http://survey.test/login"],
    )
    yield provider
    provider.stop()


@pytest.fixture
def two_organisations(session):
    """Two organisations with a round each (with responses), their HR users and an admin."""
    ids = {}
    for slug in ("acme", "globex"):
        org = add_organisation(session, slug, slug.title(), sector="Retail")
        campaign = create_campaign(
            session,
            org,
            f"{slug} round",
            status="open",
            segments=(parse_segment("department=Sales,IT,Legal"),),
        )
        fill_round(
            session,
            campaign,
            12,
            segment=lambda i: {"department": "Legal" if i < 2 else "Sales" if i < 7 else "IT"},
        )
        add_user(session, f"hr@{slug}.example", PASSWORD, memberships=((org, "hr"),))
        ids[slug] = campaign.id
    add_admin(session, "admin@example.org")
    return ids


def import_approved(session, campaign, checked, uploaded_by=None):
    """Import a participant list as HR does, and have the works council of the round's
    organisation (a second person, made here if needed) approve it and the round's settings."""
    import sqlalchemy as sa

    from survey.models import User
    from survey.services import custody, participants
    from survey.services.users import add_user

    slug = campaign.organisation.slug
    ids = participants.import_participants(
        session, campaign, checked, uploaded_by=uploaded_by or f"hr@{slug}.example"
    )
    email = f"council@{slug}.example"
    council = session.scalar(sa.select(User).filter_by(email=email)) or add_user(
        session, email, PASSWORD, memberships=((campaign.organisation, "privacy"),)
    )
    if custody.required(campaign):
        custody.approve(session, campaign, council, "privacy", custody.digest(session, campaign))
    return ids


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    """Mail goes to a folder of the test's own (no SMTP server): the links are read from it."""
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "OUTBOX", str(folder))
    return folder
