"""The consultant's portfolio: every client organisation with its latest round."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.disclosure import enough
from scoring.scores import LEVEL_NAMES, points_from_offsets, score_answers
from survey.models import Campaign, Organisation, Response
from survey.services.campaigns import campaign_instrument
from survey.services.pool import PublishedPool, published_pool, standing
from survey.services.responses import answer_matrix


@dataclass
class PortfolioRow:
    """One client organisation: its latest round with responses and, when that round has enough
    responses to be shown, its figures, its standing in the pool and the change since the round
    before."""

    organisation: Organisation
    campaign: Campaign | None = None
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
    "responses": lambda row: row.n,
    "overall": lambda row: row.overall if row.overall is not None else -1,
    "percentile": lambda row: row.percentile if row.percentile is not None else -1,
    "change": lambda row: row.change if row.change is not None else -999,
}


def _latest_rounds(session: Session, organisation: Organisation) -> list[Campaign]:
    return session.scalars(
        sa.select(Campaign)
        .where(
            Campaign.organisation_id == organisation.id,
            Campaign.status == "closed",  # an open round's figures are not published yet
            sa.exists().where(Response.campaign_id == Campaign.id),
        )
        .order_by(Campaign.id.desc())
        .limit(2)
    ).all()


def _scored(session: Session, campaign: Campaign):
    instrument = campaign_instrument(campaign)
    points = points_from_offsets(answer_matrix(session, campaign), instrument)
    return points.shape[0], score_answers(points, instrument)


def portfolio(
    session: Session,
    organisations: list[Organisation],
    *,
    sort: str = "name",
    descending: bool = False,
) -> list[PortfolioRow]:
    """Each organisation's latest closed round with responses: figures, pool percentile and
    change since the closed round before it."""
    pools: dict[tuple[str, str], PublishedPool] = {}
    rows = []
    for organisation in organisations:
        row = PortfolioRow(organisation)
        rows.append(row)
        rounds = _latest_rounds(session, organisation)
        if not rounds:
            continue
        latest = rounds[0]
        n, result = _scored(session, latest)
        row.campaign, row.n, row.shown = latest, n, n >= latest.min_group_size
        if not row.shown:
            continue
        k = latest.min_group_size
        row.dimensions = {
            d.key: (d.statistic, d.level) for d in result.dimensions if enough(d.n, k)
        }
        if len(row.dimensions) < len(result.dimensions):
            continue  # no overall score: it would give the hidden principle away
        row.overall, row.level = result.overall.statistic, result.overall.level
        row.level_name = LEVEL_NAMES.get(result.overall.level)
        key = (latest.instrument_id, latest.instrument_version)
        if key not in pools:
            pools[key] = published_pool(session, *key)
        position = standing(pools[key].entries, organisation.id, row.overall)
        row.pool_size, row.pool_external = position.others, position.external
        row.percentile = position.percentile
        if len(rounds) > 1 and rounds[1].instrument_name == latest.instrument_name:
            n_before, before = _scored(session, rounds[1])
            k_before = rounds[1].min_group_size
            if enough(n_before, k_before) and all(enough(d.n, k_before) for d in before.dimensions):
                row.change = row.overall - before.overall.statistic
    rows.sort(key=SORTS.get(sort, SORTS["name"]), reverse=descending)
    return rows


def sectors(organisations: list[Organisation]) -> list[str]:
    """The sectors of these organisations, for the filter."""
    return sorted({o.sector for o in organisations if o.sector})
