"""User accounts: adding users, passwords and authentication."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey.models import ROLES, Membership, Organisation, User
from survey.services.errors import InvalidInput

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN_LENGTH = 8


def add_user(
    session: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    is_admin: bool = False,
    memberships: tuple[tuple[Organisation, str], ...] = (),
) -> User:
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    check_password(password)
    if session.scalar(sa.select(User).filter_by(email=email)) is not None:
        raise InvalidInput(f"user {email!r} exists already")
    for _, role in memberships:
        if role not in ROLES:
            raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    user = User(
        email=email, name=name, password_hash=generate_password_hash(password), is_admin=is_admin
    )
    user.memberships = [Membership(organisation=org, role=role) for org, role in memberships]
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
    check_password(password)
    user.password_hash = generate_password_hash(password)
    session.commit()


def check_password(password: str) -> None:
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"a password needs at least {PASSWORD_MIN_LENGTH} characters")


def user_by_id(session: Session, user_id: str) -> User | None:
    """The user behind a login session's id, or None."""
    return session.get(User, int(user_id)) if user_id.isdigit() else None
