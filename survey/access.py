"""Who may see what: the one place where organisations are filtered per user.

HR and consultants see the organisations they are members of; an admin sees every organisation.
Anything else answers 404, so that nobody learns which campaigns exist elsewhere.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from survey.extensions import db
from survey.models import Campaign, Membership, Organisation


def visible_organisations() -> sa.Select:
    """Organisations the logged-in user may see, as a query."""
    query = sa.select(Organisation).order_by(Organisation.name)
    if current_user.is_admin:
        return query
    return query.join(Membership).where(Membership.user_id == current_user.id)


def organisation_or_404(organisation_id: int) -> Organisation:
    organisation = db.session.scalar(
        visible_organisations().where(Organisation.id == organisation_id)
    )
    if organisation is None:
        abort(404)
    return organisation


def campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    organisation_or_404(campaign.organisation_id)
    return campaign


def visible_campaigns() -> sa.Select:
    ids = visible_organisations().with_only_columns(Organisation.id).order_by(None)
    return sa.select(Campaign).where(Campaign.organisation_id.in_(ids)).order_by(Campaign.id.desc())
