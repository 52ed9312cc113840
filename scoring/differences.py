"""When a difference between two scores matters: statistically significant, important, or neither.

One rule for every difference the product reports — a principle's change since the previous
round, leaders against employees, two rounds compared — judged by the difference's interval
against the minimal important difference (MID).

The MID is distribution-based unless the instrument sets one: a fifth of the pooled standard
deviation of the scores compared, the difference Cohen (1988) calls small (d = 0.2). On the 0–100
principle scores, whose SD is typically 15–20, that is 3–4 points. Distribution-based MIDs are the
accepted fallback where no anchor (an outside criterion of a change that matters) exists
(Revicki, Hays, Cella & Sloan 2008, *Journal of Clinical Epidemiology* 61(2), 102–109); an
instrument whose authors have an anchor-based value sets ``minimal_important_difference``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "MID_FRACTION",
    "VERDICTS",
    "Judgement",
    "judge",
    "minimal_important_difference",
]

MID_FRACTION = 0.2  # of the pooled SD: Cohen's small effect
VERDICTS = ("important", "possibly important", "small", "unclear", "none", "untested")


@dataclass(frozen=True)
class Judgement:
    """A difference judged: ``statistically_significant`` (the p-value, corrected where several
    are tested, is below the level), ``important`` (significant, and the whole interval lies
    beyond the MID) and the ``verdict`` in words."""

    statistically_significant: bool
    important: bool
    verdict: str  # one of VERDICTS
    minimal_important_difference: float


def minimal_important_difference(sds, ns, *, fixed: float | None = None) -> float:
    """The MID of a difference between groups with standard deviations ``sds`` and sizes
    ``ns``: ``fixed`` when the instrument sets one, else :data:`MID_FRACTION` of the pooled SD
    ``sqrt(Σ (nᵢ − 1) sᵢ² / Σ (nᵢ − 1))``; NaN when no SD is known.

    >>> round(minimal_important_difference([15.0, 20.0], [100, 100]), 4)
    3.5355
    """
    if fixed is not None:
        return float(fixed)
    sds = np.asarray(sds, dtype=float)
    free = np.asarray(ns, dtype=float) - 1
    usable = ~np.isnan(sds) & (free > 0)
    if not usable.any():
        return float("nan")
    pooled = np.sqrt((free[usable] * sds[usable] ** 2).sum() / free[usable].sum())
    return float(MID_FRACTION * pooled)


def judge(
    difference: float, low: float, high: float, pvalue: float, mid: float, level: float = 0.05
) -> Judgement:
    """Judge a difference by its interval [``low``, ``high``] and ``pvalue`` against ``mid``.

    - *important*: statistically significant, and the whole interval lies beyond the MID;
    - *possibly important*: significant, and the interval reaches beyond the MID but also holds
      smaller differences (a change of 3.1 with interval [0.2, 6.0] against an MID of 3);
    - *small*: significant, but the whole interval lies within the MID — real and too small to
      matter;
    - *none*: not significant, and the whole interval lies within the MID — no difference that
      matters (an equivalence reading of the interval);
    - *unclear*: not significant, and the interval reaches beyond the MID — the data cannot tell;
    - *untested*: no p-value (the scores of a group do not vary): no test to judge by.

    >>> judge(3.1, 0.2, 6.0, 0.03, 3.0).verdict
    'possibly important'
    >>> judge(5.0, 3.5, 6.5, 0.001, 3.0).important
    True
    """
    significant = bool(not np.isnan(pvalue) and pvalue < level)
    if np.isnan(pvalue):
        verdict = "untested"
    elif np.isnan(mid) or np.isnan(low) or np.isnan(high):
        verdict = "unclear" if not significant else "possibly important"
    elif significant:
        if low >= mid or high <= -mid:
            verdict = "important"
        elif high >= mid or low <= -mid:
            verdict = "possibly important"
        else:
            verdict = "small"
    else:
        verdict = "none" if -mid < low and high < mid else "unclear"
    return Judgement(significant, verdict == "important", verdict, float(mid))
