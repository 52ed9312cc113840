"""Who may see and do what: the one place where organisations and rounds are filtered per user,
and where each role's permissions are decided.

HR and consultants see the organisations they are members of; an admin sees every organisation.
Anything else raises :class:`NotFound`, so that nobody learns which rounds exist elsewhere. Within
an organisation it may see, a user may do what its role there allows (:data:`PERMISSIONS`);
anything more raises :class:`Forbidden`.

- ``view``: the rounds, their reports and exports, the action plan (every role);
- ``prepare``: create a round (HR, consultants: a consultant may set up a client's round);
- ``run``: open and close a round, create personal links, manage its participant list and
  e-mail (HR: the organisation owns its people and their links — a consultant never holds one);
- ``plan``: add, edit and remove actions in the action plan (HR);
- ``compare``: the portfolio, comparisons across organisations and the benchmark page
  (consultants);
- ``members``: set up the organisation's managers and their teams (HR; an admin gives any role,
  :mod:`survey.services.members`);
- ``approve``: see a round's privacy settings and a summary of its participant list, and approve
  them or send them back (``privacy``: the works council or privacy officer — never an answer, a
  report or a link).

A ``manager`` has none of these: they read their own team's results once HR has published them,
and nothing else (:mod:`survey.services.managers`).

An admin may do everything everywhere.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import Campaign, Membership, Organisation, User, valid_id
from survey.services.errors import Forbidden, NotFound

PERMISSIONS: dict[str, frozenset[str]] = {
    "hr": frozenset({"view", "prepare", "run", "plan", "members"}),
    "consultant": frozenset({"view", "prepare", "compare"}),
    # the works council or privacy officer: a round's settings and list summary, to approve
    "privacy": frozenset({"approve"}),
    # a manager reads their own team's results only (survey.services.managers), nothing here
    "manager": frozenset(),
}
EVERYTHING = frozenset().union(*PERMISSIONS.values())


def role_in(user: User, organisation_id: int) -> str | None:
    """``user``'s role in an organisation ("admin" for an admin), or None."""
    if user.is_admin:
        return "admin"
    return next((m.role for m in user.memberships if m.organisation_id == organisation_id), None)


def may(user: User, organisation_id: int, permission: str) -> bool:
    """Whether ``user`` may do ``permission`` in this organisation."""
    if permission not in EVERYTHING:
        raise ValueError(f"unknown permission {permission!r}")
    role = role_in(user, organisation_id)
    return role == "admin" or permission in PERMISSIONS.get(role, frozenset())


def may_compare(user: User) -> bool:
    """Whether ``user`` may open the portfolio, comparisons and the benchmark page."""
    return user.is_admin or any("compare" in PERMISSIONS[m.role] for m in user.memberships)


def require_compare(user: User) -> None:
    if not may_compare(user):
        raise Forbidden("comparing organisations is for consultants")


def visible_organisations(user: User) -> sa.Select:
    """Organisations ``user`` may see, as a query."""
    query = sa.select(Organisation).order_by(Organisation.name)
    if user.is_admin:
        return query
    return query.join(Membership).where(Membership.user_id == user.id)


def viewable_organisations(user: User) -> sa.Select:
    """Organisations whose rounds and figures ``user`` may view (not those where the user only
    approves participant lists), as a query."""
    query = visible_organisations(user)
    if user.is_admin:
        return query
    return query.where(Membership.role.in_([r for r, p in PERMISSIONS.items() if "view" in p]))


def visible_campaigns(user: User) -> sa.Select:
    """Rounds of the organisations whose rounds ``user`` may view, newest first, as a query (not
    those where the user only approves participant lists)."""
    ids = visible_organisations(user).with_only_columns(Organisation.id).order_by(None)
    if not user.is_admin:
        ids = ids.where(Membership.role.in_([r for r, p in PERMISSIONS.items() if "view" in p]))
    return sa.select(Campaign).where(Campaign.organisation_id.in_(ids)).order_by(Campaign.id.desc())


def organisation_for(
    session: Session, user: User, organisation_id: int, permission: str = "view"
) -> Organisation:
    """The organisation with this id, if ``user`` may see it and do ``permission`` there."""
    if not valid_id(organisation_id):
        raise NotFound(f"organisation {organisation_id}")
    organisation = session.scalar(
        visible_organisations(user).where(Organisation.id == organisation_id)
    )
    if organisation is None:
        raise NotFound(f"organisation {organisation_id}")
    if not may(user, organisation.id, permission):
        raise Forbidden(f"your role does not allow {permission!r} here")
    return organisation


def campaign_for(
    session: Session, user: User, campaign_id: int, permission: str = "view"
) -> Campaign:
    """The round with this id, if ``user`` may see its organisation and do ``permission``."""
    campaign = session.get(Campaign, campaign_id) if valid_id(campaign_id) else None
    if campaign is None:
        raise NotFound(f"campaign {campaign_id}")
    organisation_for(session, user, campaign.organisation_id, permission)
    return campaign


def organisations_allowing(session: Session, user: User, permission: str) -> list[Organisation]:
    """The organisations where ``user`` may do ``permission`` (for choosing one in a form)."""
    return [
        organisation
        for organisation in session.scalars(visible_organisations(user))
        if may(user, organisation.id, permission)
    ]
