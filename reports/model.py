"""Builds a round's release (:class:`reports.release.Release`) from its answers.

Everything a reader sees — on the page, in the PDF, the CSV, the JSON, the workbook and the deck —
comes from :func:`build_report`, so the outputs cannot disagree, and every figure passes the
round's audit here, in one place: the answers are first recoded so that no answer bin holds
1 … k−1 people (:func:`scoring.scores.release_points`), then every group and principle score is
published only where :func:`scoring.disclosure.audit_round` allows it.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reports import against, principles
from reports.groups import audit, breakdown, leaders_and_employees, segment_answers
from reports.principles import figure
from reports.release import (
    Basis,
    DriverPair,
    Drivers,
    DriverWeight,
    Links,
    Recommendation,
    Release,
)
from reports.team_comments import team_comments
from scoring.disclosure import audit_sets, enough
from scoring.drivers import key_drivers, why_not
from scoring.instrument import Instrument
from scoring.recommend import prioritise
from scoring.scores import release_points, respondent_outcome, respondent_scores, score_answers


@dataclass(frozen=True)
class Thresholds:
    """The policy numbers a release applies; the app passes its own (``survey.policy``)."""

    comment_min_group: int  # comments only from rounds with at least this many responses
    pool_min_organisations: int  # the benchmark section only from a pool this large
    significance: float  # a corrected p-value below this is a real difference


@dataclass
class RoundData:
    """What the database holds about one round, as arrays: no rows leave this object."""

    name: str
    offsets: np.ndarray  # respondents × items, answer − scale minimum, -1 missing
    segments: list[dict]  # each response's segment answers
    segment_questions: list[dict]  # [{"key": …, "options": […]}]
    min_group_size: int
    closed: bool  # figures are published only once a round has closed
    comments: list[str] = field(default_factory=list)
    # each comment's team in the organisation's tree (None: not recorded in one); empty: none
    comment_teams: list[str | None] = field(default_factory=list)
    aggregates: dict[str, dict] | None = None  # what was kept of a closed round, per principle
    purged: bool = False  # its answers were deleted: the report comes from ``aggregates``
    kept_n: int | None = None  # respondents of a purged round (from its aggregates)
    links: Links | None = None  # how the links reached people


def build_report(
    instrument: Instrument,
    current: RoundData,
    *,
    organisation: str,
    lang: str,
    previous: RoundData | None = None,
    thresholds: Thresholds,
    seed: int = 0,
    pool: list[dict[str, Any]] | None = None,
    pool_version: str | None = None,
    previous_actions: dict[str, list[dict]] | None = None,
) -> Release:
    """The round's release in ``lang``: every figure from the answers as the release counts them
    (no answer bin of 1 … k−1 people) and published only where the audit allows it."""
    if current.purged and current.aggregates:
        return _kept_release(
            instrument, current, organisation, lang, thresholds, pool, pool_version
        )
    n = int(current.offsets.shape[0])
    k = current.min_group_size
    head = Release(
        organisation,
        current.name,
        lang,
        n,
        k,
        needed=max(0, k - n),
        closed=current.closed,
        links=current.links,
        comment_min_group=thresholds.comment_min_group,
    )
    if not head.enough:
        return head
    points = release_points(current.offsets, instrument, k)
    result = score_answers(points, instrument)
    scores = respondent_scores(points, instrument)
    keys = [d.key for d in instrument.dimensions]
    answers = segment_answers(current.segment_questions, current.segments)
    audited = audit(current.segment_questions, answers, scores, keys, k)

    dimensions = tuple(
        principles.principle(
            instrument,
            dim,
            lang,
            k,
            points[~np.isnan(scores[:, d])][:, instrument.dimension_columns[dim.key]],
        )
        if audited.shown("total", dim.key)
        else principles.hidden(instrument, dim.key, lang)
        for d, dim in enumerate(result.dimensions)
    )
    outcome = drivers = drivers_missing = None
    advocacy = None
    if result.outcome is not None and enough(result.outcome.n, k):
        advocacy = respondent_outcome(points, instrument)
        answered = points[~np.isnan(advocacy)][:, instrument.outcome_columns]
        outcome = principles.principle(instrument, result.outcome, lang, k, answered)
        drivers = _drivers(
            key_drivers(scores, advocacy, keys, seed=seed), Basis(scored=(*keys, outcome.key))
        )
        drivers_missing = (why_not(scores, advocacy) or "no_spread") if drivers is None else None
    dimensions, outcome, drivers = _counted_sets(
        instrument, points, scores, advocacy, dimensions, outcome, drivers, k
    )
    comments, comment_teams, comments_hidden = (), (), bool(current.comments)
    comment_k = max(thresholds.comment_min_group, k)
    if n >= comment_k:
        # shuffled from the operating system's random source: nothing a reader sees (the round's
        # id, dates, the link) can redraw the order in which the comments were written. A
        # team's comments keep this order (reports.team_comments)
        order = list(range(len(current.comments)))
        random.SystemRandom().shuffle(order)
        comments, comments_hidden = tuple(current.comments[i] for i in order), False
        if len(current.comment_teams) == len(current.comments):
            comment_teams = tuple(current.comment_teams[i] for i in order)
    breakdowns = tuple(
        breakdown(q, answers[q["key"]], scores, keys, audited, lang)
        for q in current.segment_questions
    )
    return dataclasses.replace(
        head,
        overall=principles.overall(
            result.overall.statistic, result.overall.level, scores, dimensions
        ),
        dimensions=dimensions,
        outcome=outcome,
        drivers=drivers,
        drivers_missing=drivers_missing,
        recommendations=_recommendations(instrument, dimensions, drivers, pool, thresholds, lang),
        breakdowns=breakdowns,
        leaders=leaders_and_employees(
            current.segment_questions,
            answers,
            scores,
            keys,
            audited,
            thresholds.significance,
            lang,
            instrument.minimal_important_difference,
        ),
        trend=against.trend(
            instrument,
            previous,
            scores,
            dimensions,
            previous_actions or {},
            thresholds.significance,
        )
        if previous is not None
        else None,
        comments=comments,
        comments_hidden=comments_hidden,
        team_comments=team_comments(
            next((b for b in breakdowns if b.tree), None), n, comments, comment_teams, comment_k
        ),
        benchmark=_benchmark(dimensions, pool, pool_version, thresholds),
    )


def _counted_sets(instrument, points, scores, advocacy, dimensions, outcome, drivers, k):
    """The principles, advocacy and drivers, with the numbers of complete answers behind
    reliability and the drivers' n only where the audit of every counted set allows them.

    Each shown principle's n counts its people with a score, advocacy's likewise; the drivers'
    n those with every score, and a reliability's n those who also answered every statement.
    Together they can isolate a few people — the ones lacking two scores, as everyone − the
    scored on one − the scored on the other + the scored on both — so the optional counts are
    withheld (the figures stay) until :func:`scoring.disclosure.audit_sets` finds no such set.
    """
    shown = [(d, dim) for d, dim in enumerate(dimensions) if dim.shown]
    fixed = [~np.isnan(scores[:, d]) for d, _dim in shown]
    # each statement's "don't know" among the principle's scored people: its first count
    for d, dim in shown:
        scored = ~np.isnan(scores[:, d])
        columns = np.arange(points.shape[1])[instrument.dimension_columns[dim.key]]
        fixed += [scored & (points[:, c] < 0) for c in columns]
    if outcome is not None:
        fixed.append(~np.isnan(advocacy))
    optional, owners = [], []
    if drivers is not None:
        optional.append(~np.isnan(scores).any(axis=1) & ~np.isnan(advocacy))
        owners.append("drivers")
    for d, dim in shown:
        if dim.alpha_n is not None:
            columns = instrument.dimension_columns[dim.key]
            optional.append(~np.isnan(scores[:, d]) & (points[:, columns] >= 0).all(axis=1))
            owners.append(dim.key)
    if outcome is not None and outcome.alpha_n is not None:
        optional.append(
            ~np.isnan(advocacy) & (points[:, instrument.outcome_columns] >= 0).all(axis=1)
        )
        owners.append(outcome.key)
    if not optional:
        return dimensions, outcome, drivers
    kept = audit_sets(np.column_stack(fixed + optional), len(fixed), k)
    allowed = {owners[j - len(fixed)] for j in kept}
    if drivers is not None and "drivers" not in allowed:
        drivers = dataclasses.replace(drivers, n=None)

    def counted(dim):
        if dim.alpha_n is None or dim.key in allowed:
            return dim
        # Feldt's interval is an exact function of the count: withheld with it
        return dataclasses.replace(dim, alpha_n=None, alpha_ci95=None)

    dimensions = tuple(counted(dim) for dim in dimensions)
    return dimensions, counted(outcome) if outcome is not None else None, drivers


def _kept_release(
    instrument: Instrument,
    current: RoundData,
    organisation: str,
    lang: str,
    thresholds: Thresholds,
    pool: list[dict[str, Any]] | None,
    pool_version: str | None,
) -> Release:
    """The release of a round whose answers were deleted at the end of its retention period:
    what the kept aggregates hold — each principle's n, mean and SD, so its score, interval and
    level, the overall score, where to start and the benchmark. No statements, groups, drivers,
    trend or comments: they needed the answers."""
    n, k = int(current.kept_n or 0), current.min_group_size
    head = Release(
        organisation,
        current.name,
        lang,
        n,
        k,
        needed=max(0, k - n),
        closed=True,
        links=current.links,
        comment_min_group=thresholds.comment_min_group,
        purged=True,
    )
    if not head.enough:
        return head
    dimensions = []
    for dim in instrument.dimensions:
        kept = current.aggregates.get(dim.key) or {}
        if kept.get("mean") is None or not enough(int(kept.get("n") or 0), k):
            dimensions.append(principles.hidden(instrument, dim.key, lang))
        else:
            dimensions.append(
                principles.kept(
                    instrument, dim.key, lang, int(kept["n"]), kept["mean"], kept.get("sd")
                )
            )
    return dataclasses.replace(
        head,
        dimensions=tuple(dimensions),
        overall=principles.kept_overall(dimensions),
        recommendations=_recommendations(instrument, dimensions, None, pool, thresholds, lang),
        benchmark=_benchmark(dimensions, pool, pool_version, thresholds),
    )


def _benchmark(dimensions, pool, pool_version, thresholds: Thresholds):
    """The shown principles against the pool, only from a pool large enough to be shown."""
    if pool is None or len(pool) < thresholds.pool_min_organisations:
        return None
    shown = [d for d in dimensions if d.shown]
    return against.pool_comparison(shown, pool, pool_version, thresholds.pool_min_organisations)


def _recommendations(
    instrument: Instrument,
    dimensions,
    drivers: Drivers | None,
    pool,
    thresholds: Thresholds,
    lang: str,
) -> tuple[Recommendation, ...]:
    """Where to start: the shown principles by relative weight × gap to the target."""
    weights = {p.key: p.weight for p in drivers.principles} if drivers else {}
    picks = prioritise(
        instrument,
        principles.scores_by_key(dimensions),
        weights,
        targets=against.targets(pool, thresholds.pool_min_organisations),
        intervals={d.key: d.ci95 for d in dimensions if d.shown and d.ci95},
    )
    return tuple(
        Recommendation(
            p.dimension,
            p.level,
            p.recommendation.key,
            p.recommendation.text[lang],
            priority=figure(p.priority),
            driver=figure(p.driver),
            target=figure(p.target),
            gap=figure(p.gap),
        )
        for p in picks
    )


def _drivers(found, rests_on: Basis) -> Drivers | None:
    """Relative weights as the release carries them, strongest first, with every two of them
    against each other; None when :func:`scoring.drivers.why_not` gives a reason."""
    if found is None:
        return None
    rows = sorted(
        (
            DriverWeight(
                key,
                weight=figure(found.weights[i]),
                share=figure(found.shares[i]),
                low=figure(found.low[i]),
                high=figure(found.high[i]),
                share_low=figure(found.share_low[i]),
                share_high=figure(found.share_high[i]),
                chance_low=figure(found.chance_low[i]),
                chance_high=figure(found.chance_high[i]),
                beyond_chance=bool(found.beyond_chance[i]),
            )
            for i, key in enumerate(found.keys)
        ),
        key=lambda row: -row.weight,
    )
    index = {key: i for i, key in enumerate(found.keys)}
    pairs = tuple(
        DriverPair(
            a.key,
            b.key,
            figure(found.weights[index[a.key]] - found.weights[index[b.key]]),
            figure(found.pair_low[index[a.key], index[b.key]]),
            figure(found.pair_high[index[a.key], index[b.key]]),
            found.apart(index[a.key], index[b.key]),
        )
        for at, a in enumerate(rows)
        for b in rows[at + 1 :]
    )
    return Drivers(
        found.n, figure(found.r_squared), found.resamples, tuple(rows), rests_on, pairs
    )


__all__ = [
    "Release",
    "RoundData",
    "Thresholds",
    "build_report",
]
