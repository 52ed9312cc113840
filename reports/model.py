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

from scoring.benchmark import (
    benjamini_hochberg,
    combine_summaries,
    pool_position,
    welch,
    welch_from_stats,
)
from scoring.drivers import key_drivers
from scoring.instrument import Instrument
from scoring.privacy import NOT_ANSWERED, suppress
from scoring.recommend import prioritise
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
    comments: list[str] = field(default_factory=list)
    aggregates: dict[str, dict] | None = None  # what was kept of a purged round, per principle


@dataclass
class Report:
    organisation: str
    campaign: str
    lang: str
    n_responses: int
    min_group_size: int
    needed: int  # responses still needed before any figure is shown (0 = enough)
    overall: dict[str, Any] | None = None
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None
    drivers: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    breakdowns: list[dict[str, Any]] = field(default_factory=list)
    leaders: dict[str, Any] | None = None
    trend: dict[str, Any] | None = None
    comments: list[str] = field(default_factory=list)
    comments_hidden: bool = False
    comment_min_group: int = 0
    benchmark: dict[str, Any] | None = None

    @property
    def enough(self) -> bool:
        return self.needed == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON: the ``ambassador score`` contract extended with segments, trend, drivers and
        recommendations. Aggregates only; nothing per respondent."""
        if not self.enough:
            return {
                "organisation": self.organisation,
                "campaign": self.campaign,
                "n_respondents": self.n_responses,
                "min_group_size": self.min_group_size,
                "responses_needed": self.needed,
            }
        return {
            "organisation": self.organisation,
            "campaign": self.campaign,
            "n_respondents": self.n_responses,
            "min_group_size": self.min_group_size,
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


def _r(value, digits=2):
    return None if value is None or np.isnan(value) else round(float(value), digits)


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
    previous_actions: dict[str, list[dict]] | None = None,
) -> Report:
    n = int(current.offsets.shape[0])
    k = current.min_group_size
    report = Report(
        organisation,
        current.name,
        lang,
        n,
        k,
        needed=max(0, k - n),
        comment_min_group=thresholds.comment_min_group,
    )
    if not report.enough:
        return report
    points = points_from_offsets(current.offsets, instrument)
    result = score_answers(points, instrument)
    scores = respondent_scores(points, instrument)
    keys = [d.key for d in instrument.dimensions]

    report.dimensions = [_dimension(instrument, dim, lang) for dim in result.dimensions]
    # The overall score is the mean of the principle scores; its interval's width comes from the
    # respondents who have a score on every principle.
    per_respondent = scores[~np.isnan(scores).any(axis=1)].mean(axis=1)
    sd = per_respondent.std(ddof=1) if per_respondent.size > 1 else np.nan
    low, high = t_interval(result.overall.statistic, sd, per_respondent.size, 0.95)
    report.overall = {
        "score": _r(result.overall.statistic),
        "ci95": [_r(low), _r(high)],
        "level": result.overall.level,
        "level_name": LEVEL_NAMES.get(result.overall.level),
    }
    if result.outcome is not None and result.outcome.n:
        report.outcome = _dimension(instrument, result.outcome, lang)
        outcome = respondent_outcome(points, instrument)
        drivers = key_drivers(scores, outcome, keys)
        report.drivers = [
            {"key": d.key, "rho": _r(d.statistic, 3), "pvalue": _r(d.pvalue, 4), "n": d.n}
            for d in drivers
        ]
    strengths = {d["key"]: (d["rho"] if d["rho"] is not None else np.nan) for d in report.drivers}
    picks = prioritise(instrument, {d.key: d.statistic for d in result.dimensions}, strengths)
    report.recommendations = [
        {
            "dimension": p.dimension,
            "level": p.level,
            "key": p.recommendation.key,
            "text": p.recommendation.text[lang],
            "priority": _r(p.priority, 2),
            "driver": _r(p.driver, 3),
            "distance": _r(p.distance, 1),
        }
        for p in picks
    ]
    report.breakdowns = [
        _breakdown(q, current.segments, scores, keys, k) for q in current.segment_questions
    ]
    report.leaders = _leaders(current, scores, keys, k, thresholds.significance)
    if previous is not None:
        report.trend = _trend(
            instrument, previous, scores, keys, previous_actions or {}, thresholds.significance
        )
    if pool is not None and len(pool) >= thresholds.pool_min_organisations:
        report.benchmark = pool_comparison(report.dimensions, pool, thresholds.significance)
    if n >= max(thresholds.comment_min_group, k):
        report.comments = list(current.comments)
        random.Random(seed).shuffle(report.comments)
    else:
        report.comments_hidden = bool(current.comments)
    return report


def _dimension(instrument: Instrument, dim, lang: str) -> dict[str, Any]:
    low, high = dim.confidence_interval()
    alpha = dim.alpha.statistic if dim.alpha is not None else np.nan
    alpha_ci = dim.alpha.confidence_interval() if dim.alpha is not None else (np.nan, np.nan)
    if dim.key == "outcome":
        items, name = instrument.outcomes, {"en": "Advocacy", "nl": "Ambassadeurschap"}[lang]
        description = ""
    else:
        source = instrument.dimension(dim.key)
        items, name = source.items, source.name[lang]
        description = source.description.get(lang, "")
    return {
        "key": dim.key,
        "name": name,
        "description": description,
        "n": dim.n,
        "score": _r(dim.statistic),
        "sd": _r(dim.sd, 4),
        "ci95": [_r(low), _r(high)] if not np.isnan(low) else None,
        "level": dim.level,
        "level_name": LEVEL_NAMES.get(dim.level),
        "favourable": _r(dim.favourable, 3),
        "neutral": _r(dim.neutral, 3),
        "unfavourable": _r(dim.unfavourable, 3),
        "alpha": _r(alpha, 3),
        "alpha_ci95": [_r(alpha_ci[0], 3), _r(alpha_ci[1], 3)] if not np.isnan(alpha) else None,
        "alpha_warning": bool(not np.isnan(alpha) and alpha < ALPHA_WARNING),
        "items": [
            {
                "key": item.key,
                "text": item.text[lang],
                "reverse": item.reverse,
                "counts": dim.distribution[i].tolist(),
            }  # [missing, point 0, …] after reverse keying
            for i, item in enumerate(items)
        ],
    }


def _groups(question: dict, segments: list[dict]) -> np.ndarray:
    answers = [segment.get(question["key"]) for segment in segments]
    return np.array([NOT_ANSWERED if a is None else a for a in answers], dtype=object)


def _breakdown(question, segments, scores, keys, k) -> dict[str, Any]:
    groups = _groups(question, segments)
    counts = {option: int(np.count_nonzero(groups == option)) for option in question["options"]}
    counts[NOT_ANSWERED] = int(np.count_nonzero(groups == NOT_ANSWERED))
    decision = suppress(counts, k)
    rows = []
    for option in decision.visible:
        members = scores[groups == option]
        rows.append(
            {
                "group": option,
                "n": counts[option],
                "scores": {
                    key: _r(np.nanmean(members[:, d])) if np.any(~np.isnan(members[:, d])) else None
                    for d, key in enumerate(keys)
                },
            }
        )
    return {
        "key": question["key"],
        "groups": rows,
        "hidden_groups": len(decision.too_small) + len(decision.complementary),
        "hidden_too_small": len(decision.too_small),
        "hidden_complementary": len(decision.complementary),
    }


def _leaders(current: RoundData, scores, keys, k, significance) -> dict[str, Any] | None:
    question = next((q for q in current.segment_questions if q["key"] == "role_level"), None)
    if question is None or "leadership" not in keys:
        return None
    groups = _groups(question, current.segments)
    employees = groups == question["options"][0]
    leaders = (groups != question["options"][0]) & (groups != NOT_ANSWERED)
    column = scores[:, keys.index("leadership")]
    if employees.sum() < k or leaders.sum() < k:
        return {"shown": False}
    difference = welch(column[employees], column[leaders])
    return {
        "shown": True,
        "employees_label": question["options"][0],
        "employees": _r(np.nanmean(column[employees])),
        "n_employees": int(employees.sum()),
        "leaders": _r(np.nanmean(column[leaders])),
        "n_leaders": int(leaders.sum()),
        "difference": _r(difference.difference),
        "pvalue": _r(difference.pvalue, 4),
        "significant": bool(difference.pvalue < significance),
        "effect_size": _r(difference.effect_size, 2),
    }


def _trend(
    instrument, previous: RoundData, scores, keys, actions, significance: float
) -> dict[str, Any] | None:
    """Each principle's change since the previous round, with Welch's test and BH correction.

    From the previous round's answers while they exist; after they were purged, from the
    aggregates kept of it (Welch's t from summary statistics gives the same test).
    """
    raw = previous.offsets.shape[0] >= previous.min_group_size
    if not raw and not previous.aggregates:
        return None
    before_scores = (
        respondent_scores(points_from_offsets(previous.offsets, instrument), instrument)
        if raw
        else None
    )
    tests, before_means = [], []
    for d, key in enumerate(keys):
        if raw:
            tests.append(welch(before_scores[:, d], scores[:, d]))
            before_means.append(np.nanmean(before_scores[:, d]))
        else:
            kept = previous.aggregates[key]
            now = scores[:, d][~np.isnan(scores[:, d])]
            tests.append(
                welch_from_stats(
                    kept["mean"],
                    kept["sd"] if kept["sd"] is not None else np.nan,
                    kept["n"],
                    now.mean(),
                    now.std(ddof=1),
                    now.size,
                )
            )
            before_means.append(kept["mean"])
    adjusted = benjamini_hochberg([t.pvalue for t in tests])
    return {
        "previous": previous.name,
        "from_aggregates": not raw,
        "dimensions": [
            {
                "key": key,
                "before": _r(before_means[d]),
                "now": _r(np.nanmean(scores[:, d])),
                "difference": _r(t.difference),
                "pvalue": _r(t.pvalue, 4),
                "pvalue_bh": _r(adjusted[d], 4),
                "effect_size": _r(t.effect_size, 2),
                "significant": bool(not np.isnan(adjusted[d]) and adjusted[d] < significance),
                "actions": actions.get(key, []),
            }
            for d, (key, t) in enumerate(zip(keys, tests, strict=True))
        ],
    }


def pool_comparison(
    dimensions: list[dict[str, Any]], pool: list[dict[str, Any]], significance: float
) -> dict:
    """Each principle against the pool: percentile rank among the organisations, the pool's
    median, top 25 % and top 10 %, and Welch's t from summary statistics against all the pool's
    respondents, with Benjamini-Hochberg across the principles.

    ``pool`` holds one entry per organisation: ``{"external": bool, "dimensions": {key: {"n",
    "mean", "sd", …}}}``.
    """
    rows, pvalues = [], []
    for dim in dimensions:
        figures = [entry["dimensions"][dim["key"]] for entry in pool]
        position = pool_position(dim["score"], [f["mean"] for f in figures])
        n, mean, sd = combine_summaries(
            [f["n"] for f in figures],
            [f["mean"] for f in figures],
            [f["sd"] if f["sd"] is not None else np.nan for f in figures],
        )
        difference = welch_from_stats(mean, sd, n, dim["score"], dim["sd"], dim["n"])
        pvalues.append(difference.pvalue)
        rows.append(
            {
                "key": dim["key"],
                "percentile": _r(position.percentile, 1),
                "median": _r(position.median),
                "top25": _r(position.top25),
                "top10": _r(position.top10),
                "pool_mean": _r(mean),
                "pool_n": n,
                "difference": _r(difference.difference),
                "pvalue": _r(difference.pvalue, 4),
                "effect_size": _r(difference.effect_size, 2),
            }
        )
    for row, adjusted in zip(rows, benjamini_hochberg(pvalues), strict=True):
        row["pvalue_bh"] = _r(adjusted, 4)
        row["significant"] = bool(not np.isnan(adjusted) and adjusted < significance)
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
