"""Flask extensions, created without an app and bound in :func:`survey.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event

from survey.models import Base, User
from survey.services.users import user_by_id

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"
csrf = CSRFProtect()
babel = Babel()
# The client address is used in memory (or Redis) for counting only; it is never stored with data.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def sqlite_pragmas(engine) -> None:
    """On SQLite: write-ahead logging, so that gunicorn workers read while one writes, and a
    busy timeout, so that simultaneous submissions wait for the lock instead of failing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def set_pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return user_by_id(db.session, user_id)
