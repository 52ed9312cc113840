"""Fit indices of a factor model from its χ² and its baseline's, as lavaan computes them.

One place for the rule, used by the single-group instrument check (:mod:`scoring.structure`,
whose χ² comes from semopy) and by the multi-group invariance models (:mod:`scoring.invariance`).
semopy's own indices differ from lavaan's in two ways: its CFI is not bounded (a model that fits
better than its degrees of freedom expect gets CFI above 1, 1.005 was seen), and its RMSEA divides
by N − 1 while its χ² is N times the minimum of the fit function.

Notes
-----
With χ² and df of the model, χ²_B and df_B of the baseline (independent statements), N people in
G groups (lavaan 0.6, ``fitMeasures``, maximum likelihood with its default normal likelihood):

    CFI   = 1 − max(χ² − df, 0) / max(χ² − df, χ²_B − df_B, 0)   (1 when both are 0)
    TLI   = (χ²_B / df_B − χ² / df) / (χ²_B / df_B − 1)          (not bounded, as lavaan)
    RMSEA = √(max(χ² − df, 0) / (df · N)) · √G

CFI is bounded to [0, 1] by construction (Bentler 1990); TLI is left as it is, so a value above 1
still says the model has fewer misfits than its degrees of freedom allow. RMSEA divides by N,
matching χ² = N · F_ML (Wishart's N − 1 belongs with a χ² computed with N − 1).

References
----------
Bentler, P. M. (1990). Comparative fit indexes in structural models. Psychological Bulletin,
107(2), 238–246.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2). (``lav_fit_cfi``, ``lav_fit_rmsea`` in its sources)

Examples
--------
lavaan's three-factor model of the Holzinger–Swineford tests (N = 301):

>>> fit = fit_indices(85.306, 24, 918.852, 36, n=301)
>>> round(fit.cfi, 3), round(fit.tli, 3), round(fit.rmsea, 3)
(0.931, 0.896, 0.092)
>>> fit_indices(20.0, 24, 918.852, 36, n=301).cfi  # χ² below its df: bounded at 1
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FitIndices", "fit_indices"]


@dataclass(frozen=True)
class FitIndices:
    chisq: float
    df: int
    cfi: float
    tli: float
    rmsea: float


def fit_indices(
    chisq: float, df: int, baseline_chisq: float, baseline_df: int, n: int, groups: int = 1
) -> FitIndices:
    """CFI, TLI and RMSEA of a model with χ² ``chisq`` on ``df`` degrees of freedom, against a
    baseline with ``baseline_chisq`` on ``baseline_df``, fitted to ``n`` people in ``groups``."""
    if n <= 0:
        raise ValueError("n: the number of people must be positive")
    if groups < 1:
        raise ValueError("groups: at least one group")
    chisq = max(float(chisq), 0.0)
    excess = max(chisq - df, 0.0)
    baseline_excess = max(baseline_chisq - baseline_df, 0.0)
    worst = max(excess, baseline_excess)
    cfi = 1.0 if worst == 0 else 1.0 - excess / worst
    if df > 0 and baseline_df > 0 and baseline_chisq / baseline_df != 1:
        ratio = baseline_chisq / baseline_df
        tli = (ratio - chisq / df) / (ratio - 1)
    else:
        tli = 1.0  # a saturated model (lavaan's convention)
    rmsea = math.sqrt(excess / (df * n)) * math.sqrt(groups) if df > 0 else 0.0
    return FitIndices(chisq, int(df), float(cfi), float(tli), float(rmsea))
