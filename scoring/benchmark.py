"""Comparisons: a group against another group or round, with effect sizes and FDR correction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "BINS",
    "Difference",
    "GroupsTest",
    "PoolPosition",
    "benjamini_hochberg",
    "combine_summaries",
    "compare_groups",
    "dunn",
    "hedges_g",
    "pool_marks",
    "pool_position",
    "score_bins",
    "welch",
    "welch_from_stats",
]


@dataclass(frozen=True)
class Difference:
    """Welch's t-test of ``b`` against ``a``: ``difference`` is mean(b) − mean(a)."""

    difference: float
    statistic: float
    pvalue: float
    effect_size: float  # Hedges' g
    n_a: int
    n_b: int
    ci_low: float = np.nan  # 95 % Welch interval of the difference
    ci_high: float = np.nan
    g_low: float = np.nan  # 95 % interval of Hedges' g (normal approximation, Hedges & Olkin)
    g_high: float = np.nan


def _g_interval(g: float, n_a: int, n_b: int) -> tuple[float, float]:
    """Hedges & Olkin (1985): SE(g) ≈ √((n₁+n₂)/(n₁n₂) + g²/(2(n₁+n₂)))."""
    if np.isnan(g):
        return (np.nan, np.nan)
    se = np.sqrt((n_a + n_b) / (n_a * n_b) + g**2 / (2 * (n_a + n_b)))
    z = stats.norm.ppf(0.975)
    return (float(g - z * se), float(g + z * se))


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """Hedges' g of ``b`` against ``a`` (pooled SD, small-sample correction)."""
    n1, n2 = a.size, b.size
    if n1 < 2 or n2 < 2:
        return np.nan
    pooled = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
    if pooled == 0:
        return np.nan
    correction = 1 - 3 / (4 * (n1 + n2) - 9)
    return float((b.mean() - a.mean()) / pooled * correction)


def welch(a, b) -> Difference:
    """Welch's t-test (``scipy.stats.ttest_ind(b, a, equal_var=False)``), NaNs left out."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return Difference(np.nan, np.nan, np.nan, np.nan, int(a.size), int(b.size))
    result = stats.ttest_ind(b, a, equal_var=False)
    low, high = result.confidence_interval(0.95)
    g = hedges_g(a, b)
    return Difference(
        float(b.mean() - a.mean()),
        float(result.statistic),
        float(result.pvalue),
        g,
        int(a.size),
        int(b.size),
        float(low),
        float(high),
        *_g_interval(g, a.size, b.size),
    )


def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``); NaN stays."""
    pvalues = np.asarray(pvalues, dtype=float)
    adjusted = np.full(pvalues.shape, np.nan)
    known = ~np.isnan(pvalues)
    if known.any():
        adjusted[known] = stats.false_discovery_control(pvalues[known], method="bh")
    return adjusted


# --- against a pool and between rounds -----------------------------------------------------------

BINS = np.linspace(0, 100, 11)  # score distributions are exchanged in ten bins of 10 points


@dataclass(frozen=True)
class PoolPosition:
    """Where a score stands among the organisations of a benchmark pool."""

    percentile: float  # scipy.stats.percentileofscore(pool, score, kind="mean")
    median: float
    top25: float  # the 75th percentile of the pool: the score needed to be in the top quarter
    top10: float


def pool_marks(pool_scores) -> tuple[float, float, float]:
    """The pool's median, and the scores needed to be in its top 25 % and top 10 %."""
    pool = np.asarray(pool_scores, dtype=float)
    pool = pool[~np.isnan(pool)]
    if pool.size == 0:
        return (np.nan, np.nan, np.nan)
    return (float(np.median(pool)), float(np.percentile(pool, 75)), float(np.percentile(pool, 90)))


def percentile_rank(score: float, pool_scores) -> float:
    """Percentile rank of ``score`` among ``pool_scores`` (one per organisation), as
    ``scipy.stats.percentileofscore(pool, score, kind="mean")``; NaN for an empty pool.

    >>> percentile_rank(60.0, [40.0, 50.0, 55.0, 70.0, 80.0])
    60.0
    """
    pool = np.asarray(pool_scores, dtype=float)
    pool = pool[~np.isnan(pool)]
    if pool.size == 0 or np.isnan(score):
        return np.nan
    return float(stats.percentileofscore(pool, score, kind="mean"))


def pool_position(score: float, pool_scores) -> PoolPosition:
    """Percentile rank of ``score`` among ``pool_scores`` (one per organisation); the pool marks.

    >>> pool_position(60.0, [40.0, 50.0, 55.0, 70.0, 80.0]).percentile
    60.0
    """
    pool = np.asarray(pool_scores, dtype=float)
    pool = pool[~np.isnan(pool)]
    if pool.size == 0 or np.isnan(score):
        return PoolPosition(np.nan, np.nan, np.nan, np.nan)
    return PoolPosition(float(stats.percentileofscore(pool, score, kind="mean")), *pool_marks(pool))


def combine_summaries(ns, means, sds) -> tuple[int, float, float]:
    """n, mean and SD of the union of groups given only their n, mean and SD (exact)."""
    ns, means, sds = (np.asarray(x, dtype=float) for x in (ns, means, sds))
    keep = ns > 0
    ns, means, sds = ns[keep], means[keep], np.nan_to_num(sds[keep])
    total = ns.sum()
    if total == 0:
        return 0, np.nan, np.nan
    mean = float((ns * means).sum() / total)
    squares = ((ns - 1) * sds**2 + ns * (means - mean) ** 2).sum()
    return int(total), mean, float(np.sqrt(squares / (total - 1))) if total > 1 else np.nan


def welch_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b) -> Difference:
    """Welch's t-test of group b against a from summary statistics
    (``scipy.stats.ttest_ind_from_stats(..., equal_var=False)``), with Hedges' g."""
    if min(n_a, n_b) < 2 or np.isnan(sd_a) or np.isnan(sd_b):
        return Difference(np.nan, np.nan, np.nan, np.nan, int(n_a), int(n_b))
    result = stats.ttest_ind_from_stats(mean_b, sd_b, n_b, mean_a, sd_a, n_a, equal_var=False)
    pooled = np.sqrt(((n_a - 1) * sd_a**2 + (n_b - 1) * sd_b**2) / (n_a + n_b - 2))
    g = (mean_b - mean_a) / pooled * (1 - 3 / (4 * (n_a + n_b) - 9)) if pooled > 0 else np.nan
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    se = np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1)) if se > 0 else np.nan
    half = stats.t.ppf(0.975, df) * se if se > 0 else np.nan
    return Difference(
        float(mean_b - mean_a),
        float(result.statistic),
        float(result.pvalue),
        float(g),
        int(n_a),
        int(n_b),
        float(mean_b - mean_a - half),
        float(mean_b - mean_a + half),
        *_g_interval(float(g), int(n_a), int(n_b)),
    )


def dunn(groups) -> tuple[np.ndarray, np.ndarray]:
    """Dunn's (1964) pairwise test after Kruskal–Wallis: z and two-sided p (uncorrected) for every
    pair of groups, from the mean ranks of all respondents ranked together, with the tie
    correction. Returns two k × k matrices (diagonal NaN); correct the pairs' p yourself."""
    cleaned = [np.asarray(g, dtype=float) for g in groups]
    cleaned = [g[~np.isnan(g)] for g in cleaned]
    sizes = np.array([g.size for g in cleaned], dtype=float)
    ranks = stats.rankdata(np.concatenate(cleaned))
    n = ranks.size
    bounds = np.concatenate([[0], np.cumsum(sizes).astype(int)])
    mean_ranks = np.array([ranks[bounds[i] : bounds[i + 1]].mean() for i in range(len(cleaned))])
    _, ties = np.unique(ranks, return_counts=True)
    variance = n * (n + 1) / 12 - (ties**3 - ties).sum() / (12 * (n - 1))
    se = np.sqrt(variance * (1 / sizes[:, None] + 1 / sizes[None, :]))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (mean_ranks[:, None] - mean_ranks[None, :]) / se
    p = 2 * stats.norm.sf(np.abs(z))
    np.fill_diagonal(z, np.nan)
    np.fill_diagonal(p, np.nan)
    return z, p


@dataclass(frozen=True)
class GroupsTest:
    """Mann-Whitney U (two groups) or Kruskal-Wallis H (three or more) with an effect size."""

    test: str  # "mann-whitney" or "kruskal-wallis"
    statistic: float
    pvalue: float
    effect_size: float  # rank-biserial correlation (two groups) or epsilon squared
    effect_name: str


def compare_groups(groups) -> GroupsTest:
    """Compare respondent scores of two or more groups (NaN left out).

    Two groups: Mann-Whitney U (the first group's U) with the rank-biserial correlation
    ``2U/(n₁n₂) − 1``, positive when the first group tends to score higher. Three or more:
    Kruskal-Wallis H with ``ε² = H / (n − 1)``.
    """
    cleaned = [np.asarray(g, dtype=float) for g in groups]
    cleaned = [g[~np.isnan(g)] for g in cleaned]
    if len(cleaned) < 2:
        raise ValueError("compare_groups needs at least two groups")
    if any(g.size == 0 for g in cleaned):
        return GroupsTest(
            "mann-whitney" if len(cleaned) == 2 else "kruskal-wallis", np.nan, np.nan, np.nan, ""
        )
    if len(cleaned) == 2:
        a, b = cleaned
        result = stats.mannwhitneyu(a, b, alternative="two-sided")
        effect = 2 * result.statistic / (a.size * b.size) - 1
        return GroupsTest(
            "mann-whitney",
            float(result.statistic),
            float(result.pvalue),
            float(effect),
            "rank-biserial",
        )
    result = stats.kruskal(*cleaned)
    n = sum(g.size for g in cleaned)
    return GroupsTest(
        "kruskal-wallis",
        float(result.statistic),
        float(result.pvalue),
        float(result.statistic / (n - 1)),
        "epsilon-squared",
    )


def score_bins(scores) -> list[int]:
    """Counts of respondent scores in ten bins of 10 points (the last one includes 100)."""
    scores = np.asarray(scores, dtype=float)
    counts, _ = np.histogram(scores[~np.isnan(scores)], bins=BINS)
    return counts.tolist()
