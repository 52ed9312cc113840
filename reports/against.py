"""A release's figures against other rounds: the change since the previous round, and the
benchmark pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from reports.principles import figure, interval
from reports.release import (
    Basis,
    Benchmark,
    BenchmarkRow,
    PlannedAction,
    Principle,
    Trend,
    TrendRow,
)
from scoring.benchmark import benjamini_hochberg, pool_marks, welch, welch_from_stats
from scoring.differences import judge, minimal_important_difference
from scoring.disclosure import enough
from scoring.instrument import Instrument
from scoring.scores import release_points, respondent_scores
from scoring.shrinkage import pool_estimate, shrunken_means

__all__ = ["pool_comparison", "targets", "trend"]


def _before(instrument: Instrument, previous) -> dict[str, tuple] | None:
    """The previous round's published principle figures: from its answers (as its release
    counts them) the respondent scores, or the kept (n, mean, sd) — for the principles it
    showed (k or more scored)."""
    k = previous.min_group_size
    if previous.offsets.shape[0] >= k:
        scores = respondent_scores(release_points(previous.offsets, instrument, k), instrument)
        columns = {d.key: scores[:, i] for i, d in enumerate(instrument.dimensions)}
        return {
            key: ("raw", column[~np.isnan(column)])
            for key, column in columns.items()
            if enough(int(np.count_nonzero(~np.isnan(column))), k)
        }
    if previous.aggregates:
        return {key: ("kept", kept) for key, kept in previous.aggregates.items() if kept["n"] >= k}
    return None


def trend(
    instrument: Instrument,
    previous,
    scores: np.ndarray,
    dimensions: Sequence[Principle],
    actions: Mapping[str, Sequence[Mapping[str, Any]]],
    significance: float,
) -> Trend | None:
    """Each principle's change since the previous round: Welch's test (the same test the
    comparison of two rounds uses), BH-corrected across the principles, the difference with its
    95 % interval and Hedges' g with its interval, judged by :func:`scoring.differences.judge`:
    important only when the corrected p is below the significance level *and* the whole interval
    lies beyond the minimal important difference (the instrument's, or a fifth of the two
    rounds' pooled SD): with thousands of people, tiny changes are significant.

    From the previous round's answers while they exist; after they were purged, from the
    aggregates kept of it (Welch's t from summary statistics gives the same test). Only for the
    principles both rounds show.
    """
    before = _before(instrument, previous)
    if before is None:
        return None
    rows, tests = [], []
    for d, dim in enumerate(instrument.dimensions):
        if dim.key not in before or not dimensions[d].shown:
            continue
        now = scores[:, d][~np.isnan(scores[:, d])]
        kind, figures = before[dim.key]
        if kind == "raw":
            test, mean, sd = welch(figures, now), figures.mean(), figures.std(ddof=1)
        else:
            sd = figures["sd"] if figures["sd"] is not None else np.nan
            test = welch_from_stats(
                figures["mean"], sd, figures["n"], now.mean(), now.std(ddof=1), now.size
            )
            mean = figures["mean"]
        tests.append(test)
        rows.append((dim.key, mean, now.mean(), (sd, now.std(ddof=1))))
    if not rows:
        return None
    adjusted = benjamini_hochberg([t.pvalue for t in tests])
    changes = []
    fixed = instrument.minimal_important_difference
    for (key, mean_before, mean_now, sds), test, p in zip(rows, tests, adjusted, strict=True):
        mid = minimal_important_difference(sds, (test.n_a, test.n_b), fixed=fixed)
        judged = judge(test.difference, test.ci_low, test.ci_high, p, mid, significance)
        changes.append(
            TrendRow(
                key,
                before=figure(mean_before),
                now=figure(mean_now),
                difference=figure(test.difference),
                difference_ci95=(figure(test.ci_low), figure(test.ci_high)),
                pvalue=figure(test.pvalue),
                pvalue_bh=figure(p),
                effect_size=figure(test.effect_size),
                effect_size_ci95=(figure(test.g_low), figure(test.g_high)),
                statistically_significant=judged.statistically_significant,
                important=judged.important,
                verdict=judged.verdict,
                minimal_important_difference=figure(mid),
                actions=tuple(PlannedAction(**action) for action in actions.get(key, ())),
                rests_on=Basis(scored=(key,)),
            )
        )
    return Trend(
        previous.name,
        from_aggregates={kind for kind, _figures in before.values()} == {"kept"},
        minimal_important_difference=fixed,
        dimensions=tuple(changes),
    )


def _pool_figures(pool: Sequence[Mapping[str, Any]], key: str) -> tuple[list[float], ...]:
    """The pool's organisation means of a principle, with their n and SD (NaN where unknown)."""
    found = [
        entry["dimensions"][key]
        for entry in pool
        if entry["dimensions"].get(key, {}).get("mean") is not None
    ]

    def known(value) -> float:
        return np.nan if value is None else float(value)

    return (
        [f["mean"] for f in found],
        [known(f.get("n")) for f in found],
        [known(f.get("sd")) for f in found],
    )


def targets(pool, min_organisations: int) -> dict[str, float] | None:
    """Per principle, the top-25 % mark of the pool's organisation means shrunk by empirical
    Bayes (:func:`scoring.shrinkage.shrunken_means`): the target of "where to start" — only from
    a pool large enough to be shown."""
    if pool is None or len(pool) < min_organisations:
        return None
    keys = {key for entry in pool for key in entry["dimensions"]}
    found = {}
    for key in keys:
        means, ns, sds = _pool_figures(pool, key)
        top25 = pool_marks(shrunken_means(means, ns, sds).means, min_organisations)[1]
        if not np.isnan(top25):
            found[key] = top25
    return found


def pool_comparison(
    dimensions: Sequence[Principle],
    pool: Sequence[Mapping[str, Any]],
    version: str | None,
    min_organisations: int,
) -> Benchmark:
    """Each principle against the pool's *organisations* (one mean per organisation, as Culture
    Amp, Glint, Peakon and Qualtrics benchmark), each mean first shrunk towards the pool's by
    empirical Bayes so that an organisation of five people counts for what its mean is worth
    (:func:`scoring.shrinkage.pool_estimate`): percentile rank among the organisation means
    (``percentileofscore(kind="mean")``), their median, top-25 % and (from ten organisations)
    top-10 % marks, by the one rule of :func:`scoring.benchmark.pool_marks`, with 95 % bootstrap
    intervals for the percentile, the median and the top-25 % mark. The round is "above"
    or "below" the pool only when its whole 95 % interval lies above or below the pool's median;
    otherwise "within" — or "no_spread" when everyone gave the same answers, so that no interval
    exists. No test against the pool's respondents
    as one sample: 9–27 % of the variance lies between organisations, which such a test ignores.

    ``pool`` holds one entry per organisation: ``{"external": bool, "dimensions": {key: {"n",
    "mean", "sd", …}}}``.
    """
    rows = []
    for dim in dimensions:
        means, ns, sds = _pool_figures(pool, dim.key)
        se = dim.sd / np.sqrt(dim.n) if dim.sd is not None and dim.n else np.nan
        position = pool_estimate(dim.score, se, means, ns, sds, min_organisations)
        low, high = dim.ci95 or (None, None)
        if dim.sd == 0:
            verdict = "no_spread"  # everyone gave the same answers: no interval to judge by
        elif low is not None and low > position.median:
            verdict = "above"
        elif high is not None and high < position.median:
            verdict = "below"
        else:
            verdict = "within"
        rows.append(
            BenchmarkRow(
                dim.key,
                organisations=len(means),
                percentile=figure(position.percentile),
                median=figure(position.median),
                top25=figure(position.top25),
                top10=figure(position.top10),
                difference=figure(dim.score - position.median),
                verdict=verdict,
                rests_on=Basis(scored=(dim.key,)),
                percentile_ci95=interval(*position.percentile_ci95),
                median_ci95=interval(*position.median_ci95),
                top25_ci95=interval(*position.top25_ci95),
                shrunk=position.pool.shrunk,
                between_sd=figure(np.sqrt(position.pool.tau2)),
            )
        )
    return Benchmark(
        organisations=len(pool),
        external=sum(bool(e.get("external")) for e in pool),
        dimensions=tuple(rows),
        version=version,
    )
