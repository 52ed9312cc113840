"""Data lifecycle: what happens to a round's data when it closes, when its retention ends, and when
an organisation leaves."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import Campaign, Comment, Invitation, Organisation, Response, today_utc
from survey.services.pool import store_aggregate


def on_close(session: Session, campaign: Campaign) -> None:
    """A round closes: keep its aggregates and the invitation counts, delete the invitations."""
    campaign.closed_on = today_utc()
    total, used = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Invitation.redeemed.is_(True))).where(
            Invitation.campaign_id == campaign.id
        )
    ).one()
    campaign.invitations_total, campaign.invitations_used = total, used
    session.execute(sa.delete(Invitation).where(Invitation.campaign_id == campaign.id))
    store_aggregate(session, campaign)


def due_for_purge(session: Session, today: dt.date | None = None) -> list[Campaign]:
    """Closed rounds whose retention period has ended and whose raw answers still exist."""
    today = today or today_utc()
    closed = session.scalars(
        sa.select(Campaign).where(
            Campaign.status == "closed", Campaign.purged.is_(False), Campaign.closed_on.is_not(None)
        )
    ).all()
    return [c for c in closed if c.closed_on + dt.timedelta(days=c.retention_days) < today]


def purge(session: Session, campaigns: list[Campaign]) -> tuple[int, int]:
    """Delete the raw answers and comments of ``campaigns``, keeping their aggregates.

    Returns the numbers of responses and comments deleted.
    """
    responses = comments = 0
    for campaign in campaigns:
        store_aggregate(session, campaign)  # from the answers, before they go
        responses += session.execute(
            sa.delete(Response).where(Response.campaign_id == campaign.id)
        ).rowcount
        comments += session.execute(
            sa.delete(Comment).where(Comment.campaign_id == campaign.id)
        ).rowcount
        campaign.purged = True
    session.commit()
    return responses, comments


def delete_organisation(session: Session, organisation: Organisation) -> None:
    """Erase an organisation with its rounds, answers, comments, links, aggregates and
    memberships (user accounts themselves stay: they may belong to other organisations)."""
    session.delete(organisation)
    session.commit()
