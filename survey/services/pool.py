"""The benchmark pool, in one place: which rounds count, their kept aggregates, the pool's
statistics and its minimum size.

A closed round is reduced to aggregates (per principle n, mean, SD and a ten-bin score distribution)
when it closes. The pool is the latest closed round of each organisation with at least *k*
responses, plus rounds imported from other pools (marked external; see
:mod:`survey.services.exchange`). Percentiles and marks are shown only once the pool holds
:data:`~survey.policy.POOL_MIN_ORGANISATIONS` organisations.

Readers see the pool in published versions only. The lifecycle publishes the next one (a round
closes, an organisation is erased, ``ambassador benchmark publish`` or ``import``) once it is due;
reading the pool never writes. Each view of a version — the whole pool, a sector, a size band,
both — is offered only when it moved by none or at least three organisations since every earlier
version that offered it (:mod:`survey.services.pool_history`).
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

from scoring.benchmark import pool_spread, score_bins
from scoring.disclosure import merge_small_bins, pool_version_due
from scoring.instrument import Instrument, measure_versions
from scoring.scores import release_points, respondent_scores
from scoring.shrinkage import shrunken_means
from scoring.structure import round_structure
from survey.models import (
    Campaign,
    CampaignStatus,
    Organisation,
    PoolVersion,
    RoundAggregate,
    today_utc,
)
from survey.policy import POOL_MIN_CHANGES, POOL_MIN_ORGANISATIONS
from survey.services import pool_history
from survey.services.campaigns import campaign_instrument
from survey.services.responses import answers_and_languages

AggregateRow = namedtuple("AggregateRow", [c.name for c in RoundAggregate.__table__.c])


@dataclass(frozen=True)
class PoolEntry:
    aggregate: AggregateRow  # a kept aggregate's columns
    organisation_id: int | None  # None for an imported round
    organisation: str | None  # None for an imported round without a name

    @property
    def external(self) -> bool:
        return self.aggregate.external

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
    def strata(self) -> list[str]:
        """The labels a pool version keeps with this entry: the views it falls in."""
        return pool_history.strata(self.aggregate.sector, self.aggregate.size_band)


def round_figures(
    session: Session, campaign: Campaign
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Respondents, per-principle aggregates and what the instrument check keeps of a round
    (:func:`scoring.structure.round_structure`), from its answers."""
    instrument = campaign_instrument(campaign)
    offsets, spoken = answers_and_languages(session, campaign)
    # the answers as the round's release counts them, so the kept figures are the report's
    points = release_points(offsets, instrument, campaign.min_group_size)
    scores = respondent_scores(points, instrument)
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
    structure = round_structure(
        points, spoken, tuple(campaign.languages), campaign.min_group_size, instrument
    )
    return int(scores.shape[0]), figures, structure


def store_aggregate(session: Session, campaign: Campaign) -> RoundAggregate | None:
    """Compute and keep a closed round's aggregates (none below its minimum group size)."""
    n, figures, structure = round_figures(session, campaign)
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
    aggregate.n, aggregate.dimensions, aggregate.structure = n, figures, structure
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
        .where(Campaign.status == CampaignStatus.CLOSED)
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
    """The pool of an instrument version as HR and consultants may see it: its latest published
    version. Reading the pool never publishes one (see :func:`add_pool_version`)."""
    instrument_id, instrument_version = pool_of(instrument_id, instrument_version)
    latest = session.scalar(
        _versions(instrument_id, instrument_version).order_by(PoolVersion.number.desc()).limit(1)
    )
    if latest is None:
        return PublishedPool(None, [])
    kept = _entries_by_id(session, [aggregate for _owner, aggregate, _labels in latest.members])
    if len(kept) < len(latest.members):
        return PublishedPool(latest, [], withdrawn=True)
    return PublishedPool(latest, kept)


def pool_of(instrument_id: str, instrument_version: str) -> tuple[str, str]:
    """The pool a round of this instrument version joins. One pool per measure, named by its
    oldest version: rounds of later versions that differ only in wording join the first's."""
    return instrument_id, measure_versions(instrument_id, instrument_version)[0]


def _versions(instrument_id: str, instrument_version: str) -> sa.Select:
    return sa.select(PoolVersion).filter_by(
        instrument_id=instrument_id, instrument_version=instrument_version
    )


def add_pool_version(
    session: Session, instrument_id: str, instrument_version: str
) -> PoolVersion | None:
    """Add the pool's next version to the session when it is due; None when it is not.

    A version is due once at least three organisations' entries differ from the last version,
    and the whole pool differs from every earlier showing of it by none or at least three
    (:func:`~scoring.disclosure.pool_version_due`); which views by sector and size band it
    offers follows from its members (:mod:`survey.services.pool_history`). This is the
    lifecycle's step (a round closes, ``ambassador benchmark publish``); the caller commits.
    """
    instrument_id, instrument_version = pool_of(instrument_id, instrument_version)
    for _attempt in range(2):
        versions = session.scalars(
            _versions(instrument_id, instrument_version).order_by(PoolVersion.number)
        ).all()
        history = pool_history.replay(v.members for v in versions)
        last = {(o, a) for o, a, _labels in versions[-1].members} if versions else set()
        candidate = pool_entries(session, instrument_id, instrument_version)
        members = {(e.owner, e.aggregate.id) for e in candidate}
        shown = history.shown_before.get(pool_history.WHOLE_POOL, [])
        if not pool_version_due(last, members, POOL_MIN_CHANGES, shown):
            return None
        version = PoolVersion(
            instrument_id=instrument_id,
            instrument_version=instrument_version,
            number=(versions[-1].number + 1) if versions else 1,
            published_on=today_utc(),
            members=sorted([e.owner, e.aggregate.id, e.strata] for e in candidate),
        )
        try:
            with session.begin_nested():
                session.add(version)
        except IntegrityError:  # another server published this number a moment ago: look again
            continue
        return version
    return None


def pools(session: Session) -> set[tuple[str, str]]:
    """Every pool that has entries or published versions."""
    named = session.execute(
        sa.union(
            sa.select(RoundAggregate.instrument_id, RoundAggregate.instrument_version),
            sa.select(PoolVersion.instrument_id, PoolVersion.instrument_version),
        )
    )
    return {pool_of(instrument_id, version) for instrument_id, version in named}


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
    """A principle's marks among the pool's organisation means (None: too few organisations):
    its whole spread, from the bottom-10 % to the top-10 % mark."""

    name: str
    bottom10: float | None
    bottom25: float | None
    median: float | None
    top25: float | None
    top10: float | None


@dataclass(frozen=True)
class PoolOverview:
    pool: PublishedPool
    entries: list[PoolEntry]  # the view's entries in this version (none when withheld)
    marks: list[PoolMarks]  # empty unless the view is offered
    sectors: list[str]  # every sector known here, for the filter
    status: str = "too_small"  # "offered", "withheld" (see pool_history) or "too_small"


def pool_overview(
    session: Session,
    instrument: Instrument,
    lang: str,
    *,
    sector: str | None = None,
    size_band: str | None = None,
) -> PoolOverview:
    """One view of the published pool — the whole pool, a sector, a size band or both — with
    its marks per principle when the version offers that view (reads only)."""
    pool = published_pool(session, instrument.id, instrument.version)
    sectors = sorted(filter(None, session.scalars(sa.select(Organisation.sector).distinct())))
    if pool.version is None or pool.withdrawn:
        return PoolOverview(pool, [], [], sectors)
    view = (sector, size_band)
    history = pool_history.replay(
        v.members
        for v in session.scalars(
            _versions(pool.version.instrument_id, pool.version.instrument_version)
            .where(PoolVersion.number <= pool.version.number)
            .order_by(PoolVersion.number)
        )
    )
    if view in history.latest.withheld:
        return PoolOverview(pool, [], [], sectors, "withheld")
    # the view's members as the version keeps them, not as the aggregates say today
    members = pool_history.members_by_view(pool.version.members).get(view, set())
    entries = [e for e in pool.entries if (e.owner, e.aggregate.id) in members]
    if view not in history.latest.offered:
        return PoolOverview(pool, entries, [], sectors)
    marks = [
        PoolMarks(dim.name[lang], *_shown(shrunken_marks(entries, dim.key)))
        for dim in instrument.dimensions
    ]
    return PoolOverview(pool, entries, marks, sectors, "offered")


def shrunken_marks(entries: list[PoolEntry], key: str) -> tuple[float, ...]:
    """A principle's five marks (:func:`scoring.benchmark.pool_spread`) among the entries' means
    shrunk by empirical Bayes, as the report's benchmark takes them
    (:func:`scoring.shrinkage.shrunken_means`)."""
    figures = [e.aggregate.dimensions[key] for e in entries]

    def known(value) -> float:
        return np.nan if value is None else float(value)

    shrunk = shrunken_means(
        [f["mean"] for f in figures],
        [known(f.get("n")) for f in figures],
        [known(f.get("sd")) for f in figures],
    )
    return pool_spread(shrunk.means, POOL_MIN_ORGANISATIONS)


def _shown(marks: tuple[float, ...]) -> tuple[float | None, ...]:
    return tuple(None if mark != mark else mark for mark in marks)  # NaN: not shown


def kept_scores(session: Session, campaign: Campaign) -> dict[str, float] | None:
    """A closed round's score per principle from its kept aggregate (None without one)."""
    if not campaign.is_closed:
        return None
    kept = session.scalar(
        sa.select(RoundAggregate.dimensions).where(RoundAggregate.campaign_id == campaign.id)
    )
    return {key: figures["mean"] for key, figures in kept.items()} if kept else None
