"""The benchmark pool, in one place: which rounds count, their kept aggregates, the pool's
statistics and its minimum size.

A closed round is reduced to aggregates (per principle n, mean, SD and a ten-bin score distribution)
when it closes. The pool is the latest closed round of each organisation with at least *k*
responses, plus rounds imported from other pools (marked external; see
:mod:`survey.services.exchange`). Percentiles and marks are shown only once the pool holds
:data:`~survey.policy.POOL_MIN_ORGANISATIONS` organisations.
"""

from __future__ import annotations

import bisect
from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.benchmark import pool_marks, score_bins
from scoring.disclosure import merge_small_bins, pool_version_due
from scoring.instrument import Instrument, measure_versions
from scoring.scores import points_from_offsets, respondent_scores
from survey.models import Campaign, Organisation, PoolVersion, RoundAggregate, today_utc
from survey.policy import POOL_MIN_CHANGES, POOL_MIN_ORGANISATIONS
from survey.services.campaigns import campaign_instrument
from survey.services.responses import answer_matrix

AggregateRow = namedtuple("AggregateRow", [c.name for c in RoundAggregate.__table__.c])


@dataclass(frozen=True)
class PoolEntry:
    aggregate: AggregateRow  # a kept aggregate's columns
    organisation_id: int | None  # None for an imported round
    organisation: str | None  # None for an imported round without a name

    @property
    def external(self) -> bool:
        return self.aggregate.external

    def mean(self, key: str) -> float:
        return self.aggregate.dimensions[key]["mean"]

    @property
    def overall(self) -> float:
        means = [d["mean"] for d in self.aggregate.dimensions.values()]
        return sum(means) / len(means)

    @property
    def owner(self) -> str:
        """Whose entry this is: an organisation here, or one imported round."""
        if self.organisation_id is not None and not self.external:
            return f"organisation:{self.organisation_id}"
        return f"external:{self.aggregate.id}"

    @property
    def strata(self) -> tuple[str, ...]:
        """The filters of the benchmark page this entry falls in."""
        return (f"sector:{self.aggregate.sector}", f"size:{self.aggregate.size_band}")


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
            "mean": float(column.mean()) if column.size else None,  # unrounded: tests use it
            "sd": float(column.std(ddof=1)) if column.size > 1 else None,
            # no bin of 1 … k−1 respondents leaves the round, not even in an export
            "bins": merge_small_bins(score_bins(column), campaign.min_group_size),
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
        sa.select(*AGGREGATE_COLUMNS, Organisation.id, Organisation.name)
        .outerjoin(Campaign, Campaign.id == RoundAggregate.campaign_id)
        .outerjoin(Organisation, Organisation.id == Campaign.organisation_id)
        .where(
            RoundAggregate.instrument_id == instrument_id,
            RoundAggregate.instrument_version.in_(
                measure_versions(instrument_id, instrument_version)
            ),
            sa.or_(RoundAggregate.external.is_(True), RoundAggregate.campaign_id.in_(latest)),
        )
        .order_by(RoundAggregate.id)
    )
    if sector:
        query = query.where(RoundAggregate.sector == sector)
    if size_band:
        query = query.where(RoundAggregate.size_band == size_band)
    return _entries(session.execute(query))


@dataclass(frozen=True)
class PublishedPool:
    """The pool as it is shown: the latest published version's entries."""

    version: PoolVersion | None  # None while no version could be published yet
    entries: list[PoolEntry]
    withdrawn: bool = False  # an entry was erased since: nothing shown until the next version

    def others(self, organisation_id: int) -> list[PoolEntry]:
        return [e for e in self.entries if e.organisation_id != organisation_id]


def published_pool(session: Session, instrument_id: str, instrument_version: str) -> PublishedPool:
    """The pool of an instrument version as HR and consultants may see it.

    The pool changes only in published versions, and a new version is published (here, when the
    pool is read) only once at least three organisations' entries differ from the last version —
    in the whole pool and in every sector and size band that changes — so that comparing two
    versions never gives one organisation's figures away.
    """
    # one pool per measure, named by its oldest version: rounds of later versions that differ
    # only in wording join the pool of the first
    instrument_version = measure_versions(instrument_id, instrument_version)[0]
    candidate = pool_entries(session, instrument_id, instrument_version)
    latest = session.scalar(
        sa.select(PoolVersion)
        .filter_by(instrument_id=instrument_id, instrument_version=instrument_version)
        .order_by(PoolVersion.number.desc())
        .limit(1)
    )
    previous = latest.members if latest else []
    published = {(owner, aggregate) for owner, aggregate, _strata in previous}
    strata = _visible_strata(
        {e.owner: e.strata for e in candidate}, {o: tuple(s) for o, _a, s in previous}
    )
    members = {(e.owner, e.aggregate.id) for e in candidate}
    if pool_version_due(published, members, POOL_MIN_CHANGES, strata):
        latest = PoolVersion(
            instrument_id=instrument_id,
            instrument_version=instrument_version,
            number=(latest.number + 1) if latest else 1,
            published_on=today_utc(),
            members=sorted([e.owner, e.aggregate.id, list(e.strata)] for e in candidate),
        )
        session.add(latest)
        try:
            session.commit()
        except IntegrityError:  # another request published this version a moment ago
            session.rollback()
            return published_pool(session, instrument_id, instrument_version)
        return PublishedPool(latest, candidate)
    if latest is None:
        return PublishedPool(None, [])
    by_id = {e.aggregate.id: e for e in candidate}
    kept = [by_id.get(aggregate) for _owner, aggregate, _strata in latest.members]
    if any(entry is None for entry in kept):
        kept = _entries_by_id(session, [a for _o, a, _s in latest.members])
    if len(kept) < len(latest.members):
        return PublishedPool(latest, [], withdrawn=True)
    return PublishedPool(latest, kept)


def _visible_strata(*owners: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Each owner's filters, counting only those whose filtered view shows figures (a sector
    with fewer organisations than the pool minimum shows none, before or after)."""
    sizes: dict[str, int] = {}
    for mapping in owners:
        counted: dict[str, int] = {}
        for labels in mapping.values():
            for label in labels:
                counted[label] = counted.get(label, 0) + 1
        for label, count in counted.items():
            sizes[label] = max(sizes.get(label, 0), count)
    merged = {owner: labels for mapping in owners for owner, labels in mapping.items()}
    return {
        owner: [label for label in labels if sizes[label] >= POOL_MIN_ORGANISATIONS]
        for owner, labels in merged.items()
    }


def _entries_by_id(session: Session, ids: list[int]) -> list[PoolEntry]:
    """The entries of these aggregates (a version keeps an organisation's earlier round)."""
    rows = session.execute(
        sa.select(*AGGREGATE_COLUMNS, Organisation.id, Organisation.name)
        .outerjoin(Campaign, Campaign.id == RoundAggregate.campaign_id)
        .outerjoin(Organisation, Organisation.id == Campaign.organisation_id)
        .where(RoundAggregate.id.in_(ids))
        .order_by(RoundAggregate.id)
    )
    return _entries(rows)


# the pool reads kept aggregates as plain rows (their columns as attributes): lighter than
# mapped objects, and nothing here changes them
AGGREGATE_COLUMNS = tuple(RoundAggregate.__table__.c)


def _entries(rows) -> list[PoolEntry]:
    width = len(AGGREGATE_COLUMNS)
    entries = []
    for row in rows:
        aggregate = AggregateRow(*row[:width])
        org_id, name = row[width], row[width + 1]
        label = name if not aggregate.external else aggregate.label
        entries.append(PoolEntry(aggregate, org_id, label))
    return entries


def pool_for(session: Session, campaign: Campaign) -> tuple[list[dict], str | None]:
    """The benchmark pool for a round — the published version, without the round's own
    organisation — and the version's label."""
    pool = published_pool(session, campaign.instrument_id, campaign.instrument_version)
    entries = [
        {"external": entry.external, "dimensions": entry.aggregate.dimensions}
        for entry in pool.others(campaign.organisation_id)
    ]
    label = None
    if pool.version is not None:
        label = f"{pool.version.number} ({pool.version.published_on.isoformat()})"
    return entries, label


@dataclass(frozen=True)
class PoolStanding:
    """Where an organisation's overall score stands among the other organisations of the pool."""

    others: int  # organisations in the pool besides this one
    external: int  # of which imported from other pools
    percentile: float | None  # None while the pool is too small


class Standings:
    """Where organisations stand among the *other* organisations of a pool: each entry's overall
    mean is computed once, however many organisations are placed (the portfolio places all)."""

    def __init__(self, entries: list[PoolEntry]):
        self.count = len(entries)
        self.external = sum(1 for e in entries if e.external)
        self.own: dict[int | None, list[tuple[float, bool]]] = {}
        overalls = []
        for entry in entries:
            overalls.append(entry.overall)
            self.own.setdefault(entry.organisation_id, []).append((overalls[-1], entry.external))
        self.sorted = sorted(overalls)

    def of(self, organisation_id: int, overall: float) -> PoolStanding:
        """The standing; its percentile is ``percentileofscore(others, overall, kind="mean")``,
        counted on the sorted pool less the organisation's own entries (no copy per call)."""
        own = self.own.get(organisation_id, [])
        count = self.count - len(own)
        external = self.external - sum(1 for _value, imported in own if imported)
        if count < POOL_MIN_ORGANISATIONS or overall != overall:  # NaN: no place
            return PoolStanding(count, external, None)
        below = bisect.bisect_left(self.sorted, overall) - sum(v < overall for v, _e in own)
        at_most = bisect.bisect_right(self.sorted, overall) - sum(v <= overall for v, _e in own)
        return PoolStanding(count, external, (below + at_most) * 50.0 / count)


def standing(entries: list[PoolEntry], organisation_id: int, overall: float) -> PoolStanding:
    """An organisation's percentile among the other organisations' overall means."""
    return Standings(entries).of(organisation_id, overall)


@dataclass(frozen=True)
class PoolMarks:
    """A principle's marks among the pool's organisation means."""

    name: str
    median: float
    top25: float
    top10: float


@dataclass(frozen=True)
class PoolOverview:
    pool: PublishedPool
    entries: list[PoolEntry]  # the version's entries, filtered
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
    pool = published_pool(session, instrument.id, instrument.version)
    entries = [
        e
        for e in pool.entries
        if (sector is None or e.aggregate.sector == sector)
        and (size_band is None or e.aggregate.size_band == size_band)
    ]
    marks = []
    if len(entries) >= POOL_MIN_ORGANISATIONS:
        marks = [
            PoolMarks(dim.name[lang], *pool_marks([e.mean(dim.key) for e in entries]))
            for dim in instrument.dimensions
        ]
    sectors = sorted(filter(None, session.scalars(sa.select(Organisation.sector).distinct())))
    return PoolOverview(pool, entries, marks, sectors)


def kept_scores(session: Session, campaign: Campaign) -> dict[str, float] | None:
    """A closed round's score per principle from its kept aggregate (None without one)."""
    if campaign.status != "closed":
        return None
    kept = session.scalar(
        sa.select(RoundAggregate.dimensions).where(RoundAggregate.campaign_id == campaign.id)
    )
    return {key: figures["mean"] for key, figures in kept.items()} if kept else None
