"""User accounts: adding users, passwords and authentication."""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from importlib.resources import files

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scoring.teams import TeamError, parse_path, path_text
from survey.models import ROLES, Membership, Organisation, User
from survey.services.errors import InvalidInput

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN_LENGTH = 12  # OWASP ASVS 2.1.1
PASSWORD_MAX_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed; more only costs hashing time


def add_user(
    session: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    is_admin: bool = False,
    memberships: tuple[tuple[Organisation, str], ...] = (),
    team: str | None = None,
) -> User:
    """A new account with its memberships; ``team``: a manager's team (a path of the
    organisation's tree or its last level; None: the manager's own address)."""
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    check_password(password, email)
    if session.scalar(sa.select(User).filter_by(email=email)) is not None:
        raise InvalidInput(f"user {email!r} exists already")
    for _, role in memberships:
        if role not in ROLES:
            raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    user = User(
        email=email, name=name, password_hash=generate_password_hash(password), is_admin=is_admin
    )
    if team is not None:
        try:
            team = path_text(parse_path(team))
        except TeamError as exc:
            raise InvalidInput(f"team: {exc}") from None
        if not team:
            raise InvalidInput("a manager's team cannot be blank")
    if team is not None and any(role != "manager" for _, role in memberships):
        raise InvalidInput("only a manager has a team")
    user.memberships = [
        Membership(organisation=org, role=role, team=team.strip() if team else None)
        for org, role in memberships
    ]
    session.add(user)
    session.commit()
    return user


# A real hash, so that an unknown e-mail address costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anybody")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this e-mail address and password, or None — in the same time either way."""
    user = session.scalar(sa.select(User).filter_by(email=(email or "").strip().lower()))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    return user if user is not None and valid else None


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(sa.select(User).filter_by(email=(email or "").strip().lower()))
    if user is None:
        raise InvalidInput(f"no user {email!r}")
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """A new password; every session of the account ends (log in again everywhere)."""
    check_password(password, user.email)
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    session.commit()


def end_sessions(user: User) -> None:
    """End every login session of ``user``: their cookies name an older session version."""
    user.session_version = (user.session_version or 0) + 1


def check_password(password: str, email: str = "") -> None:
    """A new password: 12 to 128 characters, not a common password (nor one with only digits or
    punctuation added), not the e-mail address. No rules about kinds of characters (ASVS 2.1.9)."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"a password has at most {PASSWORD_MAX_LENGTH} characters")
    local = (email or "").split("@")[0].lower()
    if is_common(password) or (len(local) >= 4 and local in password.lower()):
        raise InvalidInput(
            "this password is too easy to guess (it is a common password, or made from one or "
            "from the e-mail address); a few unrelated words make a good one"
        )


_SURROUNDING = re.compile(r"^[\d\W_]+|[\d\W_]+$")


def is_common(password: str) -> bool:
    """Whether the password is on the list of common passwords, or is one of them with only
    digits or punctuation around it ("Password2024!"), or one character repeated."""
    lowered = password.lower()
    if len(set(lowered)) <= 2:
        return True
    common = _common_passwords()
    core = _SURROUNDING.sub("", lowered)
    return lowered in common or (len(core) >= 4 and core in common) or core == ""


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    data = (files("survey.data") / "common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def user_by_id(session: Session, user_id: str) -> User | None:
    """The user behind a login session's id (``<id>:<session version>``), or None when the id is
    malformed or its session has ended (logged out, or the password changed since)."""
    number, _, version = (user_id or "").partition(":")
    if not (number.isdigit() and version.isdigit()) or len(number) > 12:
        return None
    user = session.get(User, int(number))
    return user if user is not None and user.session_version == int(version) else None
