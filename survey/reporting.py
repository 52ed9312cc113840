"""Service layer of the report: the rounds from the database, as arrays, into reports.model."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from reports.model import Report, RoundData, build_report
from survey.actions import actions_of, by_dimension
from survey.models import Campaign, Comment, RoundAggregate
from survey.responses import campaign_answers, campaign_instrument


def round_data(session: Session, campaign: Campaign) -> RoundData:
    offsets, segments = campaign_answers(session, campaign)
    comments = list(
        session.scalars(sa.select(Comment.text).where(Comment.campaign_id == campaign.id))
    )
    kept = session.scalar(
        sa.select(RoundAggregate.dimensions).where(RoundAggregate.campaign_id == campaign.id)
    )
    return RoundData(
        campaign.name,
        offsets,
        segments,
        campaign.segments,
        campaign.min_group_size,
        comments,
        aggregates=kept,
    )


def previous_round(session: Session, campaign: Campaign) -> Campaign | None:
    """The organisation's most recent earlier round with the same instrument."""
    return session.scalar(
        sa.select(Campaign)
        .where(
            Campaign.organisation_id == campaign.organisation_id,
            Campaign.id < campaign.id,
            Campaign.instrument_id == campaign.instrument_id,
            Campaign.instrument_version == campaign.instrument_version,
        )
        .order_by(Campaign.id.desc())
        .limit(1)
    )


def pool_for(session: Session, campaign: Campaign) -> list[dict]:
    """The benchmark pool for a round: every other organisation's entry (its own is left out)."""
    from survey.benchmarking import pool_entries

    return [
        {"external": entry.external, "dimensions": entry.aggregate.dimensions}
        for entry in pool_entries(session, campaign.instrument_id, campaign.instrument_version)
        if entry.organisation_id != campaign.organisation_id
    ]


def campaign_report(
    session: Session, campaign: Campaign, lang: str, comment_min_group: int = 10
) -> tuple[Report, list[str]]:
    """The report of a campaign in a language, and the scale's labels in that language."""
    instrument = campaign_instrument(campaign)
    before = previous_round(session, campaign)
    report = build_report(
        instrument,
        round_data(session, campaign),
        organisation=campaign.organisation.name,
        lang=lang,
        previous=round_data(session, before) if before is not None else None,
        seed=campaign.id,
        comment_min_group=comment_min_group,
        pool=pool_for(session, campaign),
        previous_actions=by_dimension(actions_of(session, before.id)) if before else None,
    )
    labels = instrument.scale.labels.get(lang) or [
        str(v) for v in range(instrument.scale.min, instrument.scale.max + 1)
    ]
    return report, list(labels)
