"""Respondent scores, dimension statistics, favourability and maturity levels.

Answers are held as an int8 *points* matrix (respondents × items, in the instrument's column order):
the reverse-keyed answer minus the scale minimum, so 0 is the least favourable answer and
``scale.span`` the most favourable, with -1 for a missing answer. One byte per answer keeps a
million-respondent round in 25 MB, and the missing code lets every statistic run on integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from scoring.disclosure import recode_for_release
from scoring.instrument import MISSING, Instrument
from scoring.reliability import (
    RELIABILITY_MIN_N,
    ConfidenceInterval,
    CronbachAlphaResult,
    cronbach_alpha,
)

__all__ = [
    "LEVEL_NAMES",
    "MISSING",
    "DimensionResult",
    "InvalidAnswer",
    "OverallResult",
    "ScoringResult",
    "encode_answers",
    "item_distributions",
    "maturity_level",
    "points_from_offsets",
    "recode_points",
    "release_points",
    "respondent_outcome",
    "respondent_scores",
    "reverse_key",
    "score_answers",
]

LEVEL_NAMES = {1: "Initial", 2: "Emerging", 3: "Defined", 4: "Managed", 5: "Leading"}
_LEVEL_EDGES = np.array([20.0, 40.0, 60.0, 80.0])
_COMPARE_UP_TO = 12  # scale spans up to which answers are counted by comparison


class InvalidAnswer(ValueError):
    """An answer that is not a point of the scale; ``row`` and ``column`` are 0-based."""

    def __init__(self, row: int, column: str, value: Any, message: str):
        super().__init__(f"row {row}, column {column!r}: {message}")
        self.row, self.column, self.value, self.reason = row, column, value, message


def reverse_key(values, scale_min: int, scale_max: int):
    """Reverse-key answers on a ``scale_min``..``scale_max`` scale: ``x' = min + max - x``."""
    return scale_min + scale_max - np.asarray(values)


def maturity_level(score):
    """Maturity level 1-5 of 0-100 scores: [0, 20) is 1, [20, 40) is 2, … [80, 100] is 5.

    NaN scores get level 0 (no level). Scores are rounded to nine decimals first so that float noise
    (59.999999999 for 60) does not drop a score into the band below.

    >>> maturity_level([0, 19.99, 20, 59.9999999999, 80, 100]).tolist()
    [1, 1, 2, 4, 5, 5]
    """
    score = np.round(np.asarray(score, dtype=np.float64), 9)
    level = np.searchsorted(_LEVEL_EDGES, score, side="right") + 1
    return np.where(np.isnan(score), 0, level)


def points_from_offsets(offsets, instrument: Instrument) -> np.ndarray:
    """Reverse-key stored answers (answer − scale minimum, -1 missing) into the points matrix."""
    points = np.array(offsets, dtype=np.int8, order="F")
    reverse = instrument.reverse_mask
    if reverse.any():
        flipped = points[:, reverse]
        points[:, reverse] = np.where(flipped < 0, MISSING, instrument.scale.span - flipped)
    return points


def release_points(offsets, instrument: Instrument, min_group_size: int) -> np.ndarray:
    """The points matrix of stored answers as a release counts it (:func:`recode_points`)."""
    return recode_points(points_from_offsets(offsets, instrument), instrument, min_group_size)


def recode_points(points: np.ndarray, instrument: Instrument, min_group_size: int) -> np.ndarray:
    """``points`` with every answer bin of 1 … k−1 people merged in the answers themselves
    (:func:`scoring.disclosure.recode_for_release`), per principle and for the outcome
    statements: the answers every figure of a release is computed from."""
    blocks = list(instrument.dimension_columns.values())
    if instrument.outcomes:
        blocks.append(instrument.outcome_columns)
    return recode_for_release(points, blocks, instrument.scale.span, min_group_size)


def encode_answers(values, instrument: Instrument, *, row_offset: int = 0) -> np.ndarray:
    """Turn raw answers (respondents × items, NaN = missing) into the int8 points matrix.

    Raises :class:`InvalidAnswer` for the first value that is not a whole point of the scale.
    ``row_offset`` is added to the row in that error, for callers that encode in chunks.
    """
    values = np.asarray(values, dtype=np.float64)
    keys = instrument.item_keys
    if values.ndim != 2 or values.shape[1] != len(keys):
        raise ValueError(f"values must have shape (n, {len(keys)}), not {values.shape}")
    scale = instrument.scale
    missing = np.isnan(values)
    bad = ~missing & ((values != np.round(values)) | (values < scale.min) | (values > scale.max))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        value = float(values[row, col])
        raise InvalidAnswer(
            int(row) + row_offset,
            keys[col],
            value,
            f"value {value:g} is not a whole number from {scale.min} to {scale.max}",
        )
    offsets = np.where(missing, MISSING, values - scale.min).astype(np.int8)
    return points_from_offsets(offsets, instrument)


def _dimension_sums(block: np.ndarray):
    """Per respondent: number of answered items and the sum of their points (one pass per item)."""
    answered = np.zeros(block.shape[0], dtype=np.int16)
    total = np.zeros(block.shape[0], dtype=np.int16)
    for j in range(block.shape[1]):
        column = block[:, j]
        answered += column >= 0
        total += column
    total += block.shape[1] - answered  # each missing answer added -1
    return answered, total


def _block_scores(block: np.ndarray, span: int) -> np.ndarray:
    answered, total = _dimension_sums(block)
    enough = answered >= -(-block.shape[1] // 2)  # at least half the items, rounded up
    with np.errstate(invalid="ignore", divide="ignore"):
        score = total / answered * (100.0 / span)
    return np.where(enough, score, np.nan)


def respondent_scores(points: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Respondents × dimensions matrix of 0-100 scores, NaN where too few items were answered."""
    span = instrument.scale.span
    out = np.empty((points.shape[0], len(instrument.dimensions)))
    for d, columns in enumerate(instrument.dimension_columns.values()):
        out[:, d] = _block_scores(points[:, columns], span)
    return out


def respondent_outcome(points: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Each respondent's mean outcome (advocacy) score, 0-100, NaN with too few answers."""
    return _block_scores(points[:, instrument.outcome_columns], instrument.scale.span)


def item_distributions(points: np.ndarray, span: int) -> np.ndarray:
    """Items × (span + 2) counts: column 0 missing answers, column 1 + p the answers at p."""
    counts = np.empty((points.shape[1], span + 2), dtype=np.int64)
    for j in range(points.shape[1]):
        column = points[:, j]
        if span <= _COMPARE_UP_TO:
            # a handful of byte comparisons beats bincount, which first widens every byte to int64
            counts[j] = [np.count_nonzero(column == value) for value in range(-1, span + 1)]
        else:
            # -1 viewed as uint8 is 255: after the shift by one, missing answers land in bin 0
            shifted = column.view(np.uint8) + np.uint8(1)
            counts[j] = np.bincount(shifted, minlength=span + 2)[: span + 2]
    return counts


def _pair_table(answered: np.ndarray, total: np.ndarray, k: int, span: int) -> np.ndarray:
    """(k + 1) × (k·span + 1) counts of respondents by (items answered, sum of points)."""
    width = k * span + 1
    code = answered.astype(np.int32) * width + total
    return np.bincount(code, minlength=(k + 1) * width).reshape(k + 1, width)


@dataclass(frozen=True)
class DimensionResult:
    """Statistics of one dimension (or of the outcome items) in a group of respondents."""

    key: str
    n: int
    statistic: float  # mean 0-100 score
    sd: float
    confidence_level: float
    _ci: tuple[float, float]
    favourable: float
    neutral: float
    unfavourable: float
    alpha: CronbachAlphaResult | None
    # items × (missing, point 0, …, point span), over the respondents with a score
    distribution: np.ndarray = field(repr=False)

    @property
    def level(self) -> int | None:
        return None if np.isnan(self.statistic) else int(maturity_level(self.statistic))

    def confidence_interval(self) -> ConfidenceInterval:
        return ConfidenceInterval(*self._ci)

    def withheld(self) -> dict[str, str]:
        """The figures a report would not give for this group, each with its reason: no
        interval or level below :data:`MIN_INTERVAL_N` people with a score, no interval when
        they all gave the same answers (zero width is no certainty), no alpha below
        :data:`~scoring.reliability.RELIABILITY_MIN_N` people who answered every statement."""
        reasons = {}
        if 0 < self.n < MIN_INTERVAL_N:
            few = f"fewer than {MIN_INTERVAL_N} people with a score"
            reasons["ci95"] = reasons["level"] = few
        elif self.n and self.sd == 0:
            reasons["ci95"] = SAME_ANSWERS
        if self.alpha is not None and self.n:
            if self.alpha.n < RELIABILITY_MIN_N:
                reasons["alpha"] = (
                    f"fewer than {RELIABILITY_MIN_N} people answered every statement "
                    f"({self.alpha.n})"
                )
            elif np.isnan(self.alpha.statistic):
                reasons["alpha"] = "the people who answered every statement have the same total"
        return reasons

    @property
    def dont_know(self) -> float:
        """The share of "don't know" among the statement answers of the people with a score."""
        given = self.distribution.sum()
        return float(self.distribution[:, 0].sum() / given) if given else np.nan


@dataclass(frozen=True)
class OverallResult:
    statistic: float

    @property
    def level(self) -> int | None:
        return None if np.isnan(self.statistic) else int(maturity_level(self.statistic))


@dataclass(frozen=True)
class ScoringResult:
    instrument: Instrument = field(repr=False)
    n_respondents: int
    dimensions: tuple[DimensionResult, ...]
    overall: OverallResult
    outcome: DimensionResult | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``ambassador score --json``: a figure a report would not give is
        null, and ``withheld`` says why."""
        overall = {"score": _figure(self.overall.statistic), "level": self.overall.level}
        few = [dim.key for dim in self.dimensions if "level" in dim.withheld()]
        if few and overall["level"] is not None:
            overall["level"] = None
            overall["withheld"] = {
                "level": f"fewer than {MIN_INTERVAL_N} people with a score on " + ", ".join(few)
            }
        result = {
            "instrument": self.instrument.id,
            "version": self.instrument.version,
            "n_respondents": self.n_respondents,
            "dimensions": [_dimension_dict(dim) for dim in self.dimensions],
            "overall": overall,
        }
        if self.outcome is not None:
            result["outcome"] = _dimension_dict(self.outcome)
        return result


def _figure(value: float | None) -> float | None:
    """A figure as machine outputs carry it: unrounded, None when missing."""
    return None if value is None or np.isnan(value) else float(value)


def _dimension_dict(dim: DimensionResult) -> dict[str, Any]:
    low, high = dim.confidence_interval()
    alpha = dim.alpha
    withheld = dim.withheld()
    shown_alpha = alpha is not None and "alpha" not in withheld and dim.n > 0
    alpha_ci = alpha.confidence_interval() if shown_alpha else None
    figures = {
        "key": dim.key,
        "n": dim.n,
        "score": _figure(dim.statistic),
        "ci95": None if np.isnan(low) or "ci95" in withheld else [_figure(low), _figure(high)],
        "favourable": _figure(dim.favourable),
        "neutral": _figure(dim.neutral),
        "unfavourable": _figure(dim.unfavourable),
        "dont_know": _figure(dim.dont_know),
        "alpha": _figure(alpha.statistic) if shown_alpha else None,
        "alpha_ci95": (
            None
            if alpha_ci is None or np.isnan(alpha_ci.low)
            else [_figure(alpha_ci.low), _figure(alpha_ci.high)]
        ),
        # listwise: the people who answered every statement (the others are left out)
        "alpha_n": alpha.n if alpha is not None else None,
        "level": None if "level" in withheld else dim.level,
    }
    if withheld:
        figures["withheld"] = withheld
    return figures


SAME_ANSWERS = "everyone gave the same answers"  # why a zero-spread group has no interval
MIN_INTERVAL_N = 5  # below this a 95 % interval spans most of the scale: none is given
SCORE_RANGE = (0.0, 100.0)


def t_interval(
    mean: float,
    sd: float,
    n: int,
    confidence_level: float,
    bounds: tuple[float, float] = SCORE_RANGE,
) -> tuple[float, float]:
    """Student-t interval for a mean, clipped to the scale's ``bounds``; NaN bounds when ``n`` is
    below :data:`MIN_INTERVAL_N` (with n = 2 the 95 % interval of a 0–100 score can span
    ±600 points: no interval is more honest than a clipped [0, 100])."""
    if n < MIN_INTERVAL_N or np.isnan(sd):
        return (np.nan, np.nan)
    half = stats.t.ppf(0.5 + confidence_level / 2, n - 1) * sd / np.sqrt(n)
    low, high = bounds
    return (float(max(mean - half, low)), float(min(mean + half, high)))


def _summarise(key: str, block: np.ndarray, span: int, confidence_level: float):
    """One dimension's statistics from two small frequency tables instead of per-row floats.

    A respondent's score depends only on (items answered, sum of points), so counting those pairs
    gives the exact mean and SD of the respondent scores; counting each item's points gives the
    answer distribution and the favourable shares.
    """
    k = block.shape[1]
    answered, total = _dimension_sums(block)
    pairs = _pair_table(answered, total, k, span)
    # the statements' answers are counted over the people with a score, so that the counts, the
    # shares and the score rest on one set of people (n answers per statement, "don't know" in
    # column 0)
    distribution = item_distributions(block[answered >= -(-k // 2)], span)

    counted = np.arange(k + 1) >= -(-k // 2)  # at least half the items answered, rounded up
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.arange(pairs.shape[1]) / np.arange(k + 1)[:, None] * (100.0 / span)
    weights = pairs[counted]
    n = int(weights.sum())
    mean = float((weights * value[counted]).sum() / n) if n else np.nan
    sd = np.nan
    if n > 1:
        sd = float(np.sqrt((weights * (value[counted] - mean) ** 2).sum() / (n - 1)))

    per_point = distribution[:, 1:].sum(axis=0)
    answers = per_point.sum()
    top = 2 if span + 1 >= 4 else 1  # the top (and bottom) two points; one on a 2- or 3-point scale
    shares = (np.nan, np.nan, np.nan)
    if answers:
        fav, unfav = per_point[-top:].sum(), per_point[:top].sum()
        shares = (fav / answers, (answers - fav - unfav) / answers, unfav / answers)
    alpha = cronbach_alpha(block, confidence_level=confidence_level) if k >= 2 else None
    return DimensionResult(
        key=key,
        n=n,
        statistic=mean,
        sd=sd,
        confidence_level=confidence_level,
        _ci=t_interval(mean, sd, n, confidence_level),
        favourable=float(shares[0]),
        neutral=float(shares[1]),
        unfavourable=float(shares[2]),
        alpha=alpha,
        distribution=distribution,
    )


def score_answers(
    points: np.ndarray, instrument: Instrument, *, confidence_level: float = 0.95
) -> ScoringResult:
    """Score a group of respondents: every dimension, the outcome items and the overall level.

    ``points`` is the int8 matrix made by :func:`encode_answers` (or read from the database).
    """
    points = np.asarray(points, dtype=np.int8)
    if points.ndim != 2 or points.shape[1] != len(instrument.item_keys):
        raise ValueError(
            f"points must have shape (n, {len(instrument.item_keys)}), not {points.shape}"
        )
    span = instrument.scale.span
    dimensions = tuple(
        _summarise(key, points[:, columns], span, confidence_level)
        for key, columns in instrument.dimension_columns.items()
    )
    means = np.array([dim.statistic for dim in dimensions])
    overall = OverallResult(float(means.mean()) if not np.isnan(means).any() else np.nan)
    outcome = None
    if instrument.outcomes:
        outcome = _summarise(
            "outcome", points[:, instrument.outcome_columns], span, confidence_level
        )
    return ScoringResult(
        instrument=instrument,
        n_respondents=int(points.shape[0]),
        dimensions=dimensions,
        overall=overall,
        outcome=outcome,
    )
