"""The consultant's portfolio: every client organisation with its latest round."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.instrument import measure_versions
from scoring.scores import LEVEL_NAMES, maturity_level
from survey.models import Campaign, CampaignStatus, Organisation, Response, RoundAggregate
from survey.services.campaigns import campaign_instrument, same_measure
from survey.services.pool import Standings, published_pool


@dataclass
class PortfolioRow:
    """One client organisation: its latest round with responses and, when that round has enough
    responses to be shown, its figures, its standing in the pool and the change since the round
    before."""

    organisation: Organisation
    campaign: RoundRef | None = None
    n: int = 0
    shown: bool = False
    overall: float | None = None
    level: int | None = None
    level_name: str | None = None
    dimensions: dict[str, tuple[float, int | None]] = field(default_factory=dict)
    pool_size: int | None = None
    pool_external: int = 0
    percentile: float | None = None
    change: float | None = None

    @property
    def sector(self) -> str | None:
        return self.organisation.sector


SORTS = {
    "name": lambda row: row.organisation.name.lower(),
    "round": lambda row: row.campaign.name.lower() if row.campaign else "",
    "responses": lambda row: row.n,
    "overall": lambda row: row.overall if row.overall is not None else -1,
    "percentile": lambda row: row.percentile if row.percentile is not None else -1,
    "change": lambda row: row.change if row.change is not None else -999,
}


def sort_key(sort: str):
    """The key a column sorts by: one of :data:`SORTS`, or else a principle's key (its mean;
    rows without one first, as for the overall score)."""
    if sort in SORTS:
        return SORTS[sort]

    def principle(row: PortfolioRow) -> float:
        figure = row.dimensions.get(sort)
        return figure[0] if figure is not None else -1

    return principle


@dataclass(frozen=True)
class RoundRef:
    """What the portfolio shows of a round: no more is loaded than that."""

    id: int
    name: str
    instrument_id: str
    instrument_version: str

    @property
    def instrument_name(self) -> str:
        return f"{self.instrument_id}-v{self.instrument_version}"


def _closed_rounds(session: Session, organisations: list[Organisation]) -> dict[int, list]:
    """Per organisation, its closed rounds (newest first) with their kept aggregates: one
    query, no answers read."""
    ids = [o.id for o in organisations]
    rows = session.execute(
        sa.select(
            Campaign.organisation_id,
            Campaign.id,
            Campaign.name,
            Campaign.instrument_id,
            Campaign.instrument_version,
            RoundAggregate.n,
            RoundAggregate.dimensions,
        )
        .outerjoin(RoundAggregate, RoundAggregate.campaign_id == Campaign.id)
        .where(Campaign.organisation_id.in_(ids), Campaign.status == CampaignStatus.CLOSED)
        .order_by(Campaign.id.desc())
    ).all()
    rounds: dict[int, list] = {i: [] for i in ids}
    for organisation_id, *campaign, n, dimensions in rows:
        rounds[organisation_id].append((RoundRef(*campaign), n, dimensions))
    return rounds


def _response_counts(session: Session, campaign_ids: list[int]) -> dict[int, int]:
    """How many responses rounds without kept aggregates have (too few to keep any)."""
    if not campaign_ids:
        return {}
    return dict(
        session.execute(
            sa.select(Response.campaign_id, sa.func.count())
            .where(Response.campaign_id.in_(campaign_ids))
            .group_by(Response.campaign_id)
        ).all()
    )


def _overall(dimensions: dict) -> float:
    means = [figures["mean"] for figures in dimensions.values()]
    return sum(means) / len(means)


def portfolio(
    session: Session,
    organisations: list[Organisation],
    *,
    sort: str = "name",
    descending: bool = False,
) -> list[PortfolioRow]:
    """Each organisation's latest closed round: its figures, pool percentile and change since the
    closed round before it — from the aggregates kept when a round closes, never from answers.
    A round keeps aggregates only when every principle has at least k scored people; one that
    has fewer shows its number of responses and no figures. Only closed rounds are shown, so
    their number of responses is exact (:mod:`survey.services.participation`)."""
    pools: dict[tuple[str, str], Standings] = {}
    closed = _closed_rounds(session, organisations)
    without = [c.id for rounds in closed.values() for c, n, _d in rounds[:1] if n is None]
    counts = _response_counts(session, without)
    rows = []
    for organisation in organisations:
        row = PortfolioRow(organisation)
        rows.append(row)
        rounds = [r for r in closed[organisation.id] if r[1] is not None or counts.get(r[0].id)]
        if not rounds:
            continue
        latest, n, dimensions = rounds[0]
        row.campaign = latest
        if n is None:
            row.n = counts[latest.id]
            continue
        row.n, row.shown = n, True
        row.overall = _overall(dimensions)
        row.dimensions = {key: figures["mean"] for key, figures in dimensions.items()}
        key = (
            latest.instrument_id,
            measure_versions(latest.instrument_id, latest.instrument_version)[0],
        )
        if key not in pools:
            pools[key] = Standings(published_pool(session, *key).entries)
        position = pools[key].of(organisation.id, row.overall)
        row.pool_size, row.pool_external = position.others, position.external
        row.percentile = position.percentile
        if len(rounds) > 1:
            before, n_before, dims_before = rounds[1]
            if n_before is not None and same_measure(before, latest):
                row.change = row.overall - _overall(dims_before)
    _levels([row for row in rows if row.shown])
    # a principle key sorts by its column; a name that is neither a column nor a principle (no
    # row has it) sorts by name
    known = sort in SORTS or any(sort in row.dimensions for row in rows)
    rows.sort(key=sort_key(sort if known else "name"), reverse=descending)
    return rows


def _levels(rows: list[PortfolioRow]) -> None:
    """Each shown row's maturity levels, for all rows in one vectorised call."""
    if not rows:
        return
    means = np.array([[*row.dimensions.values(), row.overall] for row in rows])
    levels = maturity_level(means).tolist()
    for row, row_levels in zip(rows, levels, strict=True):
        *principles, overall = row_levels
        row.dimensions = {
            key: (mean, int(level))
            for (key, mean), level in zip(row.dimensions.items(), principles, strict=True)
        }
        row.level, row.level_name = int(overall), LEVEL_NAMES.get(int(overall))


def principles(session: Session, rows: list[PortfolioRow]) -> list:
    """The principles of the first round shown: the portfolio's columns."""
    shown = next((row.campaign for row in rows if row.campaign is not None), None)
    if shown is None:
        return []
    return campaign_instrument(session.get(Campaign, shown.id)).dimensions


def sectors(organisations: list[Organisation]) -> list[str]:
    """The sectors of these organisations, for the filter."""
    return sorted({o.sector for o in organisations if o.sector})
