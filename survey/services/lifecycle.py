"""Data lifecycle: a round's state changes (opening and closing), what happens to its data when it
closes, when its retention ends, and when an organisation leaves; and when the benchmark pool
shown to readers moves to a new version."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import (
    Campaign,
    CampaignStatus,
    ClosedLink,
    Comment,
    FormKey,
    Invitation,
    Organisation,
    Participant,
    PoolVersion,
    Response,
    RoundAggregate,
    today_utc,
)
from survey.services import report_files
from survey.services.campaigns import live_figures
from survey.services.errors import InvalidInput
from survey.services.pool import add_pool_version, pools, store_aggregate


def set_status(session: Session, campaign: Campaign, status: str) -> Campaign:
    """Open or close a round (closing keeps what :func:`on_close` keeps). A closed round stays
    closed: its results are final."""
    if status not in (CampaignStatus.OPEN, CampaignStatus.CLOSED):
        raise InvalidInput(f"status {status!r} must be open or closed")
    if campaign.is_closed:
        raise InvalidInput(f"campaign {campaign.id} is closed; start a new round instead")
    passed = campaign.closes_on is not None and campaign.closes_on < today_utc()
    if status == CampaignStatus.OPEN and passed:
        raise InvalidInput(f"campaign {campaign.id}'s closing date has passed")
    if status == CampaignStatus.CLOSED:
        # one atomic UPDATE: of two people closing the round at once, one closes it. It waits
        # for the answers being stored (each holds a shared lock on the round's row) and holds
        # off those that come later, so that what on_close keeps counts every stored answer
        closed = session.execute(
            sa.update(Campaign)
            .where(Campaign.id == campaign.id, Campaign.status != CampaignStatus.CLOSED)
            .values(status=CampaignStatus.CLOSED.value)
        ).rowcount
        if closed != 1:
            session.rollback()
            raise InvalidInput(f"campaign {campaign.id} is closed already")
        session.refresh(campaign)
        on_close(session, campaign)
    else:
        campaign.status = status
    session.commit()
    return campaign


def on_close(session: Session, campaign: Campaign) -> None:
    """A round closes: keep its aggregates and the invitation counts, delete the invitations (their
    fingerprints stay as closed links) and the keys of the forms sent, and
    delete the participants with their e-mail addresses (their counts per group stay); publish
    the next version of its benchmark pool when one is due. Answers being stored as the round
    closes were waited for by :func:`set_status` (see
    :func:`survey.services.responses.submit_response`): every stored answer is counted here."""
    campaign.closed_on = today_utc()
    figures = live_figures(session, campaign)
    campaign.invitations_total, campaign.invitations_used = figures.invited, figures.used
    if campaign.link_custody == "system":
        campaign.participant_counts = participant_counts(session, campaign)
    # the links' fingerprints stay apart, without their use or owner: a closed round's link
    # then says the survey has closed, not that the link is wrong
    session.execute(
        sa.insert(ClosedLink).from_select(
            ["token_hash", "campaign_id"],
            sa.select(Invitation.token_hash, Invitation.campaign_id).where(
                Invitation.campaign_id == campaign.id
            ),
        )
    )
    session.execute(sa.delete(Invitation).where(Invitation.campaign_id == campaign.id))
    session.execute(sa.delete(FormKey).where(FormKey.campaign_id == campaign.id))
    session.execute(sa.delete(Participant).where(Participant.campaign_id == campaign.id))
    store_aggregate(session, campaign)
    add_pool_version(session, campaign.instrument_id, campaign.instrument_version)


def publish_pools(session: Session) -> list[PoolVersion]:
    """Publish the next version of every benchmark pool that is due, and commit: the only way,
    with a round closing, that what readers see of a pool changes."""
    published = [add_pool_version(session, *pool) for pool in sorted(pools(session))]
    session.commit()
    return [version for version in published if version is not None]


def close_due(session: Session, today: dt.date | None = None) -> list[Campaign]:
    """Close every open round whose closing date has passed (its last day was before today), as
    HR closing it would: aggregates kept, links and the participant list deleted."""
    today = today or today_utc()
    due = session.scalars(
        sa.select(Campaign).where(
            Campaign.status == CampaignStatus.OPEN,
            Campaign.closes_on.is_not(None),
            Campaign.closes_on < today,
        )
    ).all()
    closed = []
    for campaign in due:
        try:
            set_status(session, campaign, "closed")
        except InvalidInput:  # closed meanwhile by someone else: nothing to do
            continue
        closed.append(campaign)
    return closed


def keep_missing_structures(session: Session) -> int:
    """Keep what the instrument check pools for closed rounds that closed before rounds kept it
    (their answers still there), and commit; the number of rounds."""
    missing = session.scalars(
        sa.select(Campaign)
        .join(RoundAggregate, RoundAggregate.campaign_id == Campaign.id)
        .where(
            Campaign.status == CampaignStatus.CLOSED,
            Campaign.purged.is_(False),
            RoundAggregate.structure.is_(None),
        )
    ).all()
    for campaign in missing:
        store_aggregate(session, campaign)
    session.commit()
    return len(missing)


def participant_counts(session: Session, campaign: Campaign) -> dict:
    """How many were invited per attribute group (kept after the list itself is deleted)."""
    counts: dict[str, dict[str, int]] = {q["key"]: {} for q in campaign.segments}
    for attributes in session.scalars(
        sa.select(Participant.attributes).where(Participant.campaign_id == campaign.id)
    ):
        for key, option in attributes.items():
            if key in counts:
                counts[key][option] = counts[key].get(option, 0) + 1
    return counts


def due_for_purge(session: Session, today: dt.date | None = None) -> list[Campaign]:
    """Closed rounds whose retention period has ended and whose raw answers still exist."""
    today = today or today_utc()
    closed = session.scalars(
        sa.select(Campaign).where(
            Campaign.status == CampaignStatus.CLOSED,
            Campaign.purged.is_(False),
            Campaign.closed_on.is_not(None),
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
        report_files.forget(session, campaign.id)  # kept reports hold comments and breakdowns
        campaign.purged = True
    session.commit()
    return responses, comments


def delete_organisation(session: Session, organisation: Organisation) -> None:
    """Erase an organisation with its rounds, answers, comments, links, aggregates and
    memberships (user accounts themselves stay: they may belong to other organisations). The
    pool shows nothing of the version that held its entries until a new version is due."""
    session.delete(organisation)
    session.commit()
    publish_pools(session)
