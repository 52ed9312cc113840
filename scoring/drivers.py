"""Key-driver analysis: which principles move advocacy most."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["DriverResult", "key_drivers"]


@dataclass(frozen=True)
class DriverResult:
    """Spearman correlation of one dimension's respondent scores with the outcome score."""

    key: str
    statistic: float  # Spearman's rho
    pvalue: float
    n: int


def key_drivers(scores: np.ndarray, outcome: np.ndarray, keys, *, min_n: int = 10):
    """Spearman's rho of each column of ``scores`` with ``outcome``, over pairwise complete rows.

    Parameters
    ----------
    scores : array, shape (n, d)
        Respondent dimension scores (NaN = missing).
    outcome : array, shape (n,)
        Respondent outcome (advocacy) scores (NaN = missing).
    keys : sequence of str
        Dimension keys, one per column.
    min_n : int
        Fewer complete pairs than this give NaN: a correlation of a handful of people says little.

    Notes
    -----
    Rank correlation, because scores are bounded and often skewed, and a driver should not be
    decided by a few extreme respondents. Results are sorted strongest first.
    """
    scores = np.asarray(scores, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    results = []
    for d, key in enumerate(keys):
        complete = ~np.isnan(scores[:, d]) & ~np.isnan(outcome)
        n = int(complete.sum())
        x, y = scores[complete, d], outcome[complete]
        if n < min_n or np.ptp(x) == 0 or np.ptp(y) == 0:
            results.append(DriverResult(key, np.nan, np.nan, n))
            continue
        rho, pvalue = stats.spearmanr(x, y)
        results.append(DriverResult(key, float(rho), float(pvalue), n))
    return sorted(results, key=lambda r: -np.nan_to_num(r.statistic, nan=-2.0))
