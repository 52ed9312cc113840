"""The benchmark pool, in one place: which rounds count, their kept aggregates, the pool's
statistics and its minimum size.

A closed round is reduced to aggregates (per principle n, mean, SD and a ten-bin score distribution)
when it closes. The pool is the latest closed round of each organisation with at least *k*
responses, plus rounds imported from other pools (marked external; see
:mod:`survey.services.exchange`). Percentiles and marks are shown only once the pool holds
:data:`~survey.policy.POOL_MIN_ORGANISATIONS` organisations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.benchmark import pool_marks, pool_position, score_bins
from scoring.instrument import Instrument
from scoring.scores import points_from_offsets, respondent_scores
from survey.models import Campaign, Organisation, RoundAggregate
from survey.policy import POOL_MIN_ORGANISATIONS
from survey.services.campaigns import campaign_instrument
from survey.services.responses import answer_matrix


@dataclass(frozen=True)
class PoolEntry:
    aggregate: RoundAggregate
    organisation_id: int | None  # None for an imported round
    organisation: str | None  # None for an imported round without a name

    @property
    def external(self) -> bool:
        return self.aggregate.external

    def mean(self, key: str) -> float:
        return self.aggregate.dimensions[key]["mean"]

    @property
    def overall(self) -> float:
        return float(np.mean([d["mean"] for d in self.aggregate.dimensions.values()]))


def round_figures(session: Session, campaign: Campaign) -> tuple[int, dict[str, Any]]:
    """Respondents and per-principle aggregates of a round, from its answers."""
    instrument = campaign_instrument(campaign)
    scores = respondent_scores(
        points_from_offsets(answer_matrix(session, campaign), instrument), instrument
    )
    figures = {}
    for d, dim in enumerate(instrument.dimensions):
        column = scores[:, d][~np.isnan(scores[:, d])]
        figures[dim.key] = {
            "n": int(column.size),
            "mean": round(float(column.mean()), 4) if column.size else None,
            "sd": round(float(column.std(ddof=1)), 4) if column.size > 1 else None,
            "bins": score_bins(column),
        }
    return int(scores.shape[0]), figures


def store_aggregate(session: Session, campaign: Campaign) -> RoundAggregate | None:
    """Compute and keep a closed round's aggregates (none below its minimum group size)."""
    n, figures = round_figures(session, campaign)
    existing = session.scalar(sa.select(RoundAggregate).filter_by(campaign_id=campaign.id))
    if n < campaign.min_group_size or any(
        f["n"] < campaign.min_group_size for f in figures.values()
    ):
        if existing is not None:
            session.delete(existing)
        return None
    aggregate = existing or RoundAggregate(campaign_id=campaign.id)
    organisation = session.get(Organisation, campaign.organisation_id)
    aggregate.sector, aggregate.size_band = organisation.sector, organisation.size_band
    aggregate.instrument_id = campaign.instrument_id
    aggregate.instrument_version = campaign.instrument_version
    aggregate.n, aggregate.dimensions = n, figures
    session.add(aggregate)
    return aggregate


def pool_entries(
    session: Session,
    instrument_id: str,
    instrument_version: str,
    *,
    sector: str | None = None,
    size_band: str | None = None,
) -> list[PoolEntry]:
    """The latest closed round of every organisation (with aggregates), and imported rounds."""
    latest = (
        sa.select(sa.func.max(Campaign.id))
        .join(RoundAggregate, RoundAggregate.campaign_id == Campaign.id)
        .where(Campaign.status == "closed")
        .group_by(Campaign.organisation_id)
    )
    query = (
        sa.select(RoundAggregate, Organisation.id, Organisation.name)
        .outerjoin(Campaign, Campaign.id == RoundAggregate.campaign_id)
        .outerjoin(Organisation, Organisation.id == Campaign.organisation_id)
        .where(
            RoundAggregate.instrument_id == instrument_id,
            RoundAggregate.instrument_version == instrument_version,
            sa.or_(RoundAggregate.external.is_(True), RoundAggregate.campaign_id.in_(latest)),
        )
        .order_by(RoundAggregate.id)
    )
    if sector:
        query = query.where(RoundAggregate.sector == sector)
    if size_band:
        query = query.where(RoundAggregate.size_band == size_band)
    return [
        PoolEntry(aggregate, org_id, name if not aggregate.external else aggregate.label)
        for aggregate, org_id, name in session.execute(query)
    ]


def pool_for(session: Session, campaign: Campaign) -> list[dict]:
    """The benchmark pool for a round: every other organisation's entry (its own is left out)."""
    return [
        {"external": entry.external, "dimensions": entry.aggregate.dimensions}
        for entry in pool_entries(session, campaign.instrument_id, campaign.instrument_version)
        if entry.organisation_id != campaign.organisation_id
    ]


@dataclass(frozen=True)
class PoolStanding:
    """Where an organisation's overall score stands among the other organisations of the pool."""

    others: int  # organisations in the pool besides this one
    external: int  # of which imported from other pools
    percentile: float | None  # None while the pool is too small


def standing(entries: list[PoolEntry], organisation_id: int, overall: float) -> PoolStanding:
    """An organisation's percentile among the other organisations' overall means."""
    others = [e for e in entries if e.organisation_id != organisation_id]
    percentile = (
        pool_position(overall, [e.overall for e in others]).percentile
        if len(others) >= POOL_MIN_ORGANISATIONS
        else None
    )
    return PoolStanding(len(others), sum(1 for e in others if e.external), percentile)


@dataclass(frozen=True)
class PoolMarks:
    """A principle's marks among the pool's organisation means."""

    name: str
    median: float
    top25: float
    top10: float


@dataclass(frozen=True)
class PoolOverview:
    entries: list[PoolEntry]
    marks: list[PoolMarks]  # empty while the pool is too small
    sectors: list[str]  # every sector known here, for the filter


def pool_overview(
    session: Session,
    instrument: Instrument,
    lang: str,
    *,
    sector: str | None = None,
    size_band: str | None = None,
) -> PoolOverview:
    """The pool's entries and, once it holds enough organisations, its marks per principle."""
    entries = pool_entries(
        session, instrument.id, instrument.version, sector=sector, size_band=size_band
    )
    marks = []
    if len(entries) >= POOL_MIN_ORGANISATIONS:
        marks = [
            PoolMarks(dim.name[lang], *pool_marks([e.mean(dim.key) for e in entries]))
            for dim in instrument.dimensions
        ]
    sectors = sorted(filter(None, session.scalars(sa.select(Organisation.sector).distinct())))
    return PoolOverview(entries, marks, sectors)
