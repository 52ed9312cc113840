"""Who may see what: the one place where organisations and rounds are filtered per user.

HR and consultants see the organisations they are members of; an admin sees every organisation.
Anything else raises :class:`NotFound`, so that nobody learns which rounds exist elsewhere.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import Campaign, Membership, Organisation, User, valid_id
from survey.services.errors import NotFound


def visible_organisations(user: User) -> sa.Select:
    """Organisations ``user`` may see, as a query."""
    query = sa.select(Organisation).order_by(Organisation.name)
    if user.is_admin:
        return query
    return query.join(Membership).where(Membership.user_id == user.id)


def visible_campaigns(user: User) -> sa.Select:
    """Rounds of the organisations ``user`` may see, newest first, as a query."""
    ids = visible_organisations(user).with_only_columns(Organisation.id).order_by(None)
    return sa.select(Campaign).where(Campaign.organisation_id.in_(ids)).order_by(Campaign.id.desc())


def organisation_for(session: Session, user: User, organisation_id: int) -> Organisation:
    """The organisation with this id, if ``user`` may see it."""
    if not valid_id(organisation_id):
        raise NotFound(f"organisation {organisation_id}")
    organisation = session.scalar(
        visible_organisations(user).where(Organisation.id == organisation_id)
    )
    if organisation is None:
        raise NotFound(f"organisation {organisation_id}")
    return organisation


def campaign_for(session: Session, user: User, campaign_id: int) -> Campaign:
    """The round with this id, if ``user`` may see its organisation."""
    campaign = session.get(Campaign, campaign_id) if valid_id(campaign_id) else None
    if campaign is None:
        raise NotFound(f"campaign {campaign_id}")
    organisation_for(session, user, campaign.organisation_id)
    return campaign
