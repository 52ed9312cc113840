"""A frozen peer — Redis stopped with SIGSTOP, PostgreSQL behind a gate that holds every byte —
gets a person the friendly page (or Redis's documented way of being down) while the freeze
lasts, not when it ends. Each freeze lasts many times the configured timeouts and ends by
itself; a test fails when its request was answered only after the freeze had ended."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey import create_app
from survey.extensions import db, limiter

from ..conftest import AuthActions
from .test_hooks import add_user_via, needs_postgres

sys.path.append(str(Path(__file__).resolve().parents[3] / "deploy"))
from peers import FrozenRedis, Gate  # noqa: E402

REDIS_TIMEOUT = 1  # seconds: the Redis clients' connect and read timeouts in these tests
DB_TIMEOUT = 1  # seconds: the statement and network timeouts (the bound on a wait is both)
FREEZE = 30  # seconds a freeze lasts: far beyond every bound above


class Freeze:
    """``peer`` frozen for at most ``seconds``; ``still_frozen`` says whether it still is."""

    def __init__(self, peer, seconds: float = FREEZE):
        self.peer = peer
        self.seconds = seconds

    def __enter__(self):
        self.peer.freeze()
        self.timer = threading.Timer(self.seconds, self.peer.thaw)
        self.timer.daemon = True
        self.timer.start()
        return self

    @property
    def still_frozen(self) -> bool:
        return self.peer.frozen

    def __exit__(self, *exc):
        self.timer.cancel()
        self.peer.thaw()


@pytest.fixture
def frozen_redis():
    try:
        redis = FrozenRedis()
    except FileNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI: .ci/run starts one, so it is installed")
        pytest.skip("needs redis-server: the test freezes a Redis of its own")
    with redis:
        yield redis


@pytest.fixture
def redis_app(app, frozen_redis):
    """The app with its rate limits and its job queue on the Redis of this test."""
    options = {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}
    on_redis = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": frozen_redis.url,
            "REDIS_URL": frozen_redis.url,
            "REDIS_OPTIONS": options,
            "OUTBOX": app.config["OUTBOX"],
        }
    )
    yield on_redis
    with on_redis.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # the shared limiter back on the test app's memory store


def test_a_frozen_redis_lets_logins_through_while_it_is_frozen(redis_app, frozen_redis):
    browser = redis_app.test_client()
    auth = AuthActions(browser)
    assert auth.login("nobody@example.org").status_code == 401  # Redis counts, as usual
    token = auth.token()
    with Freeze(frozen_redis) as freeze:
        login = browser.post(
            "/login",
            data={"email": "nobody@example.org", "password": "wrong", "csrf_token": token},
        )
        assert freeze.still_frozen, "the login waited for Redis to come back"
    assert login.status_code == 401  # refused for the password: the limit let it through


def test_a_frozen_redis_lets_open_link_surveys_start(redis_app, frozen_redis, campaign):
    url = f"/o/{campaign.open_slug}/questions"
    assert redis_app.test_client().get(url).status_code == 200
    with Freeze(frozen_redis) as freeze:
        page = redis_app.test_client().get(url)  # a new browser: the start is counted
        assert freeze.still_frozen, "the survey's start waited for Redis to come back"
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)


def test_a_frozen_redis_is_reported_by_the_health_check(redis_app, frozen_redis):
    client = redis_app.test_client()
    assert client.get("/healthz").get_json()["redis"] == "ok"
    with Freeze(frozen_redis) as freeze:
        health = client.get("/healthz")
        assert freeze.still_frozen, "the health check waited for Redis to come back"
    assert health.status_code == 200
    assert health.get_json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}
    assert client.get("/healthz").get_json()["redis"] == "ok"  # thawed: back by itself


def test_a_frozen_redis_queues_nothing_and_says_so(redis_app, frozen_redis):
    """The mail queue: HR is told the queue cannot be reached (the page's own message for
    Redis being down), within seconds."""
    from survey.jobs import QueueUnavailable, queue, send_to_participants

    with redis_app.app_context():
        assert queue().count == 0
        with Freeze(frozen_redis) as freeze:
            with pytest.raises(QueueUnavailable):
                send_to_participants([1, 2, 3], "invitation")
            assert freeze.still_frozen, "queueing waited for Redis to come back"
        assert queue().count == 0


@pytest.fixture
def gated_app(database_url, monkeypatch):
    """The app on PostgreSQL through a gate that can freeze, with short timeouts."""
    needs_postgres(database_url)
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT", str(DB_TIMEOUT))
    monkeypatch.setenv("DB_NETWORK_TIMEOUT", str(DB_TIMEOUT))
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")  # libpq's smallest
    url = sa.engine.make_url(database_url)
    with Gate(url.port or 5432, url.host or "127.0.0.1") as gate:
        gated = create_app(
            {"SQLALCHEMY_DATABASE_URI": url.set(port=gate.port).render_as_string(False)}
        )
        gated.gate = gate
        yield gated
        with gated.app_context():
            db.engine.dispose()


def test_a_frozen_database_fails_the_health_check_while_it_is_frozen(gated_app):
    client = gated_app.test_client()
    assert client.get("/healthz").status_code == 200  # a connection in the pool
    with Freeze(gated_app.gate) as freeze:
        health = client.get("/healthz")
        assert freeze.still_frozen, "the health check waited for the database to come back"
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert client.get("/healthz").status_code == 200  # thawed: back by itself


def test_a_frozen_database_gives_the_friendly_page_while_it_is_frozen(gated_app, app):
    add_user_via(gated_app, "hr@frozen.example")
    hr = gated_app.test_client()
    assert AuthActions(hr).login("hr@frozen.example").status_code == 302
    assert hr.get("/campaigns").status_code == 200
    visitor = gated_app.test_client()
    with Freeze(gated_app.gate) as freeze:
        pages = {path: client.get(path) for client, path in
                 ((hr, "/campaigns"), (visitor, "/s/some-token"), (visitor, "/o/some-slug"))}
        assert freeze.still_frozen, "a page waited for the database to come back"
    for path, page in pages.items():
        text = page.get_data(as_text=True)
        assert page.status_code == 503 and "briefly unavailable" in text, path
        assert "Traceback" not in text
    assert hr.get("/campaigns").status_code == 200  # thawed: still logged in, back by itself


def test_the_timeouts_are_settings_of_the_environment():
    """One place for the web app, the commands and the worker: the engine's and every Redis
    client's options come from the environment."""
    from survey.config import engine_options, rate_limit_storage_options, redis_options

    environ = {
        "DB_STATEMENT_TIMEOUT": "7",
        "DB_NETWORK_TIMEOUT": "4",
        "DB_CONNECT_TIMEOUT": "2",
        "REDIS_CONNECT_TIMEOUT": "0.5",
        "REDIS_TIMEOUT": "1.5",
    }
    url = "postgresql+psycopg://ambassador@db.internal/ambassador?options=-csearch_path%3Dx"
    options = engine_options(url, None, environ)
    assert options["connect_args"]["options"] == "-csearch_path=x -c statement_timeout=7000"
    assert options["connect_args"]["connect_timeout"] == 2
    assert options["connect_args"]["tcp_user_timeout"] == 4000
    assert options["module"].Connection.answer_timeout == 11  # statement + network
    assert engine_options("sqlite:///survey.sqlite3", None, environ) == {"pool_pre_ping": True}
    redis = redis_options(environ)
    assert redis == {"socket_connect_timeout": 0.5, "socket_timeout": 1.5}
    assert rate_limit_storage_options("memory://", None, redis) == {}
    assert rate_limit_storage_options("redis://r.internal/0", {"socket_timeout": 5}, redis) == {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 5,
    }
