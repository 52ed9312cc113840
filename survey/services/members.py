"""An organisation's members on the web: who has which role, and adding or changing one.

HR sets up the organisation's managers (a manager and their team); an admin gives any role. The
command line (``ambassador user add``) does the same for whoever runs the server. People who
sign in at the organisation's identity provider take their role and team from its claims at
every sign-in (:mod:`survey.services.sso`), so they are not set here: what is typed here would
be overwritten, or would grant a team the provider never sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.teams import TeamError, parse_path, path_text
from survey.models import ROLES, IdentityProvider, Membership, Organisation, User
from survey.services import access, audit, users
from survey.services.errors import Forbidden, InvalidInput, NotFound

MANAGER = "manager"


@dataclass(frozen=True)
class Member:
    email: str
    name: str
    role: str
    team: str | None  # a manager's team; None: their own address
    at_provider: bool  # signs in at the organisation's identity provider


def organisation_for(session: Session, actor: User, slug: str) -> Organisation:
    """The organisation whose members ``actor`` may set: an admin's any, HR's own; another
    organisation is :class:`NotFound`, one where the actor has another role :class:`Forbidden`."""
    organisation = session.scalar(sa.select(Organisation).filter_by(slug=slug))
    if organisation is None or access.role_in(actor, organisation.id) is None:
        raise NotFound(f"organisation {slug}")
    if not access.may(actor, organisation.id, "members"):
        raise Forbidden("setting up members is for HR and admins")
    return organisation


def roles_for(actor: User) -> tuple[str, ...]:
    """The roles ``actor`` may give: every role for an admin, manager for HR."""
    return ROLES if actor.is_admin else (MANAGER,)


def identity_provider(session: Session, organisation: Organisation) -> IdentityProvider | None:
    return session.scalar(sa.select(IdentityProvider).filter_by(organisation_id=organisation.id))


def members_of(session: Session, organisation: Organisation) -> list[Member]:
    rows = session.execute(
        sa.select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(Membership.role, User.email)
    )
    return [
        Member(user.email, user.name, m.role, m.team, user.identity_provider_id is not None)
        for user, m in rows
    ]


def checked_team(role: str, team: str | None) -> str | None:
    """A manager's team as stored: a path of the organisation's tree or its last level, checked
    as a list's team column is; blank: None (the manager's own address)."""
    team = (team or "").strip()
    if not team:
        return None
    if role != MANAGER:
        raise InvalidInput("only a manager has a team")
    try:
        return path_text(parse_path(team))
    except TeamError as exc:
        raise InvalidInput(f"team: {exc}") from None


def set_member(
    session: Session,
    organisation: Organisation,
    actor: User,
    *,
    email: str,
    role: str,
    team: str | None = None,
    name: str = "",
    password: str = "",
) -> User:
    """Give ``email`` a role (and a manager a team) in the organisation: a new account needs a
    password; an existing one keeps its own."""
    email = (email or "").strip().lower()
    if role not in roles_for(actor):
        raise InvalidInput(f"role {role!r}: you may give {', '.join(roles_for(actor))}")
    team = checked_team(role, team)
    user = session.scalar(sa.select(User).filter_by(email=email))
    if (
        user is not None
        and not actor.is_admin
        and not any(m.organisation_id == organisation.id for m in user.memberships)
    ):
        # an account of another organisation (or an admin's) is not HR's to give a role to, nor
        # to learn anything of: one answer for all of them, naming no role, name or organisation
        raise InvalidInput(f"{email} cannot be added here: an admin adds an existing account")
    provider = identity_provider(session, organisation)
    at_provider = provider is not None and email.rpartition("@")[2] in provider.domains
    if (user is not None and user.identity_provider_id is not None) or (
        user is None and at_provider and not provider.password_login
    ):
        raise InvalidInput(
            f"{email} signs in at the organisation's identity provider, which gives their role "
            "and team at every sign-in"
        )
    if user is None:
        user = users.add_user(
            session, email, password, name=name.strip()[:200],
            memberships=((organisation, role),), team=team,
        )  # fmt: skip
        audit.record(
            session, "account_created", user=user, actor=actor.email, organisation=organisation,
            detail=f"{email} as {_role_text(role, team)}, on the members page",
        )  # fmt: skip
        return user
    if password:
        raise InvalidInput(f"{email} has an account already: leave the password empty")
    if user.is_admin and not actor.is_admin:
        raise InvalidInput(f"{email} is an admin: only an admin changes their roles")
    membership = next((m for m in user.memberships if m.organisation_id == organisation.id), None)
    if membership is not None and membership.role not in roles_for(actor):
        raise InvalidInput(
            f"{email} is {membership.role} of {organisation.name}: only an admin changes that role"
        )
    before = _role_text(membership.role, membership.team) if membership else "none"
    if membership is None:
        membership = Membership(user=user, organisation=organisation)
        session.add(membership)
    membership.role, membership.team = role, team
    audit.record(
        session, "role_changed", user=user, actor=actor.email, organisation=organisation,
        detail=f"{before} → {_role_text(role, team)}, on the members page", commit=False,
    )  # fmt: skip
    session.commit()
    return user


def _role_text(role: str, team: str | None) -> str:
    return f"{role} of {team}" if team else role
