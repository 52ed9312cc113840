"""Prioritised recommendations: where a step up matters most for advocacy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.instrument import Instrument, Recommendation

__all__ = ["Priority", "prioritise"]

DEFAULT_TARGET = 80.0  # the start of level 5, "leading": the target without a benchmark pool


@dataclass(frozen=True)
class Priority:
    dimension: str
    level: int
    score: float
    driver: float  # the principle's relative weight for advocacy (its share of R²)
    target: float  # the score aimed at: the pool's top-25 % organisation mean, or DEFAULT_TARGET
    gap: float  # points from the score to the target (0 at or above it)
    priority: float  # driver × gap
    recommendation: Recommendation


def prioritise(
    instrument: Instrument,
    scores: dict[str, float],
    drivers: dict[str, float],
    *,
    targets: dict[str, float] | None = None,
    intervals: dict[str, tuple[float, float]] | None = None,
    top: int = 3,
) -> list[Priority]:
    """The recommendations to start with: one per principle, highest priority first.

    A principle's priority is its relative weight for advocacy times its gap to a target: the
    top-25 % mark of the benchmark pool's organisation means for that principle when a pool is
    given (``targets``), else :data:`DEFAULT_TARGET`. Both factors change smoothly with the
    score, so there are no jumps at the edges of the maturity levels. Without driver weights
    (too few people) every principle weighs the same, and the gap alone decides. Principles at
    or above their target are not picked. Its recommendation is the instrument's first one for
    the level the principle has reached with 95 % confidence: the level of its interval's lower
    end (``intervals``), else of its score. So scores of 59.9 and 60.1 with the same interval get
    the same advice; a principle whose interval spans levels 3 and 4 is advised as at level 3
    until the data show it has reached 4.

    >>> from scoring.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> picks = prioritise(instrument, {"guidelines": 75.0, "error_tolerance": 30.0,
    ...     "patience": 55.0, "leadership": 25.0, "dialogue": 41.0},
    ...     {"guidelines": 0.05, "error_tolerance": 0.1, "patience": 0.02, "leadership": 0.2,
    ...      "dialogue": 0.03})
    >>> [(p.dimension, round(p.priority, 2)) for p in picks]
    [('leadership', 11.0), ('error_tolerance', 5.0), ('dialogue', 1.17)]
    """
    from scoring.scores import maturity_level

    known = [w for w in drivers.values() if w is not None and not np.isnan(w)]
    candidates = []
    for dimension in instrument.dimensions:
        score = scores.get(dimension.key, np.nan)
        if score is None or np.isnan(score):
            continue
        low = (intervals or {}).get(dimension.key, (None, None))[0]
        level = int(maturity_level(score if low is None or np.isnan(low) else low))
        options = instrument.recommendations_for(dimension.key, level)
        target = (targets or {}).get(dimension.key)
        target = DEFAULT_TARGET if target is None or np.isnan(target) else float(target)
        gap = max(0.0, target - score)
        weight = drivers.get(dimension.key, np.nan) if known else 1.0
        weight = 0.0 if weight is None or np.isnan(weight) else float(weight)
        if not options or gap <= 0:
            continue
        candidates.append(
            Priority(dimension.key, level, score, weight, target, gap, weight * gap, options[0])
        )
    candidates.sort(key=lambda p: (-p.priority, p.score))
    return candidates[:top]
