"""Comparisons: a group against another group or round, with effect sizes and FDR correction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Difference", "benjamini_hochberg", "hedges_g", "welch"]


@dataclass(frozen=True)
class Difference:
    """Welch's t-test of ``b`` against ``a``: ``difference`` is mean(b) − mean(a)."""

    difference: float
    statistic: float
    pvalue: float
    effect_size: float  # Hedges' g
    n_a: int
    n_b: int


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
    return Difference(
        float(b.mean() - a.mean()),
        float(result.statistic),
        float(result.pvalue),
        hedges_g(a, b),
        int(a.size),
        int(b.size),
    )


def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``); NaN stays."""
    pvalues = np.asarray(pvalues, dtype=float)
    adjusted = np.full(pvalues.shape, np.nan)
    known = ~np.isnan(pvalues)
    if known.any():
        adjusted[known] = stats.false_discovery_control(pvalues[known], method="bh")
    return adjusted
