r"""The benchmark pool's organisation means, shrunk by empirical Bayes, with intervals for the
pool's marks and a round's percentile among them.

An organisation's mean from five respondents is far less certain than one from five hundred, yet
both counted alike in the pool: a small organisation with a lucky round could set the pool's
top-25 % mark, the target of the recommendations. Each mean is therefore pulled towards the pool's
mean by as much as its own uncertainty warrants (a random-effects model, DerSimonian–Laird), and
the marks and percentiles are taken from the shrunken means. A bootstrap over the organisations
gives the marks and the percentile an interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from scoring.benchmark import TOP10_MIN_ORGANISATIONS, pool_marks

__all__ = [
    "PoolEstimate",
    "RandomEffects",
    "Shrunken",
    "pool_estimate",
    "random_effects",
    "shrink",
    "shrunken_means",
]

RESAMPLES = 2000  # bootstrap resamples of the pool's organisations


@dataclass(frozen=True)
class RandomEffects:
    """A random-effects fit: the mean of the true means and the variance between them."""

    mean: float  # μ̂, weighted by 1 / (v_i + τ̂²)
    tau2: float  # τ̂², DerSimonian–Laird, never below 0
    q: float  # Cochran's Q
    k: int  # the means fitted


def _dersimonian_laird(y: np.ndarray, v: np.ndarray, fitted: np.ndarray):
    """μ̂, τ̂² and Q along the last axis; ``fitted`` marks the means that enter (the others have
    weight 0). Works on one pool or on a stack of resampled pools at once."""
    w = np.where(fitted, 1.0 / np.where(fitted, v, 1.0), 0.0)
    total = w.sum(axis=-1)
    fixed = (w * y).sum(axis=-1) / total
    q = (w * (y - fixed[..., None]) ** 2).sum(axis=-1)
    c = total - (w**2).sum(axis=-1) / total
    k = fitted.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau2 = np.maximum(0.0, (q - (k - 1)) / c)
    tau2 = np.where(k >= 2, tau2, np.nan)
    w_re = np.where(fitted, 1.0 / (np.where(fitted, v, 1.0) + np.nan_to_num(tau2)[..., None]), 0)
    mean = (w_re * y).sum(axis=-1) / w_re.sum(axis=-1)
    return mean, tau2, q


def random_effects(effects, variances) -> RandomEffects:
    r"""DerSimonian–Laird random-effects fit of ``effects`` with known sampling ``variances``.

    Parameters
    ----------
    effects, variances : array_like
        Per unit (here: organisation) its estimate :math:`y_i` and the variance :math:`v_i > 0`
        of that estimate.

    Returns
    -------
    RandomEffects
        μ̂ and τ̂² (NaN for fewer than two units).

    Notes
    -----
    With :math:`w_i = 1 / v_i` and the fixed-effect mean :math:`\bar{y}_w = \sum w_i y_i / \sum
    w_i`, Cochran's :math:`Q = \sum w_i (y_i - \bar{y}_w)^2` and [1]_

    .. math::

        \hat\tau^2 = \max\left(0, \frac{Q - (k - 1)}{\sum w_i - \sum w_i^2 / \sum w_i}\right),
        \qquad \hat\mu = \frac{\sum y_i / (v_i + \hat\tau^2)}{\sum 1 / (v_i + \hat\tau^2)}.

    The same as ``statsmodels.stats.meta_analysis.combine_effects(..., method_re="dl")`` and R
    metafor's ``rma(..., method="DL")``.

    References
    ----------
    .. [1] DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled
       Clinical Trials*, 7(3), 177–188.

    Examples
    --------
    >>> fit = random_effects([50.0, 55.0, 70.0], [4.0, 4.0, 25.0])
    >>> round(fit.mean, 3), round(fit.tau2, 3)
    (56.945, 40.803)
    """
    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    if y.ndim != 1 or v.shape != y.shape:
        raise ValueError("effects and variances must be one-dimensional and of the same length")
    if np.any(~(v > 0)):
        raise ValueError("variances must be positive")
    mean, tau2, q = _dersimonian_laird(y, v, np.ones(y.shape, dtype=bool))
    return RandomEffects(float(mean), float(tau2), float(q), int(y.size))


def shrink(effects, variances, fit: RandomEffects) -> np.ndarray:
    r"""Each effect pulled towards μ̂: :math:`\hat\mu + \hat\tau^2 / (\hat\tau^2 + v_i)\,(y_i -
    \hat\mu)`, the empirical Bayes (posterior) mean of the normal model (Morris 1983). An effect
    whose variance is 0 or NaN (unknown) stays as it is.

    >>> fit = random_effects([50.0, 55.0, 70.0], [4.0, 4.0, 25.0])
    >>> shrink([50.0, 55.0, 70.0], [4.0, 4.0, 25.0], fit).round(2).tolist()
    [50.62, 55.17, 65.04]
    """
    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    known = v > 0
    factor = np.where(known, fit.tau2 / (fit.tau2 + np.where(known, v, 1.0)), 1.0)
    return fit.mean + factor * (y - fit.mean)


@dataclass(frozen=True)
class Shrunken:
    """A pool's organisation means as they count: shrunk where the organisation's n is known."""

    means: np.ndarray
    variances: np.ndarray  # each mean's sampling variance s_w² / n_i (0: unknown, not shrunk)
    fitted: np.ndarray  # which means entered the fit and were shrunk
    tau2: float  # τ̂², the variance between organisations' true means (NaN: no fit)
    within_sd: float  # s_w, the SD within organisations pooled over the pool
    centre: float = np.nan  # μ̂, the mean the means are shrunk towards

    @property
    def shrunk(self) -> int:
        """How many means were shrunk: none without a fit, and none when τ̂² is 0 (the means
        differ no more than chance would explain, and shrinking would make them one)."""
        return int(self.fitted.sum()) if self.tau2 > 0 else 0

    def own(self, score: float, se: float) -> float:
        """A round's own score shrunk as the pool's means are, with sampling variance se² (NaN:
        taken as exact), so that it is ranked among the means on the same footing."""
        if not self.shrunk or se != se:
            return score
        return self.centre + self.tau2 / (self.tau2 + se**2) * (score - self.centre)


def _within_variance(ns: np.ndarray, sds: np.ndarray) -> float:
    """The pooled variance within organisations, Σ(n_i − 1)s_i² / Σ(n_i − 1)."""
    known = (ns >= 2) & ~np.isnan(sds)
    if not known.any():
        return np.nan
    return float(((ns[known] - 1) * sds[known] ** 2).sum() / (ns[known] - 1).sum())


def shrunken_means(means, ns, sds) -> Shrunken:
    r"""Each organisation's mean shrunk towards the pool's, by how uncertain it is.

    An organisation's mean :math:`y_i` of :math:`n_i` people has sampling variance
    :math:`v_i = s_w^2 / n_i`, with :math:`s_w^2` the variance within organisations pooled over
    the pool, :math:`\sum (n_i - 1) s_i^2 / \sum (n_i - 1)`. The pooled SD is used rather than
    each organisation's own because an SD of five people is itself uncertain by a third: an
    organisation whose five people happened to agree would escape shrinkage. τ² and μ̂ are
    DerSimonian–Laird's (:func:`random_effects`) and each mean becomes its empirical Bayes
    estimate (:func:`shrink`). A mean of 500 people barely moves; one of five moves towards μ̂ by
    :math:`v_i / (v_i + \hat\tau^2)` of its distance. A mean without a known n (or a pool
    without any SD) cannot be shrunk and counts as published; with fewer than two that can,
    none is. When τ̂² is 0 — the means differ no more than their sampling error explains — every
    mean would be shrunk onto μ̂ and the marks would all be the pool's mean: the means are then
    kept as published, and the report says the organisations do not differ beyond chance.

    >>> found = shrunken_means([40.0, 60.0, 80.0], [200, 200, 5], [20.0, 20.0, 20.0])
    >>> found.means.round(1).tolist(), found.shrunk
    ([40.2, 60.0, 73.9], 3)
    """
    y, ns, sds = (np.asarray(x, dtype=float) for x in (means, ns, sds))
    if y.ndim != 1 or ns.shape != y.shape or sds.shape != y.shape:
        raise ValueError("means, ns and sds must be one-dimensional and of the same length")
    if np.isnan(y).any():
        raise ValueError("means: none may be unknown (NaN)")
    within = _within_variance(ns, sds)
    fitted = (ns >= 1) & (within > 0)  # NaN compares False
    v = np.where(fitted, within / np.where(fitted, ns, 1.0), 0.0)
    if fitted.sum() < 2:
        return Shrunken(y, v, fitted, np.nan, float(np.sqrt(within)))
    mean, tau2, _q = _dersimonian_laird(y, v, fitted)
    if not tau2 > 0:
        return Shrunken(y, v, fitted, float(tau2), float(np.sqrt(within)), float(mean))
    counted = shrink(y, v, RandomEffects(float(mean), float(tau2), np.nan, int(fitted.sum())))
    return Shrunken(counted, v, fitted, float(tau2), float(np.sqrt(within)), float(mean))


@dataclass(frozen=True)
class PoolEstimate:
    """A pool's marks and a score's percentile from shrunken organisation means, with
    bootstrap intervals (NaN where the mark itself is not given)."""

    pool: Shrunken
    percentile: float
    median: float
    top25: float
    top10: float
    percentile_ci95: tuple[float, float]
    median_ci95: tuple[float, float]
    top25_ci95: tuple[float, float]


def _ranks(scores: np.ndarray, pools: np.ndarray) -> np.ndarray:
    """``percentileofscore(pool, score, kind="mean")`` of each row's score in its pool."""
    below = (pools < scores[:, None]).sum(axis=1)
    at_most = (pools <= scores[:, None]).sum(axis=1)
    return (below + at_most) * 50.0 / pools.shape[1]


def pool_estimate(
    score: float,
    score_se: float,
    means,
    ns,
    sds,
    min_organisations: int,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
    confidence_level: float = 0.95,
) -> PoolEstimate:
    r"""Marks (median, top 25 %, top 10 %) of a pool's shrunken organisation means and the
    percentile of ``score`` among them, the median and top 25 % with bootstrap intervals.

    Parameters
    ----------
    score, score_se : float
        The round's own score and its standard error (SD / √n; NaN: taken as exact).
    means, ns, sds : array_like
        Per organisation of the pool its mean, respondents and SD (NaN where unknown).
    min_organisations : int
        The pool minimum: below it nothing is given (:func:`scoring.benchmark.pool_marks`).
    resamples, seed : int
        Of the bootstrap.
    confidence_level : float
        Of the intervals (default 0.95).

    Notes
    -----
    The means are shrunk as :func:`shrunken_means` says [1]_ [2]_. The marks are
    :func:`scoring.benchmark.pool_marks` of the shrunken means (``numpy.percentile`` at 50, 75
    and 90, the top 10 % from ten organisations), the percentile
    ``percentileofscore(kind="mean")``. Quantiles of posterior means lie somewhat closer together
    than those of the true means [3]_, so the top marks lean towards the median: for a target
    that errs on the reachable side.

    Intervals are percentile intervals of a nonparametric bootstrap over the organisations [4]_:
    each resample draws k organisations with replacement, fits τ² and μ̂ again and shrinks (the
    pooled within-SD, from all the pool's respondents, is kept). It assumes no shape for the
    spread of organisations (a parametric bootstrap would assume it normal) and carries both
    which organisations happen to be in the pool and how noisy their means are. For the
    percentile each resample also draws the round's own score from :math:`N(\text{score},
    \text{se}^2)`. With five to ten organisations these intervals are rough and wide, which is
    what they should say. The seed makes them repeatable.

    References
    ----------
    .. [1] Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications.
       *Journal of the American Statistical Association*, 78(381), 47–55.
    .. [2] DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled
       Clinical Trials*, 7(3), 177–188.
    .. [3] Louis, T. A. (1984). Estimating a population of parameter values using Bayes and
       empirical Bayes methods. *Journal of the American Statistical Association*, 79(386),
       393–398.
    .. [4] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman &
       Hall, ch. 13.

    Examples
    --------
    >>> found = pool_estimate(60.0, 1.0, [40.0, 50.0, 55.0, 70.0, 80.0], [100] * 5, [15.0] * 5,
    ...                       min_organisations=5)
    >>> found.pool.shrunk, round(found.median, 2), round(found.top25, 2), found.percentile
    (5, 55.04, 69.9, 60.0)
    """
    pool = shrunken_means(means, ns, sds)
    nothing = (np.nan, np.nan)
    median, top25, top10 = pool_marks(pool.means, min_organisations)
    if np.isnan(median) or np.isnan(score):
        return PoolEstimate(pool, np.nan, median, top25, top10, nothing, nothing, nothing)
    percentile = float(
        stats.percentileofscore(pool.means, pool.own(score, score_se), kind="mean")
    )
    pools, centres, tau2s = _resampled(np.asarray(means, dtype=float), pool, resamples, seed)
    rng = np.random.default_rng([seed, 1])
    se = score_se if score_se == score_se else 0.0
    own = score + se * rng.standard_normal(resamples)
    with np.errstate(invalid="ignore", divide="ignore"):
        pulled = centres + tau2s / (tau2s + se**2) * (own - centres)
    own = np.where(tau2s > 0, pulled, own)  # each resample's own score shrunk by its own fit
    marks = np.percentile(pools, [50, 75], axis=1)
    tail = (1 - confidence_level) / 2 * 100

    def interval(values: np.ndarray) -> tuple[float, float]:
        low, high = np.percentile(values, [tail, 100 - tail])
        return (float(low), float(high))

    # below ten organisations the marks' intervals would reach the best (and the worst)
    # organisation's mean, or nearly: given from ten on, as the top-10 % mark is
    marked = len(pool.means) >= TOP10_MIN_ORGANISATIONS
    return PoolEstimate(
        pool,
        percentile,
        median,
        top25,
        top10,
        interval(_ranks(own, pools)),
        interval(marks[0]) if marked else nothing,
        interval(marks[1]) if marked and not np.isnan(top25) else nothing,
    )


def _resampled(y: np.ndarray, pool: Shrunken, resamples: int, seed: int):
    """Pools of k organisations drawn with replacement from the published means ``y``, each
    refitted and shrunk: (resamples, k), with each resample's μ̂ and τ̂². A resample with fewer
    than two fitted means, or τ̂² = 0, keeps its means as they are (as :func:`shrunken_means`
    does)."""
    drawn = np.random.default_rng(seed).integers(0, y.size, size=(resamples, y.size))
    ys, vs, fits = y[drawn], pool.variances[drawn], pool.fitted[drawn]
    if not pool.fitted.sum() >= 2:
        return ys, np.full(resamples, np.nan), np.full(resamples, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):  # resamples without a fit: NaN
        means, tau2, _q = _dersimonian_laird(ys, vs, fits)
        spread = tau2[:, None]
        factor = np.where(fits, spread / (spread + np.where(fits, vs, 1.0)), 1.0)
        pools = means[:, None] + factor * (ys - means[:, None])
    keep = ~(tau2 > 0)[:, None] | np.isnan(pools)
    return np.where(keep, ys, pools), means, tau2
