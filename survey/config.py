"""Settings from environment variables, with safe defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from importlib.resources import files
from pathlib import Path

from survey import policy


def load_settings(instance_path: str) -> dict:
    """Configuration from the environment; SQLite database and secret key live in ``instance/``."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    secure = base_url.startswith("https://")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url(instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": base_url,
        # cookies only over HTTPS when the app is served over HTTPS
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "COMMENT_MIN_GROUP_SIZE": int(
            os.environ.get("COMMENT_MIN_GROUP_SIZE", str(policy.COMMENT_MIN_GROUP_SIZE))
        ),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # a login session ends after this long without a request, and after this long in all
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
        # open links: browsers that start the survey per client address (generous: a company may
        # sit behind one address), and submissions per browser
        "OPEN_LINK_START_LIMIT": os.environ.get("OPEN_LINK_START_LIMIT", "1000 per hour"),
        "OPEN_LINK_SUBMIT_LIMIT": os.environ.get("OPEN_LINK_SUBMIT_LIMIT", "3 per hour"),
        # a rate-limit store (Redis) that cannot be reached lets requests through, and logs it
        "RATELIMIT_SWALLOW_ERRORS": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(files("reports.translations")),
        "LANGUAGES": ("en", "nl"),
        # the largest request body: participant lists of 100,000 rows fit; surveys take far less
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024,
        # the job queue (RQ) for e-mail; without it, mail is sent in the request
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # timeouts of every Redis client (rate limits, the queue, the health check)
        "REDIS_OPTIONS": redis_options(),
        # smtp://user:password@host:587?starttls=true; without it, mail goes to the outbox folder
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Ambassador Scan <survey@localhost>"),
        # how long a worker cut off from PostgreSQL (unbeknown to the database) keeps its claim
        # on the people it was sending to, before another worker may take them over
        "SENDING_SILENCE_SECONDS": int(os.environ.get("SENDING_SILENCE_SECONDS", "300")),
        # a mail or housekeeping job cut short (mail server, database or worker away) is tried
        # again after these many seconds, once each
        "JOB_RETRY_SECONDS": tuple(
            int(seconds) for seconds in os.environ.get("JOB_RETRY_SECONDS", "30,120,600").split(",")
        ),
        "OUTBOX": os.environ.get("OUTBOX") or str(instance / "outbox"),
        "WTF_CSRF_TIME_LIMIT": None,  # a survey may take a coffee break; the token is per session
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
    }


HOST_PREFIX = "__Host-"


def cookie_settings(config) -> dict:
    """Over HTTPS (a secure session cookie, or https as the preferred scheme) the session
    cookie is a ``__Host-`` cookie: a browser then takes it only over HTTPS, with Path=/ and
    without a Domain, so that neither a sibling subdomain nor a plain-http page can set or
    overwrite it. Over plain http (local development) it keeps its name: browsers refuse a
    ``__Host-`` cookie without the Secure flag."""
    if not (config.get("SESSION_COOKIE_SECURE") or config.get("PREFERRED_URL_SCHEME") == "https"):
        return {}
    name = config.get("SESSION_COOKIE_NAME") or "session"
    return {
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": name if name.startswith(HOST_PREFIX) else HOST_PREFIX + name,
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
    }


DB_CONNECT_TIMEOUT = 3  # seconds to open a connection
DB_NETWORK_TIMEOUT = 5  # seconds a sent query may go unacknowledged before the link is dropped
DB_STATEMENT_TIMEOUT = 10  # seconds a statement may run on the server
REDIS_CONNECT_TIMEOUT = 2  # seconds to open a connection to Redis
REDIS_TIMEOUT = 2  # seconds Redis may take to answer a command


def engine_options(url: str, options: dict | None, environ=os.environ) -> dict:
    """The database engine's options, for the web app, the commands and the worker alike: on
    PostgreSQL a connect timeout, a network timeout (so a network that drops packets fails a
    request within seconds — the page answers 503 — instead of hanging it), a statement
    timeout, and a bound on every wait for the server (statement plus network timeout), which
    alone ends the wait on a frozen server. What the configuration sets itself is kept."""
    options = dict(options or {})
    options.setdefault("pool_pre_ping", True)
    if not url.startswith("postgresql"):
        return options
    from sqlalchemy.engine import make_url

    from survey.database import bounded_psycopg

    connect_args = dict(options.get("connect_args") or {})
    connect_timeout = int(environ.get("DB_CONNECT_TIMEOUT", DB_CONNECT_TIMEOUT))
    network_timeout = int(environ.get("DB_NETWORK_TIMEOUT", DB_NETWORK_TIMEOUT))
    statement_timeout = int(environ.get("DB_STATEMENT_TIMEOUT", DB_STATEMENT_TIMEOUT))
    connect_args.setdefault("connect_timeout", connect_timeout)
    connect_args.setdefault("tcp_user_timeout", network_timeout * 1000)
    connect_args.setdefault("keepalives_idle", network_timeout)
    connect_args.setdefault("keepalives_interval", 1)
    connect_args.setdefault("keepalives_count", 3)
    if "options" not in connect_args:  # keep the URL's own options (e.g. a search_path)
        own = make_url(url).query.get("options", "")
        own = own if isinstance(own, str) else " ".join(own)
        connect_args["options"] = f"{own} -c statement_timeout={statement_timeout * 1000}".strip()
    options["connect_args"] = connect_args
    if make_url(url).get_driver_name() == "psycopg":
        options.setdefault("module", bounded_psycopg(statement_timeout + network_timeout))
    return options


def redis_options(environ=os.environ) -> dict:
    """The options of every Redis client the app opens — the rate limits, the job queue, the
    health check — for the web app and the worker alike: a Redis that is away or frozen fails
    a call within seconds, and the caller takes its way for Redis being down."""
    return {
        "socket_connect_timeout": float(
            environ.get("REDIS_CONNECT_TIMEOUT", REDIS_CONNECT_TIMEOUT)
        ),
        "socket_timeout": float(environ.get("REDIS_TIMEOUT", REDIS_TIMEOUT)),
    }


def rate_limit_storage_options(uri: str, options: dict | None, redis: dict) -> dict:
    """The rate-limit store's options: on Redis, the app's Redis timeouts (what the
    configuration sets itself is kept)."""
    options = dict(options or {})
    if uri.startswith(("redis://", "rediss://")):
        for key, value in redis.items():
            options.setdefault(key, value)
    return options


def database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance / 'ambassador.sqlite3'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance: Path) -> str:
    """The key generated into the instance folder on first start, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        key = secrets.token_hex(32)
        # exclusive create: two workers starting at once must not end up with different keys
        try:
            with open(path, "x", encoding="ascii") as fh:
                fh.write(key)
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip()
