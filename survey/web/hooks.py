"""Production concerns in one place: security headers, the health check, structured request logs,
and a friendly 503 while the database is away."""

from __future__ import annotations

import json
import logging
import time

import sqlalchemy as sa
from flask import Flask, abort, g, jsonify, request, session
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import InterfaceError, OperationalError

from survey.extensions import db
from survey.web.errors import error_page
from survey.web.logs import redact

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
log = logging.getLogger("survey.requests")


def end_session(_exc: BaseException | None = None) -> None:
    """End the request's database session. Its connection may have been lost after the page
    was made (a failover, a network that drops connections): then the rollback that ends it
    fails, the connection is thrown away, and the page still goes out — not the server's bare
    500 in its place (a stored answer would look lost)."""
    try:
        db.session.remove()
    except (OperationalError, InterfaceError):
        db.session.registry.clear()


class JsonFormatter(logging.Formatter):
    """One JSON object per line; only the fields a request log needs."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


# the pages of signed-in people and of signing in (a new second factor's secret, recovery codes)
STAFF_BLUEPRINTS = frozenset(
    {"auth", "hr", "participants", "privacy", "consult", "admin", "manager"}
)


def kept_from_caches(response) -> bool:
    """Whether no cache may keep ``response``: a page behind the login (or of a sign-in), any
    page shown to a signed-in person, and every file handed over as a download. Static files
    stay cacheable."""
    if request.endpoint == "static":
        return False
    return (
        request.blueprint in STAFF_BLUEPRINTS
        or "_user_id" in session
        or response.headers.get("Content-Disposition", "").startswith("attachment")
    )


SURVEY_MAX_BYTES = 256 * 1024  # 28 answers, segments and a 2,000-character comment need ~10 KB


def register_limits(app: Flask) -> None:
    """Registered before the extensions, so that it runs before anything reads a form (CSRF
    does): a survey answer is small, and anything much larger is refused (413) unread."""

    @app.before_request
    def small_survey_bodies():
        if request.blueprint == "respond":
            request.max_content_length = SURVEY_MAX_BYTES


def register(app: Flask) -> None:
    # runs before Flask-SQLAlchemy's own teardown (teardowns run last-registered first)
    app.teardown_appcontext(end_session)
    if app.config.get("LOG_FORMAT") == "json" and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def start_timer():
        g.started = time.perf_counter()

    @app.before_request
    def refuse_nul_characters():
        """No form field may hold a NUL character: no honest form sends one, and PostgreSQL
        cannot store it."""
        if request.method == "POST" and any("\x00" in v for v in request.form.values()):
            abort(400)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if kept_from_caches(response):
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # the path without its query string, tokens redacted: never answers, never a token
        log.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": redact(request.path),
                    "status": response.status_code,
                    "ms": round(
                        (time.perf_counter() - g.get("started", time.perf_counter())) * 1e3, 1
                    ),
                }
            },
        )
        return response

    @app.get("/healthz")
    def health():
        """For the load balancer: 503 when the database does not answer (nothing works without
        it); Redis is reported but does not fail the check — without it surveys and logins still
        work (rate limits let requests through) and only e-mail waits."""
        body = {"status": "ok", "database": "ok"}
        redis = redis_status(app)
        if redis is not None:
            body["redis"] = redis
            if redis != "ok":
                body["status"] = "degraded"
        try:
            db.session.execute(sa.text("SELECT 1"))
        except (OperationalError, InterfaceError):
            db.session.rollback()
            body.update(status="unavailable", database="unreachable")
            return jsonify(body), 503
        return jsonify(body)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc):
        db.session.rollback()
        app.logger.error("database unavailable: %s", type(exc).__name__)
        # the page must not ask the database who is logged in: render it as for a visitor
        g._login_user = AnonymousUserMixin()
        return error_page(503)


def redis_urls(app: Flask) -> list[str]:
    """The Redis servers the app uses: the mail queue and the rate-limit store."""
    urls = [app.config.get("REDIS_URL"), app.config.get("RATELIMIT_STORAGE_URI")]
    return list(dict.fromkeys(u for u in urls if u and u.startswith(("redis://", "rediss://"))))


def redis_status(app: Flask) -> str | None:
    """ "ok", "unreachable", or None when the app uses no Redis."""
    urls = redis_urls(app)
    if not urls:
        return None
    from redis import Redis
    from redis.exceptions import RedisError

    for url in urls:
        try:
            with Redis.from_url(url, **app.config["REDIS_OPTIONS"]) as client:
                client.ping()
        except (RedisError, OSError):
            app.logger.warning("redis unreachable: %s", redact(url.split("@")[-1]))
            return "unreachable"
    return "ok"
