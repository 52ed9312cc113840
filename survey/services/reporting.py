"""Gathers a round's data for the report: its answers as arrays, the previous round, the pool and
the action plan, handed to :func:`reports.model.build_report`."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session

from reports.model import RoundData, Thresholds, build_report
from reports.release import Links, Release
from scoring.instrument import measure_versions
from survey.models import Campaign, CampaignStatus, Comment, RoundAggregate
from survey.policy import COMMENT_MIN_GROUP_SIZE, POOL_MIN_ORGANISATIONS, SIGNIFICANCE_LEVEL
from survey.services.actions import actions_of, by_dimension
from survey.services.campaigns import campaign_instrument, response_figures
from survey.services.participation import shown_count
from survey.services.pool import pool_for
from survey.services.responses import campaign_answers


def round_data(session: Session, campaign: Campaign) -> RoundData:
    offsets, segments = campaign_answers(session, campaign)
    # by their random ids: an order unrelated to when they were written (a table without an
    # ORDER BY gives them back in the order they were stored)
    written = session.execute(
        sa.select(Comment.text, Comment.team)
        .where(Comment.campaign_id == campaign.id)
        .order_by(Comment.id)
    ).all()
    kept = session.execute(
        sa.select(RoundAggregate.n, RoundAggregate.dimensions).where(
            RoundAggregate.campaign_id == campaign.id
        )
    ).first()
    return RoundData(
        campaign.name,
        offsets,
        segments,
        campaign.segments,
        campaign.min_group_size,
        campaign.is_closed,
        [text for text, _team in written],
        comment_teams=[team for _text, team in written],
        aggregates=kept.dimensions if kept else None,
        purged=campaign.purged,
        kept_n=kept.n if kept else None,
        links=link_custody(session, campaign),
    )


def link_custody(session: Session, campaign: Campaign) -> Links:
    """How the round's links reached people: sent by the system to a participant list, or
    distributed by HR itself (so it could answer some of them); and how many links (or
    participants) were added after the round had opened."""
    figures = response_figures(session, campaign)
    return Links(
        distributed_by=campaign.link_custody,
        personal=figures.invited,
        after_open=campaign.invitations_after_open,
        open_link=campaign.open_slug is not None,
        imported=campaign.imported_responses,
        source=campaign.list_source,
        approved_on=(
            campaign.list_approved_on.isoformat()
            if campaign.list_state == "approved" and campaign.list_approved_on
            else None
        ),
    )


def previous_round(session: Session, campaign: Campaign) -> Campaign | None:
    """The organisation's latest *closed* round created before this one, with the same
    instrument (or a version of it that is the same measure): drafts and rounds still open have
    no published figures to compare with."""
    return session.scalar(
        sa.select(Campaign)
        .where(
            Campaign.organisation_id == campaign.organisation_id,
            Campaign.id < campaign.id,
            Campaign.status == CampaignStatus.CLOSED,
            Campaign.instrument_id == campaign.instrument_id,
            Campaign.instrument_version.in_(
                measure_versions(campaign.instrument_id, campaign.instrument_version)
            ),
        )
        .order_by(Campaign.closed_on.desc().nulls_last(), Campaign.id.desc())
        .limit(1)
    )


def campaign_report(
    session: Session,
    campaign: Campaign,
    lang: str,
    comment_min_group: int = COMMENT_MIN_GROUP_SIZE,
) -> tuple[Release, list[str]]:
    """The report of a campaign in a language, and the scale's labels in that language."""
    instrument = campaign_instrument(campaign)
    before = previous_round(session, campaign)
    pool, pool_version = pool_for(session, campaign)
    report = build_report(
        instrument,
        round_data(session, campaign),
        organisation=campaign.organisation.name,
        lang=lang,
        previous=round_data(session, before) if before is not None else None,
        seed=campaign.id,
        thresholds=Thresholds(comment_min_group, POOL_MIN_ORGANISATIONS, SIGNIFICANCE_LEVEL),
        pool=pool,
        pool_version=pool_version,
        previous_actions=by_dimension(actions_of(session, before.id)) if before else None,
    )
    if campaign.status == CampaignStatus.OPEN:  # participation only, in steps of k
        shown = shown_count(report.n_responses, campaign)
        report = dataclasses.replace(
            report,
            n_responses=shown.value,
            needed=max(0, campaign.min_group_size - shown.value),
        )
    labels = instrument.scale.labels.get(lang) or [
        str(v) for v in range(instrument.scale.min, instrument.scale.max + 1)
    ]
    return report, list(labels)
