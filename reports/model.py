"""The maturity report as plain data, built from scoring results.

Everything a reader sees — on the page, in the PDF, the CSV and the JSON — comes from
:func:`build_report`, so the outputs cannot disagree, and every figure passes the campaign's
minimum group size here, in one place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reports.groups import audit, breakdown, figure, leaders_and_employees, segment_answers
from scoring.benchmark import (
    benjamini_hochberg,
    pool_position,
    welch,
    welch_from_stats,
)
from scoring.disclosure import enough, merge_small_bins
from scoring.drivers import key_drivers
from scoring.instrument import Instrument
from scoring.recommend import prioritise
from scoring.reliability import (
    ITEM_REST_FLAG,
    RELIABILITY_MIN_N,
    item_rest_correlations,
    mcdonald_omega,
)
from scoring.scores import (
    LEVEL_NAMES,
    maturity_level,
    points_from_offsets,
    respondent_outcome,
    respondent_scores,
    score_answers,
    t_interval,
)

ALPHA_WARNING = 0.7


@dataclass(frozen=True)
class Thresholds:
    """The policy numbers a report applies; the app passes its own (``survey.policy``)."""

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
    aggregates: dict[str, dict] | None = None  # what was kept of a closed round, per principle
    purged: bool = False  # its answers were deleted: the report comes from ``aggregates``
    kept_n: int | None = None  # respondents of a purged round (from its aggregates)
    # how the links reached people: {"personal": created, "after_open": …, "open_link": bool}
    links: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    organisation: str
    campaign: str
    lang: str
    n_responses: int
    min_group_size: int
    needed: int  # responses still needed before any figure is shown (0 = enough)
    closed: bool = True  # an open round shows its participation only
    links: dict[str, Any] = field(default_factory=dict)
    overall: dict[str, Any] | None = None
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None
    # relative weights for advocacy: {"n", "r_squared", "principles": [{key, weight, share, low,
    # high}]}; None when fewer than 30 people have complete data (too few to tell)
    drivers: dict[str, Any] | None = None
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    breakdowns: list[dict[str, Any]] = field(default_factory=list)
    leaders: dict[str, Any] | None = None
    trend: dict[str, Any] | None = None
    comments: list[str] = field(default_factory=list)
    comments_hidden: bool = False
    comment_min_group: int = 0
    benchmark: dict[str, Any] | None = None
    purged: bool = False  # from the aggregates kept after the answers were deleted

    @property
    def enough(self) -> bool:
        """Whether the report shows figures: the round has closed with at least k responses."""
        return self.closed and self.needed == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON: the ``ambassador score`` contract extended with segments, trend, drivers and
        recommendations. Aggregates only; nothing per respondent."""
        if not self.enough:
            return {
                "organisation": self.organisation,
                "campaign": self.campaign,
                "n_respondents": self.n_responses,
                "min_group_size": self.min_group_size,
                "closed": self.closed,
                "responses_needed": self.needed,
                "links": self.links,
            }
        return {
            "organisation": self.organisation,
            "campaign": self.campaign,
            "n_respondents": self.n_responses,
            "min_group_size": self.min_group_size,
            "links": self.links,
            "purged": self.purged,
            "dimensions": [_public(d) for d in self.dimensions],
            "overall": self.overall,
            "outcome": _public(self.outcome) if self.outcome else None,
            "drivers": self.drivers,
            "recommendations": self.recommendations,
            "segments": self.breakdowns,
            "leaders_vs_employees": self.leaders,
            "trend": self.trend,
            "benchmark": self.benchmark,
        }


def _public(dimension: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in dimension.items() if k not in ("items", "name", "description")}


_f = figure


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
) -> Report:
    if current.purged and current.aggregates:
        return _kept_report(
            instrument,
            current,
            organisation=organisation,
            lang=lang,
            thresholds=thresholds,
            pool=pool,
            pool_version=pool_version,
        )
    n = int(current.offsets.shape[0])
    k = current.min_group_size
    report = Report(
        organisation,
        current.name,
        lang,
        n,
        k,
        needed=max(0, k - n),
        closed=current.closed,
        links=dict(current.links),
        comment_min_group=thresholds.comment_min_group,
    )
    if not report.enough:
        return report
    points = points_from_offsets(current.offsets, instrument)
    result = score_answers(points, instrument)
    scores = respondent_scores(points, instrument)
    keys = [d.key for d in instrument.dimensions]
    answers = segment_answers(current.segment_questions, current.segments)
    audited = audit(current.segment_questions, answers, scores, keys, k)

    report.dimensions = [
        _dimension(instrument, dim, lang, k, points[:, instrument.dimension_columns[dim.key]])
        if audited.shown("total", dim.key)
        else _hidden_dimension(instrument, dim.key, lang)
        for dim in result.dimensions
    ]
    report.overall = _overall(result, scores, report.dimensions)
    if result.outcome is not None and enough(result.outcome.n, k):
        report.outcome = _dimension(
            instrument, result.outcome, lang, k, points[:, instrument.outcome_columns]
        )
        outcome = respondent_outcome(points, instrument)
        found = key_drivers(scores, outcome, keys, seed=seed)
        report.drivers = _drivers(found) if found is not None else None
    weights = {row["key"]: row["weight"] for row in (report.drivers or {}).get("principles", [])}
    shown = {d["key"] for d in report.dimensions if d["shown"]}
    picks = prioritise(
        instrument,
        {d.key: d.statistic for d in result.dimensions if d.key in shown},
        weights,
        targets=_targets(pool, thresholds),
    )
    report.recommendations = [_recommendation(p, lang) for p in picks]
    report.breakdowns = [
        breakdown(q, answers[q["key"]], scores, keys, audited, lang)
        for q in current.segment_questions
    ]
    report.leaders = leaders_and_employees(
        current.segment_questions, answers, scores, keys, audited, thresholds.significance, lang
    )
    if previous is not None:
        report.trend = _trend(
            instrument, previous, scores, report.dimensions, previous_actions or {}, thresholds
        )
    if pool is not None and len(pool) >= thresholds.pool_min_organisations:
        report.benchmark = pool_comparison([d for d in report.dimensions if d["shown"]], pool)
        report.benchmark["version"] = pool_version
    if n >= max(thresholds.comment_min_group, k):
        report.comments = list(current.comments)
        random.Random(seed).shuffle(report.comments)
    else:
        report.comments_hidden = bool(current.comments)
    return report


def _kept_report(
    instrument: Instrument,
    current: RoundData,
    *,
    organisation: str,
    lang: str,
    thresholds: Thresholds,
    pool: list[dict[str, Any]] | None,
    pool_version: str | None,
) -> Report:
    """The report of a round whose answers were deleted at the end of its retention period:
    what the kept aggregates hold — each principle's n, mean and SD, so its score, interval and
    level, the overall score, where to start and the benchmark. No statements, groups, drivers,
    trend or comments: they needed the answers."""
    n, k = int(current.kept_n or 0), current.min_group_size
    report = Report(
        organisation,
        current.name,
        lang,
        n,
        k,
        needed=max(0, k - n),
        closed=True,
        links=dict(current.links),
        comment_min_group=thresholds.comment_min_group,
        purged=True,
    )
    if not report.enough:
        return report
    for dim in instrument.dimensions:
        kept = current.aggregates.get(dim.key) or {}
        if kept.get("mean") is None or not enough(int(kept.get("n") or 0), k):
            report.dimensions.append(_hidden_dimension(instrument, dim.key, lang))
            continue
        sd = kept["sd"] if kept.get("sd") is not None else np.nan
        low, high = t_interval(kept["mean"], sd, int(kept["n"]), 0.95)
        _items, name, description = _names(instrument, dim.key, lang)
        level = int(maturity_level(kept["mean"]))
        report.dimensions.append(
            {
                "key": dim.key,
                "name": name,
                "description": description,
                "shown": True,
                "kept": True,
                "n": int(kept["n"]),
                "score": _f(kept["mean"]),
                "sd": _f(sd),
                "ci95": [_f(low), _f(high)] if not np.isnan(low) else None,
                "level": level,
                "level_name": LEVEL_NAMES.get(level),
                "levels": _levels(low, high, level),
                "favourable": None,
                "neutral": None,
                "unfavourable": None,
                "alpha": None,
                "alpha_ci95": None,
                "alpha_warning": False,
                "omega": None,
                "omega_ci95": None,
                "items": [],
            }
        )
    if all(d["shown"] for d in report.dimensions):
        overall = float(np.mean([d["score"] for d in report.dimensions]))
        level = int(maturity_level(overall))
        report.overall = {
            "score": overall,
            "ci95": [None, None],  # needs each respondent's scores, which are gone
            "level": level,
            "level_name": LEVEL_NAMES.get(level),
        }
    picks = prioritise(
        instrument,
        {d["key"]: d["score"] for d in report.dimensions if d["shown"]},
        {},
        targets=_targets(pool, thresholds),
    )
    report.recommendations = [_recommendation(p, lang) for p in picks]
    if pool is not None and len(pool) >= thresholds.pool_min_organisations:
        report.benchmark = pool_comparison([d for d in report.dimensions if d["shown"]], pool)
        report.benchmark["version"] = pool_version
    return report


def _recommendation(p, lang: str) -> dict[str, Any]:
    return {
        "dimension": p.dimension,
        "level": p.level,
        "key": p.recommendation.key,
        "text": p.recommendation.text[lang],
        "priority": _f(p.priority),
        "driver": _f(p.driver),
        "target": _f(p.target),
        "gap": _f(p.gap),
    }


def _drivers(found) -> dict[str, Any]:
    """Relative weights as the report carries them, strongest first."""
    rows = [
        {
            "key": key,
            "weight": _f(found.weights[i]),
            "share": _f(found.shares[i]),
            "low": _f(found.low[i]),
            "high": _f(found.high[i]),
        }
        for i, key in enumerate(found.keys)
    ]
    rows.sort(key=lambda row: -row["weight"])
    return {
        "n": found.n,
        "r_squared": _f(found.r_squared),
        "resamples": found.resamples,
        "principles": rows,
    }


def _targets(pool: list[dict[str, Any]] | None, thresholds: Thresholds) -> dict[str, float] | None:
    """Per principle, the top-25 % mark of the pool's organisation means (the target of "where to
    start") — only from a pool large enough to be shown."""
    if pool is None or len(pool) < thresholds.pool_min_organisations:
        return None
    keys = {key for entry in pool for key in entry["dimensions"]}
    targets = {}
    for key in keys:
        means = [
            entry["dimensions"][key]["mean"]
            for entry in pool
            if entry["dimensions"].get(key, {}).get("mean") is not None
        ]
        if len(means) >= thresholds.pool_min_organisations:
            targets[key] = float(np.percentile(means, 75))
    return targets


def _names(instrument: Instrument, key: str, lang: str):
    if key == "outcome":
        return instrument.outcomes, {"en": "Advocacy", "nl": "Ambassadeurschap"}[lang], ""
    source = instrument.dimension(key)
    return source.items, source.name[lang], source.description.get(lang, "")


def _hidden_dimension(instrument: Instrument, key: str, lang: str) -> dict[str, Any]:
    """A principle whose score rests on fewer than k respondents: its name, and no figure."""
    _items, name, description = _names(instrument, key, lang)
    return {"key": key, "name": name, "description": description, "shown": False}


def _dimension(
    instrument: Instrument, dim, lang: str, k: int, block: np.ndarray | None = None
) -> dict[str, Any]:
    low, high = dim.confidence_interval()
    # reliability only from 30 complete respondents: below that its interval spans most of [0, 1]
    reliable = dim.alpha is not None and dim.alpha.n >= RELIABILITY_MIN_N
    alpha = dim.alpha.statistic if reliable else np.nan
    alpha_ci = dim.alpha.confidence_interval() if reliable else (np.nan, np.nan)
    item_rest = (
        item_rest_correlations(block)
        if block is not None and reliable
        else np.full(len(_names(instrument, dim.key, lang)[0]), np.nan)
    )
    items, name, description = _names(instrument, dim.key, lang)
    omega = mcdonald_omega(block) if block is not None and reliable else None
    return {
        "key": dim.key,
        "name": name,
        "description": description,
        "shown": True,
        "n": dim.n,
        "score": _f(dim.statistic),
        "sd": _f(dim.sd),
        "ci95": [_f(low), _f(high)] if not np.isnan(low) else None,
        "level": dim.level,
        "level_name": LEVEL_NAMES.get(dim.level),
        "levels": _levels(low, high, dim.level),
        "favourable": _f(dim.favourable),
        "neutral": _f(dim.neutral),
        "unfavourable": _f(dim.unfavourable),
        "alpha": _f(alpha),
        "alpha_ci95": [_f(alpha_ci[0]), _f(alpha_ci[1])] if not np.isnan(alpha) else None,
        "alpha_n": int(dim.alpha.n) if dim.alpha is not None else 0,
        # the warning looks at the interval: reliability may well be below 0.7
        "alpha_warning": bool(not np.isnan(alpha) and alpha_ci[0] < ALPHA_WARNING),
        "omega": _f(omega.statistic) if omega is not None else None,
        "omega_ci95": [_f(omega.low), _f(omega.high)] if omega is not None else None,
        "items": [
            {
                "key": item.key,
                "text": item.text[lang],
                "reverse": item.reverse,
                "item_rest": _f(item_rest[i]),
                "weak": bool(not np.isnan(item_rest[i]) and item_rest[i] < ITEM_REST_FLAG),
                # what people answered, in the scale's order (for a reverse-keyed statement,
                # agreeing is unfavourable); no answer given by 1 … k−1 people stands on its own
                "counts": [0, *_as_answered(dim.distribution[i][1:].tolist(), k, item.reverse)],
            }
            for i, item in enumerate(items)
        ],
    }


def _as_answered(keyed: list[int], k: int, reverse: bool) -> list[int]:
    """An item's answer counts as people gave them: the scored distribution is after reverse
    keying, so a reverse-keyed item's counts are turned back to the scale's order."""
    merged = merge_small_bins(keyed, k)
    return merged[::-1] if reverse else merged


def _levels(low: float, high: float, level: int) -> list[int]:
    """The maturity levels the 95 % interval spans ([2, 3] reads "level 2–3"): one level only
    when the whole interval lies in its band."""
    if low is None or high is None or np.isnan(low) or np.isnan(high):
        return [int(level)]
    return [int(maturity_level(low)), int(maturity_level(high))]


def _overall(result, scores: np.ndarray, dimensions: list[dict]) -> dict[str, Any] | None:
    """The mean of the principle scores — only when every principle's score is shown (else the
    overall and the shown ones would give the hidden one away)."""
    if not all(d["shown"] for d in dimensions):
        return None
    # its interval's width comes from the respondents who have a score on every principle
    per_respondent = scores[~np.isnan(scores).any(axis=1)].mean(axis=1)
    sd = per_respondent.std(ddof=1) if per_respondent.size > 1 else np.nan
    low, high = t_interval(result.overall.statistic, sd, per_respondent.size, 0.95)
    return {
        "score": _f(result.overall.statistic),
        "ci95": [_f(low), _f(high)],
        "level": result.overall.level,
        "level_name": LEVEL_NAMES.get(result.overall.level),
        "levels": _levels(low, high, result.overall.level),
    }


def _before(instrument, previous: RoundData) -> dict[str, tuple] | None:
    """The previous round's published principle figures: (mean, sd, n) or, from its answers, the
    respondent scores — for the principles it showed (k or more scored)."""
    k = previous.min_group_size
    if previous.offsets.shape[0] >= k:
        scores = respondent_scores(points_from_offsets(previous.offsets, instrument), instrument)
        columns = {d.key: scores[:, i] for i, d in enumerate(instrument.dimensions)}
        return {
            key: ("raw", column[~np.isnan(column)])
            for key, column in columns.items()
            if enough(int(np.count_nonzero(~np.isnan(column))), k)
        }
    if previous.aggregates:
        return {key: ("kept", kept) for key, kept in previous.aggregates.items() if kept["n"] >= k}
    return None


def _trend(
    instrument, previous: RoundData, scores, dimensions, actions, thresholds: Thresholds
) -> dict[str, Any] | None:
    """Each principle's change since the previous round: Welch's test (the same test the
    comparison of two rounds uses), BH-corrected across the principles, the difference with its
    95 % interval and Hedges' g with its interval. A change is called real only when the corrected
    p is below the significance level *and* it is at least the instrument's minimal important
    difference (3 points by default): with thousands of people, tiny changes are significant.

    From the previous round's answers while they exist; after they were purged, from the
    aggregates kept of it (Welch's t from summary statistics gives the same test). Only for the
    principles both rounds show.
    """
    before = _before(instrument, previous)
    if before is None:
        return None
    keys = [d.key for d in instrument.dimensions]
    rows, tests = [], []
    for d, key in enumerate(keys):
        if key not in before or not dimensions[d]["shown"]:
            continue
        now = scores[:, d][~np.isnan(scores[:, d])]
        kind, figures = before[key]
        if kind == "raw":
            test, mean = welch(figures, now), figures.mean()
        else:
            sd = figures["sd"] if figures["sd"] is not None else np.nan
            test = welch_from_stats(
                figures["mean"], sd, figures["n"], now.mean(), now.std(ddof=1), now.size
            )
            mean = figures["mean"]
        tests.append(test)
        rows.append({"key": key, "before": _f(mean), "now": _f(now.mean())})
    if not rows:
        return None
    adjusted = benjamini_hochberg([t.pvalue for t in tests])
    for row, test, p in zip(rows, tests, adjusted, strict=True):
        significant = bool(not np.isnan(p) and p < thresholds.significance)
        important = bool(abs(test.difference) >= instrument.minimal_important_difference)
        row.update(
            difference=_f(test.difference),
            difference_ci95=[_f(test.ci_low), _f(test.ci_high)],
            pvalue=_f(test.pvalue),
            pvalue_bh=_f(p),
            effect_size=_f(test.effect_size),
            effect_size_ci95=[_f(test.g_low), _f(test.g_high)],
            statistically_significant=significant,
            significant=significant and important,  # real: significant and large enough
            actions=actions.get(row["key"], []),
        )
    kinds = {kind for kind, _figures in before.values()}
    return {
        "previous": previous.name,
        "from_aggregates": kinds == {"kept"},
        "minimal_important_difference": instrument.minimal_important_difference,
        "dimensions": rows,
    }


TOP10_MIN_ORGANISATIONS = 10  # a top-10 % mark needs at least ten organisations to mean anything


def pool_comparison(dimensions: list[dict[str, Any]], pool: list[dict[str, Any]]) -> dict:
    """Each principle against the pool's *organisations* (one mean per organisation, as Culture
    Amp, Glint, Peakon and Qualtrics benchmark): percentile rank among the organisation means
    (``percentileofscore(kind="mean")``), their median, top-25 % and (from ten organisations)
    top-10 % marks. The round is "above" or "below" the pool only when its whole 95 % interval lies
    above or below the pool's median; otherwise "within". No test against the pool's respondents
    as one sample: 9–27 % of the variance lies between organisations, which such a test ignores.

    ``pool`` holds one entry per organisation: ``{"external": bool, "dimensions": {key: {"n",
    "mean", "sd", …}}}``.
    """
    rows = []
    for dim in dimensions:
        means = [
            entry["dimensions"][dim["key"]]["mean"]
            for entry in pool
            if entry["dimensions"].get(dim["key"], {}).get("mean") is not None
        ]
        position = pool_position(dim["score"], means)
        low, high = dim["ci95"] or (None, None)
        if low is not None and low > position.median:
            verdict = "above"
        elif high is not None and high < position.median:
            verdict = "below"
        else:
            verdict = "within"
        rows.append(
            {
                "key": dim["key"],
                "organisations": len(means),
                "percentile": _f(position.percentile),
                "median": _f(position.median),
                "top25": _f(position.top25),
                "top10": _f(position.top10) if len(means) >= TOP10_MIN_ORGANISATIONS else None,
                "difference": _f(dim["score"] - position.median),
                "verdict": verdict,
            }
        )
    return {
        "organisations": len(pool),
        "external": sum(bool(e.get("external")) for e in pool),
        "dimensions": rows,
    }


__all__ = [
    "Report",
    "RoundData",
    "Thresholds",
    "build_report",
    "maturity_level",
    "pool_comparison",
]
