"""Prioritised recommendations: where a step up matters most for advocacy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.instrument import Instrument, Recommendation

__all__ = ["Priority", "prioritise"]

_NEXT_EDGE = {1: 20.0, 2: 40.0, 3: 60.0, 4: 80.0, 5: 100.0}


@dataclass(frozen=True)
class Priority:
    dimension: str
    level: int
    score: float
    driver: float  # Spearman's rho with advocacy (0 when unknown or negative)
    distance: float  # points to the next maturity level
    priority: float
    recommendation: Recommendation


def prioritise(
    instrument: Instrument, scores: dict[str, float], drivers: dict[str, float], *, top: int = 3
) -> list[Priority]:
    """The recommendations to start with: one per dimension, highest priority first.

    A dimension's priority is its driver strength (Spearman's rho with the advocacy score, floored
    at 0.05 so that a dimension without a known driver still counts a little) times its distance to
    the next maturity level; its recommendation is the instrument's first one for its current level.

    >>> from scoring.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> picks = prioritise(instrument, {"guidelines": 75.0, "error_tolerance": 30.0,
    ...     "patience": 55.0, "leadership": 25.0, "dialogue": 41.0},
    ...     {"guidelines": 0.2, "error_tolerance": 0.3, "patience": 0.1, "leadership": 0.6})
    >>> [(p.dimension, round(p.priority, 2)) for p in picks]
    [('leadership', 9.0), ('error_tolerance', 3.0), ('guidelines', 1.0)]
    """
    from scoring.scores import maturity_level

    candidates = []
    for dimension in instrument.dimensions:
        score = scores.get(dimension.key, np.nan)
        if score is None or np.isnan(score):
            continue
        level = int(maturity_level(score))
        options = instrument.recommendations_for(dimension.key, level)
        if not options:
            continue
        rho = drivers.get(dimension.key, np.nan)
        strength = max(0.05, 0.0 if rho is None or np.isnan(rho) else float(rho))
        distance = _NEXT_EDGE[level] - score
        candidates.append(
            Priority(
                dimension.key, level, score, strength, distance, strength * distance, options[0]
            )
        )
    candidates.sort(key=lambda p: -p.priority)
    return candidates[:top]
