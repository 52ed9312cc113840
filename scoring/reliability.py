"""Reliability of a principle's statements: Cronbach's alpha with Feldt's interval, and
McDonald's omega of the raw sum (Spearman–Brown for two statements) with a bootstrap interval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import stats

__all__ = [
    "OMEGA_U",
    "SPEARMAN_BROWN",
    "ConfidenceInterval",
    "CronbachAlphaResult",
    "OmegaResult",
    "complete_rows",
    "cronbach_alpha",
    "mcdonald_omega",
    "omega_of_raw_sum",
    "spearman_brown",
]


class ConfidenceInterval(NamedTuple):
    low: float
    high: float


@dataclass(frozen=True)
class CronbachAlphaResult:
    """Cronbach's alpha of ``k`` items over ``n`` complete respondents."""

    statistic: float
    n: int
    k: int
    confidence_level: float
    _low: float
    _high: float

    def confidence_interval(self) -> ConfidenceInterval:
        return ConfidenceInterval(self._low, self._high)


def complete_rows(items: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows in which every item is answered.

    Integer matrices mark a missing answer with a negative number (the project's int8 answer
    matrices use -1); float matrices with NaN.
    """
    items = np.asarray(items)
    complete = np.ones(items.shape[0], dtype=bool)
    for j in range(items.shape[1]):  # one cheap pass per item column, never per respondent
        column = items[:, j]
        if np.issubdtype(items.dtype, np.integer):
            complete &= column >= 0
        else:
            complete &= ~np.isnan(column)
    return complete


def cronbach_alpha(items, *, confidence_level: float = 0.95) -> CronbachAlphaResult:
    """Cronbach's alpha of a respondents × items matrix, listwise, with Feldt's interval.

    Parameters
    ----------
    items : array_like, shape (n, k)
        Item answers. In an integer matrix a negative value is missing; in a float matrix NaN is.
        Respondents with any missing answer are left out (listwise deletion).
    confidence_level : float
        Confidence level of the interval, between 0 and 1.

    Returns
    -------
    CronbachAlphaResult
        ``statistic`` is NaN when fewer than 3 respondents are complete or their total scores do
        not vary.

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i s_i^2}{s_T^2}\\right)

    with item variances :math:`s_i^2` and the variance of the total score :math:`s_T^2`. One-byte
    integer matrices (the project's answer matrices, -1 for missing) are summed column by column in
    exact integer arithmetic, a few cheap passes over the bytes; other data go through the
    Gram matrix :math:`G = X_c^\\top X_c` of the centred complete rows (the items' variances on its
    diagonal, the total's variance the sum of all its entries).

    Feldt's interval uses :math:`(1-\\alpha)/(1-\\hat\\alpha) \\sim F(n-1, (n-1)(k-1))`:

    .. math::
        \\left[1 - (1-\\hat\\alpha) F_{1-\\gamma/2},\\;
                1 - (1-\\hat\\alpha) F_{\\gamma/2}\\right]

    References
    ----------
    .. [1] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
       Psychometrika, 16(3), 297-334.
    .. [2] Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
       coefficient alpha. Applied Psychological Measurement, 11(1), 93-103.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5], [2, 2, 3]])
    >>> res = cronbach_alpha(x)
    >>> round(res.statistic, 4)
    0.9744
    >>> [round(v, 3) for v in res.confidence_interval()]
    [0.87, 0.997]
    """
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be between 0 and 1, not {confidence_level!r}")
    items = np.asarray(items)
    if items.ndim != 2:
        raise ValueError(f"items must be a 2-D respondents × items matrix, not {items.ndim}-D")
    k = items.shape[1]
    if k < 2:
        raise ValueError(f"items needs at least 2 columns for Cronbach's alpha, not {k}")
    complete = complete_rows(items)
    n = int(np.count_nonzero(complete))
    if n < 3:
        return _result(np.nan, n, k, confidence_level)
    if items.dtype.itemsize == 1 and np.issubdtype(items.dtype, np.integer):
        return _alpha_one_byte(items, complete, n, confidence_level)
    x = items[complete].astype(np.float64)
    x -= x.mean(axis=0)
    gram = x.T @ x
    return _alpha(np.trace(gram), gram.sum(), n, k, confidence_level)


def _alpha_one_byte(items: np.ndarray, complete: np.ndarray, n: int, confidence_level: float):
    """Alpha of an int8 answer matrix from exact integer sums, one column at a time.

    Multiplying by the completeness mask zeroes the incomplete rows without copying the complete
    ones out; every sum (of values, of squares, of the totals and their squares) is a sum of
    integers below 2**53, so the float64 BLAS dot products that compute them are exact.
    """
    k = items.shape[1]
    total = np.zeros(items.shape[0])
    item_ss = 0
    for j in range(k):
        x = (items[:, j] * complete).astype(np.float64)
        item_ss += _n_times_ss(n, x.sum(), x @ x)
        total += x
    total_ss = _n_times_ss(n, total.sum(), total @ total)
    return _alpha(float(item_ss), float(total_ss), n, k, confidence_level)


def _n_times_ss(n: int, s1: float, s2: float) -> int:
    """n × the sum of squared deviations, from the sum and the sum of squares (exact integers)."""
    return n * int(s2) - int(s1) ** 2


def _alpha(item_ss: float, total_ss: float, n: int, k: int, confidence_level: float):
    if total_ss <= 0:
        return _result(np.nan, n, k, confidence_level)
    alpha = min(k / (k - 1) * (1.0 - item_ss / total_ss), 1.0)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence_level) / 2
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return CronbachAlphaResult(float(alpha), n, k, confidence_level, float(low), float(high))


def _result(alpha, n, k, confidence_level):
    return CronbachAlphaResult(alpha, n, k, confidence_level, np.nan, np.nan)


RELIABILITY_MIN_N = 30  # fewer complete respondents: alpha's interval is too wide to say anything
ITEM_REST_FLAG = 0.3  # a statement that correlates less with the rest of its principle is flagged


def item_rest_correlations(items) -> np.ndarray:
    """Each item's Pearson correlation with the sum of the other items of its scale, over the
    complete rows (the "corrected item-total correlation"; NaN when a column does not vary)."""
    items = np.asarray(items)
    block = items[complete_rows(items)].astype(float)  # the mask first: int -1 is missing
    if block.shape[0] < 3 or block.shape[1] < 2:
        return np.full(items.shape[1], np.nan)
    rest = block.sum(axis=1, keepdims=True) - block
    centred_item = block - block.mean(axis=0)
    centred_rest = rest - rest.mean(axis=0)
    numerator = (centred_item * centred_rest).sum(axis=0)
    denominator = np.sqrt((centred_item**2).sum(axis=0) * (centred_rest**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


OMEGA_RESAMPLES = 400  # bootstrap resamples for omega's interval (percentile method)


def one_factor_loadings(correlations, iterations: int = 300, tol: float = 1e-8) -> np.ndarray:
    """Loadings of a one-factor model fitted to a correlation matrix — or to a stack of them,
    all at once — by iterated principal axis factoring, which converges to the least-squares
    (minres) solution that R's ``psych::omega`` uses. Communalities start at the squared
    multiple correlations and are kept below 1 (no Heywood case); the loadings' signs are
    chosen so that they sum to a positive number."""
    corr = np.asarray(correlations, dtype=float)
    k = corr.shape[-1]
    eye = np.eye(k, dtype=bool)
    try:
        smc = 1 - 1 / np.diagonal(np.linalg.inv(corr), axis1=-2, axis2=-1)
    except np.linalg.LinAlgError:
        smc = np.full(corr.shape[:-1], 0.5)
    communality = np.clip(smc, 0.005, 0.995)
    loadings = np.zeros(corr.shape[:-1])
    vector, exact = None, True
    for _ in range(iterations):
        reduced = np.where(eye, communality[..., None], corr)
        if exact:
            values, vectors = np.linalg.eigh(reduced)
            vector, value = vectors[..., -1], values[..., -1]
        else:
            # between exact steps the leading eigenvector moves little: two power steps from
            # the last one follow it at a fraction of a full decomposition's cost
            for _step in range(2):
                vector = np.einsum("...ij,...j->...i", reduced, vector)
                vector /= np.linalg.norm(vector, axis=-1, keepdims=True)
            value = np.einsum("...i,...ij,...j->...", vector, reduced, vector)
        loadings = vector * np.sqrt(np.clip(value, 0.0, None))[..., None]
        updated = np.clip(loadings**2, 0.0, 0.995)
        settled = np.max(np.abs(updated - communality)) < tol
        communality = updated
        if settled and exact:
            break  # a full decomposition confirms the fixed point
        exact = settled  # settled on approximate steps: confirm with a full one
    sign = np.where(loadings.sum(axis=-1) < 0, -1.0, 1.0)
    return loadings * sign[..., None]


def omega_from_correlations(correlations) -> np.ndarray:
    """McDonald's omega (total, one factor) of standardised items: (Σλ)² / ((Σλ)² + Σ(1 − λ²)).
    For two items it is the Spearman–Brown coefficient 2r / (1 + r)."""
    loadings = one_factor_loadings(correlations)
    common = loadings.sum(axis=-1) ** 2
    return common / (common + (1 - loadings**2).sum(axis=-1))


def omega_of_raw_sum(correlations, spreads) -> np.ndarray:
    """McDonald's ω_u of the raw (unstandardised) sum of the items: (Σ λᵢ sᵢ)² / 1ᵀ S 1.

    ``correlations`` (…, k, k) and the items' standard deviations ``spreads`` (…, k) make the
    covariance matrix S = D R D; the loadings λ are the one-factor fit of R
    (:func:`one_factor_loadings`), so that λᵢ sᵢ are the loadings of the raw items, and the
    denominator is the observed variance of their sum.
    """
    corr = np.asarray(correlations, dtype=float)
    spreads = np.asarray(spreads, dtype=float)
    common = np.einsum("...i,...i->...", one_factor_loadings(corr), spreads) ** 2
    total = np.einsum("...i,...ij,...j->...", spreads, corr, spreads)
    return np.minimum(common / total, 1.0)


def spearman_brown(correlations) -> np.ndarray:
    """The Spearman–Brown coefficient of two standardised items, 2r / (1 + r)."""
    r = np.asarray(correlations, dtype=float)[..., 0, 1]
    return 2 * r / (1 + r)


OMEGA_U = "omega-u"  # McDonald's ω_u of the raw sum, one factor
SPEARMAN_BROWN = "spearman-brown"  # two statements: a one-factor model adds nothing to r


@dataclass(frozen=True)
class OmegaResult:
    """A model-based reliability of ``k`` items over ``n`` complete respondents, with a
    bootstrap percentile interval: McDonald's ω_u (``method`` ``"omega-u"``) from three items,
    the Spearman–Brown coefficient (``"spearman-brown"``) for two."""

    statistic: float
    n: int
    k: int
    low: float
    high: float
    method: str = OMEGA_U


def mcdonald_omega(items, *, resamples: int = OMEGA_RESAMPLES, seed: int = 0) -> OmegaResult:
    """McDonald's ω_u of the raw sum of three or more items, or the Spearman–Brown coefficient
    of two, over the complete rows, with a 95 % percentile interval from a seeded, vectorised
    bootstrap over the distinct answer patterns
    (:func:`scoring.bootstrap.bootstrap_pattern_correlations`).

    Notes
    -----
    The score is the mean of the raw answers, so omega is that of the raw sum (ω_u in Flora's
    terms): with λ the one-factor loadings of the correlation matrix R and s the items' standard
    deviations, :math:`\\omega_u = (\\sum_i \\lambda_i s_i)^2 / \\mathbf 1^\\top S \\mathbf 1`.
    With two items a one-factor model is not identified beyond their correlation r: its
    omega of the standardised items is exactly :math:`2r/(1+r)`, the Spearman–Brown
    coefficient, and is named so.

    The bootstrap resamples correlation matrices; each resample's relative standard deviations
    come from the correlations of the items with their sum T, appended as a last column:
    :math:`\\mathrm{corr}(x_i, T) = (R s)_i / s_T`, so :math:`s / s_T = R^{-1} c`, all omega needs.

    References
    ----------
    .. [1] McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum, ch. 6.
    .. [2] Flora, D. B. (2020). Your coefficient alpha is probably wrong, but which coefficient
       omega is correct? Advances in Methods and Practices in Psychological Science, 3(4),
       484-501.
    .. [3] Eisinga, R., te Grotenhuis, M., & Pelzer, B. (2013). The reliability of a two-item
       scale: Pearson, Cronbach, or Spearman-Brown? International Journal of Public Health,
       58(4), 637-642.
    """
    from scoring.bootstrap import bootstrap_pattern_correlations

    items = np.asarray(items)
    block = items[complete_rows(items)].astype(float)  # the mask first: int -1 is missing
    n, k = block.shape
    method = SPEARMAN_BROWN if k == 2 else OMEGA_U
    if n < 3 or k < 2 or np.any(block.std(axis=0) == 0):
        return OmegaResult(np.nan, int(n), int(k), np.nan, np.nan, method)
    with_sum = np.column_stack([block, block.sum(axis=1)])
    omega = float(_reliability(np.corrcoef(with_sum, rowvar=False)[None], method)[0])
    # answers on a scale repeat: resampling the distinct answer patterns costs the same for
    # 100 or 100,000 people
    patterns, counts = _answer_patterns(block)
    with_sum = np.column_stack([patterns, patterns.sum(axis=1)])
    boot = _reliability(bootstrap_pattern_correlations(with_sum, counts, resamples, seed), method)
    if np.isnan(boot).all():  # e.g. items that coincide in every resample: no interval
        return OmegaResult(omega, int(n), int(k), np.nan, np.nan, method)
    low, high = np.nanpercentile(boot, [2.5, 97.5])
    return OmegaResult(omega, int(n), int(k), float(low), float(high), method)


def _reliability(with_sum: np.ndarray, method: str) -> np.ndarray:
    """Omega (or Spearman–Brown) from stacked correlation matrices of the items and their sum."""
    corr, to_sum = with_sum[..., :-1, :-1], with_sum[..., :-1, -1]
    if method == SPEARMAN_BROWN:
        return spearman_brown(corr)
    try:
        relative = np.linalg.solve(corr, to_sum[..., None])[..., 0]
    except np.linalg.LinAlgError:  # a resample whose items are collinear: one at a time
        relative = np.stack([_solve_or_nan(c, t) for c, t in zip(corr, to_sum, strict=True)])
    return omega_of_raw_sum(corr, relative)


def _solve_or_nan(corr: np.ndarray, to_sum: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(corr, to_sum)
    except np.linalg.LinAlgError:
        return np.full(to_sum.shape, np.nan)


def _answer_patterns(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``block`` and their counts; small whole numbers (scale points) are
    packed into one integer per row first, which is an order of magnitude faster to sort."""
    low = block.min(axis=0)
    span = block.max(axis=0) - low + 1
    whole = np.array_equal(block, np.rint(block))
    if not whole or np.sum(np.log2(span)) > 62:
        return np.unique(block, axis=0, return_counts=True)
    place = np.concatenate([[1], np.cumprod(span[:-1])]).astype(np.int64)
    codes = (block - low).astype(np.int64) @ place
    unique, counts = np.unique(codes, return_counts=True)
    patterns = (unique[:, None] // place) % span.astype(np.int64) + low
    return patterns.astype(float), counts
