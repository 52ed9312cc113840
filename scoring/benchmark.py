"""Comparisons: a group against another group or round, with effect sizes and FDR correction.

Rounds are compared from what each publishes — per group its n, mean and SD — so that no test can
depend on more than those figures: Welch's t-test for two groups, Welch's ANOVA with
Games–Howell pairs for more.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

__all__ = [
    "BINS",
    "Difference",
    "PairwiseDifference",
    "PoolPosition",
    "TOP10_MIN_ORGANISATIONS",
    "WelchAnova",
    "benjamini_hochberg",
    "combine_summaries",
    "games_howell_from_stats",
    "hedges_g",
    "pool_marks",
    "percentile_rank",
    "pool_position",
    "score_bins",
    "welch",
    "welch_anova_from_stats",
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
    df: float = np.nan  # Welch–Satterthwaite degrees of freedom


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
    if np.ptp(a) == 0 and np.ptp(b) == 0:  # neither group varies: no test (t would be ±inf)
        difference = float(b.mean() - a.mean())
        return Difference(difference, np.nan, np.nan, np.nan, int(a.size), int(b.size))
    with warnings.catch_warnings():
        # a group whose scores are all equal is exact, not "nearly identical": Welch's t only
        # needs the other group's variance
        warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
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
        float(result.df),
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


TOP10_MIN_ORGANISATIONS = 10  # below ten, the top 10 % is less than one organisation


def pool_spread(pool_scores, min_organisations: int) -> tuple[float, float, float, float, float]:
    """The pool's whole spread as five marks: the scores of its bottom 10 % and 25 %, its median,
    and the scores needed to be in its top 25 % and top 10 % — each only from a pool large enough
    for it (NaN otherwise).

    The one rule for every page, report and export that shows marks: the median and the quartile
    marks from ``min_organisations`` organisations (the pool minimum), the 10 % marks from
    :data:`TOP10_MIN_ORGANISATIONS` as well. Organisations without a score (NaN) do not count.
    No mark is the lowest or highest organisation's own score unless the pool is that small.

    Notes
    -----
    Marks are ``numpy.percentile`` (linear interpolation) at 10, 25, 50, 75 and 90. Below ten
    organisations the top or bottom 10 % is less than one organisation: the mark would be the
    best or worst organisation's mean, or nearly, rather than anything about the pool.

    >>> pool_spread([40.0, 50.0, 55.0, 70.0, 80.0], min_organisations=5)
    (nan, 50.0, 55.0, 70.0, nan)
    >>> pool_spread([40.0, 50.0, 55.0, 70.0], min_organisations=5)
    (nan, nan, nan, nan, nan)
    """
    if min_organisations < 1:
        raise ValueError(f"min_organisations must be at least 1, not {min_organisations}")
    pool = np.asarray(pool_scores, dtype=float)
    pool = pool[~np.isnan(pool)]
    if pool.size == 0 or pool.size < min_organisations:
        return (np.nan,) * 5
    marks = np.percentile(pool, [10, 25, 50, 75, 90])
    low10, low25, median, top25, top10 = (float(m) for m in marks)
    if pool.size < TOP10_MIN_ORGANISATIONS:
        low10 = top10 = np.nan
    return (low10, low25, median, top25, top10)


def pool_marks(pool_scores, min_organisations: int) -> tuple[float, float, float]:
    """The pool's median and the scores needed to be in its top 25 % and top 10 %: the upper
    three marks of :func:`pool_spread`.

    >>> pool_marks([40.0, 50.0, 55.0, 70.0, 80.0], min_organisations=5)
    (55.0, 70.0, nan)
    """
    return pool_spread(pool_scores, min_organisations)[2:]


def percentile_rank(score: float, pool_scores, min_organisations: int = 1) -> float:
    """Percentile rank of ``score`` among ``pool_scores`` (one per organisation), as
    ``scipy.stats.percentileofscore(pool, score, kind="mean")``; NaN for a pool of fewer than
    ``min_organisations`` (or no) organisations.

    >>> percentile_rank(60.0, [40.0, 50.0, 55.0, 70.0, 80.0])
    60.0
    """
    pool = np.asarray(pool_scores, dtype=float)
    pool = pool[~np.isnan(pool)]
    if pool.size == 0 or pool.size < min_organisations or np.isnan(score):
        return np.nan
    return float(stats.percentileofscore(pool, score, kind="mean"))


def pool_position(score: float, pool_scores, min_organisations: int = 1) -> PoolPosition:
    """Percentile rank of ``score`` among ``pool_scores`` (one per organisation) and the pool's
    marks, by the rule of :func:`pool_marks`; ``min_organisations`` is the pool minimum (the
    default 1 leaves it to the caller, and still keeps the top-10 % mark for ten organisations).

    >>> pool_position(60.0, [40.0, 50.0, 55.0, 70.0, 80.0]).percentile
    60.0
    """
    pool = np.asarray(pool_scores, dtype=float)
    pool = pool[~np.isnan(pool)]
    if pool.size == 0 or np.isnan(score):
        return PoolPosition(np.nan, np.nan, np.nan, np.nan)
    return PoolPosition(
        percentile_rank(score, pool, min_organisations), *pool_marks(pool, min_organisations)
    )


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


def _hedges_g_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b) -> float:
    """Hedges' g of b against a from summaries: pooled SD, correction 1 − 3/(4(n₁ + n₂) − 9)."""
    if min(n_a, n_b) < 2 or np.isnan(sd_a) or np.isnan(sd_b):
        return np.nan
    pooled = np.sqrt(((n_a - 1) * sd_a**2 + (n_b - 1) * sd_b**2) / (n_a + n_b - 2))
    if pooled == 0:
        return np.nan
    return float((mean_b - mean_a) / pooled * (1 - 3 / (4 * (n_a + n_b) - 9)))


def welch_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b) -> Difference:
    """Welch's t-test of group b against a from summary statistics
    (``scipy.stats.ttest_ind_from_stats(..., equal_var=False)``), with Hedges' g.

    All NaN when a group has fewer than two people; only the difference when neither varies.
    """
    if min(n_a, n_b) < 2 or np.isnan(sd_a) or np.isnan(sd_b):
        return Difference(np.nan, np.nan, np.nan, np.nan, int(n_a), int(n_b))
    difference = float(mean_b - mean_a)
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    se = np.sqrt(va + vb)
    if se == 0:
        return Difference(difference, np.nan, np.nan, np.nan, int(n_a), int(n_b))
    result = stats.ttest_ind_from_stats(mean_b, sd_b, n_b, mean_a, sd_a, n_a, equal_var=False)
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    half = stats.t.ppf(0.975, df) * se
    g = _hedges_g_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b)
    return Difference(
        difference,
        float(result.statistic),
        float(result.pvalue),
        g,
        int(n_a),
        int(n_b),
        float(difference - half),
        float(difference + half),
        *_g_interval(g, int(n_a), int(n_b)),
        float(df),
    )


def _summaries(means, sds, ns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    means, sds, ns = (np.asarray(x, dtype=float) for x in (means, sds, ns))
    if means.ndim != 1 or sds.shape != means.shape or ns.shape != means.shape:
        raise ValueError("means, sds and ns must be one-dimensional and of the same length")
    if means.size < 2:
        raise ValueError("means: at least two groups are needed")
    if np.any(ns < 1) or np.any(ns != np.round(ns)):
        raise ValueError("ns must be whole numbers of at least 1")
    if np.any(sds < 0):
        raise ValueError("sds must not be negative")
    return means, sds, ns


@dataclass(frozen=True)
class WelchAnova:
    """Welch's one-way ANOVA of k groups, with ω² and its interval."""

    statistic: float  # Welch's F
    df_num: float  # k − 1
    df_den: float  # Welch's (approximate) denominator degrees of freedom
    pvalue: float
    effect_size: float  # ω² estimated from Welch's F, never below 0
    effect_low: float
    effect_high: float
    n: int  # everyone in the groups together

    def effect_size_interval(self) -> tuple[float, float]:
        return (self.effect_low, self.effect_high)


def welch_anova_from_stats(means, sds, ns, *, confidence_level: float = 0.95) -> WelchAnova:
    r"""Welch's one-way ANOVA of k groups from their means, SDs and sizes alone, with ω².

    Parameters
    ----------
    means, sds, ns : array_like
        Per group its mean, standard deviation (``ddof=1``) and number of observations.
    confidence_level : float, optional
        Of the interval of ω² (default 0.95).

    Returns
    -------
    WelchAnova
        F with its degrees of freedom and p-value, ω² with its interval. All NaN (``n`` aside)
        when a group has fewer than two observations or no spread at all: Welch's weights
        :math:`n_i / s_i^2` are then undefined.

    Notes
    -----
    With weights :math:`w_i = n_i / s_i^2`, :math:`W = \sum w_i` and the weighted grand mean
    :math:`\tilde{x} = \sum w_i \bar{x}_i / W` [1]_:

    .. math::

        F = \frac{\sum w_i (\bar{x}_i - \tilde{x})^2 / (k - 1)}
                 {1 + \frac{2 (k - 2)}{k^2 - 1} \Lambda},
        \qquad \Lambda = \sum \frac{(1 - w_i / W)^2}{n_i - 1},

    referred to the F distribution with :math:`k - 1` and :math:`(k^2 - 1) / (3 \Lambda)` degrees
    of freedom. For two groups F is the square of Welch's t.

    The effect size is ω², the share of the variance of scores that lies between the groups,
    estimated from Welch's F [2]_ [3]_ as
    :math:`\hat\omega^2 = (k - 1)(F - 1) / ((k - 1)(F - 1) + N)` with N everyone in the groups
    (set to 0 when F < 1); with the classical F this is Hays' ω². Its interval inverts the
    noncentral F distribution [4]_: the noncentralities λ at which the observed F is the upper
    and the lower :math:`(1 - \text{confidence level}) / 2` point (0 when no λ ≥ 0 is), each
    turned into :math:`\omega^2 = \lambda / (\lambda + N)`. Treating Welch's F under the
    alternative as noncentral F with Welch's degrees of freedom is an approximation, as Welch's
    test itself is.

    References
    ----------
    .. [1] Welch, B. L. (1951). On the comparison of several mean values: an alternative
       approach. *Biometrika*, 38(3/4), 330–336.
    .. [2] Carroll, R. M., & Nordholm, L. A. (1975). Sampling characteristics of Kelley's ε and
       Hays' ω. *Educational and Psychological Measurement*, 35(3), 541–554.
    .. [3] Kirk, R. E. (1996). Practical significance: a concept whose time has come.
       *Educational and Psychological Measurement*, 56(5), 746–759.
    .. [4] Steiger, J. H. (2004). Beyond the F test: effect size confidence intervals and tests
       of close fit in the analysis of variance and contrast analysis. *Psychological Methods*,
       9(2), 164–182.

    Examples
    --------
    >>> result = welch_anova_from_stats([50.0, 55.0, 65.0], [10.0, 12.0, 15.0], [40, 30, 20])
    >>> round(result.statistic, 3), round(result.df_den, 2), result.pvalue < 0.001
    (8.429, 43.23, True)
    >>> [round(x, 3) for x in (result.effect_low, result.effect_size, result.effect_high)]
    [0.033, 0.142, 0.295]
    """
    means, sds, ns = _summaries(means, sds, ns)
    total = int(ns.sum())
    if np.any(ns < 2) or not np.all(sds > 0):  # NaN SDs fail too
        return WelchAnova(np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, total)
    k = means.size
    weights = ns / sds**2
    share = weights / weights.sum()
    grand = (share * means).sum()
    between = (weights * (means - grand) ** 2).sum() / (k - 1)
    lam = ((1 - share) ** 2 / (ns - 1)).sum()
    statistic = float(between / (1 + 2 * (k - 2) * lam / (k**2 - 1)))
    df_num, df_den = float(k - 1), float((k**2 - 1) / (3 * lam))
    low, high = _noncentrality_interval(statistic, df_num, df_den, confidence_level)
    estimate = df_num * (statistic - 1)
    return WelchAnova(
        statistic,
        df_num,
        df_den,
        float(stats.f.sf(statistic, df_num, df_den)),
        max(float(estimate / (estimate + total)), 0.0),
        low / (low + total),
        high / (high + total),
        total,
    )


def _noncentrality_interval(
    statistic: float, df_num: float, df_den: float, confidence_level: float
) -> tuple[float, float]:
    """The noncentralities λ ≥ 0 at which ``statistic`` is the upper and the lower tail point of
    the noncentral F distribution (Steiger 2004); 0 where even λ = 0 puts it lower."""
    tail = (1 - confidence_level) / 2

    def solve(target: float) -> float:
        if stats.f.cdf(statistic, df_num, df_den) <= target:
            return 0.0
        high = max(1.0, 2 * df_num * statistic)
        while stats.ncf.cdf(statistic, df_num, df_den, high) > target:
            high *= 2
        return float(
            optimize.brentq(
                lambda nc: stats.ncf.cdf(statistic, df_num, df_den, nc) - target,
                0.0,
                high,
                xtol=1e-10,
            )
        )

    return solve(1 - tail), solve(tail)


@functools.lru_cache(maxsize=1024)
def _studentized_range_quantile(level: float, k: int, df: float) -> float:
    # by numerical integration, a tenth of a second each: a comparison's page, CSV and PDF ask
    # for the same ones
    return float(stats.studentized_range.ppf(level, k, df))


@dataclass(frozen=True)
class PairwiseDifference:
    """One pair of groups in a Games–Howell comparison: ``second`` against ``first``."""

    first: int  # the groups' positions
    second: int
    difference: float  # mean(second) − mean(first)
    statistic: float  # Welch's t
    df: float  # Welch–Satterthwaite
    pvalue: float  # from the studentized range: accounts for every pair of the k groups
    ci_low: float  # simultaneous interval of the difference
    ci_high: float
    effect_size: float  # Hedges' g
    g_low: float  # 95 % interval of g (Hedges & Olkin), not adjusted for the pairs
    g_high: float

    def confidence_interval(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)


def games_howell_from_stats(
    means, sds, ns, *, confidence_level: float = 0.95
) -> tuple[PairwiseDifference, ...]:
    r"""Games–Howell comparisons of every pair of k groups from their means, SDs and sizes.

    Parameters
    ----------
    means, sds, ns : array_like
        Per group its mean, standard deviation (``ddof=1``) and number of observations.
    confidence_level : float, optional
        Of the simultaneous intervals of the differences (default 0.95).

    Returns
    -------
    tuple of PairwiseDifference
        One per pair ``(i, j)`` with ``i < j``, in the order of ``numpy.triu_indices(k, 1)``.
        A pair in which neither group varies has only its difference.

    Notes
    -----
    For groups i and j, with :math:`v = s^2 / n` [1]_:

    .. math::

        t = \frac{\bar{x}_j - \bar{x}_i}{\sqrt{v_i + v_j}}, \qquad
        \nu = \frac{(v_i + v_j)^2}{v_i^2 / (n_i - 1) + v_j^2 / (n_j - 1)}, \qquad
        p = P\left(Q_{k, \nu} > \sqrt{2}\,|t|\right),

    with :math:`Q_{k,\nu}` the studentized range of k means (``scipy.stats.studentized_range``).
    The interval is :math:`\bar{x}_j - \bar{x}_i \pm q_{k,\nu}(\text{confidence level})
    \sqrt{(v_i + v_j) / 2}`; p-values and intervals both account for the number of pairs, so
    they need no further correction among the pairs. Hedges' g uses the pair's pooled SD with
    the small-sample correction; its interval is Hedges & Olkin's normal approximation [2]_.
    For two groups the test is Welch's t-test.

    References
    ----------
    .. [1] Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with
       unequal n's and/or variances: a Monte Carlo study. *Journal of Educational Statistics*,
       1(2), 113–125.
    .. [2] Hedges, L. V., & Olkin, I. (1985). *Statistical Methods for Meta-Analysis*.
       Academic Press.

    Examples
    --------
    >>> pairs = games_howell_from_stats([50.0, 55.0, 65.0], [10.0, 12.0, 15.0], [40, 30, 20])
    >>> [(p.first, p.second, p.difference, round(p.pvalue, 4)) for p in pairs]
    [(0, 1, 5.0, 0.1628), (0, 2, 15.0, 0.0011), (1, 2, 10.0, 0.045)]
    """
    means, sds, ns = _summaries(means, sds, ns)
    k = means.size
    variances = sds**2 / ns
    pairs = []
    for i, j in zip(*np.triu_indices(k, 1), strict=True):
        difference = float(means[j] - means[i])
        se = np.sqrt(variances[i] + variances[j])
        if np.isnan(se) or se == 0 or min(ns[i], ns[j]) < 2:
            pairs.append(PairwiseDifference(int(i), int(j), difference, *[np.nan] * 8))
            continue
        df = (variances[i] + variances[j]) ** 2 / (
            variances[i] ** 2 / (ns[i] - 1) + variances[j] ** 2 / (ns[j] - 1)
        )
        t = difference / se
        half = _studentized_range_quantile(confidence_level, k, float(df)) * se / np.sqrt(2)
        g = _hedges_g_from_stats(means[i], sds[i], ns[i], means[j], sds[j], ns[j])
        pairs.append(
            PairwiseDifference(
                int(i),
                int(j),
                difference,
                float(t),
                float(df),
                float(min(stats.studentized_range.sf(np.sqrt(2) * abs(t), k, df), 1.0)),
                float(difference - half),
                float(difference + half),
                g,
                *_g_interval(g, int(ns[i]), int(ns[j])),
            )
        )
    return tuple(pairs)


def score_bins(scores) -> list[int]:
    """Counts of respondent scores in ten bins of 10 points (the last one includes 100)."""
    scores = np.asarray(scores, dtype=float)
    counts, _ = np.histogram(scores[~np.isnan(scores)], bins=BINS)
    return counts.tolist()
