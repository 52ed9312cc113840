"""Key-driver analysis: which principles move advocacy, as Johnson's relative weights.

The principles overlap, so their correlations with advocacy double-count what they share.
Relative weights (Johnson, 2000, *Multivariate Behavioral Research* 35(1)) split the R² of the
regression of advocacy on all principles into one share per principle: each share is what the
principle adds, with the shared part divided fairly, and the shares sum to R². They agree closely
with the Shapley value (general dominance weights, Budescu 1993) at a fraction of its cost.

The 95 % intervals are BCa intervals from a seeded bootstrap of respondents, vectorised
(:mod:`scoring.bootstrap`): the weights of all resamples are computed at once from a stack of
correlation matrices, with no loop that refits resample by resample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.bootstrap import bca_interval, bootstrap_correlations, jackknife_correlations

__all__ = [
    "DRIVER_MIN_N",
    "Drivers",
    "key_drivers",
    "relative_weights",
    "random_variable",
    "relative_weights_from_correlations",
    "why_not",
]

DRIVER_MIN_N = 30  # fewer complete respondents: too few to tell what drives advocacy
RESAMPLES = 2000
CHANCE_STREAM = 1 << 20  # the random variable's seed stream, apart from the resamples'


@dataclass(frozen=True)
class Drivers:
    """Relative weights of the principles for the outcome, with BCa bootstrap 95 % intervals."""

    keys: tuple[str, ...]
    n: int  # respondents with a score on every principle and the outcome
    r_squared: float
    weights: np.ndarray  # share of variance explained per principle; sums to r_squared
    low: np.ndarray  # the weights' BCa interval
    high: np.ndarray
    share_low: np.ndarray  # the BCa interval of each share of R², resampled as a share
    share_high: np.ndarray
    # each weight minus a random variable's, in the model with one added (Tonidandel et al.)
    chance_low: np.ndarray
    chance_high: np.ndarray
    pair_low: np.ndarray  # p × p: the BCa interval of weights[i] − weights[j]
    pair_high: np.ndarray
    resamples: int

    @property
    def shares(self) -> np.ndarray:
        """Each principle's share of R² (sums to 1)."""
        return self.weights / self.r_squared if self.r_squared > 0 else self.weights * np.nan

    @property
    def beyond_chance(self) -> np.ndarray:
        """Whether each weight is larger than a random variable's: its interval lies above 0."""
        return self.chance_low > 0

    def apart(self, i: int, j: int) -> bool:
        """Whether principles ``i`` and ``j`` can be told apart: the interval of the difference
        of their weights does not hold 0."""
        return bool(self.pair_low[i, j] > 0 or self.pair_high[i, j] < 0)


def relative_weights_from_correlations(correlations: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from one correlation matrix, or from a stack of them.

    ``correlations`` has shape (..., p + 1, p + 1): the p predictors first, the outcome last.
    Returns shape (..., p): the weights, which sum to each matrix's R².
    """
    c = np.asarray(correlations, dtype=float)
    rxx, rxy = c[..., :-1, :-1], c[..., :-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(values, 0.0, None))
    # Λ = R_xx^{1/2}: the correlations of the predictors with their orthogonal counterparts
    lam = (vectors * root[..., None, :]) @ np.swapaxes(vectors, -1, -2)
    # the outcome on the counterparts, β = Λ⁺ r_xy from the same eigenvectors: a pseudo-inverse,
    # so that a resample in which principles happen to coincide (a singular matrix) still gives
    # weights
    keep = root > 1e-10 * root.max(axis=-1, keepdims=True)
    inverse = np.where(keep, 1.0 / np.where(keep, root, 1.0), 0.0)
    projected = np.einsum("...ji,...j->...i", vectors, rxy)
    beta = np.einsum("...ij,...j->...i", vectors, inverse * projected)
    return np.einsum("...jk,...k->...j", lam**2, beta**2)


def relative_weights(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Relative weights of the columns of ``x`` for ``y`` (complete rows), and the R²."""
    data = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    weights = relative_weights_from_correlations(np.corrcoef(data, rowvar=False))
    weights = np.asarray(weights).reshape(-1)
    return weights, float(weights.sum())


def bootstrap_weights(
    x: np.ndarray, y: np.ndarray, resamples: int = RESAMPLES, seed: int = 0
) -> np.ndarray:
    """Relative weights of ``resamples`` bootstrap resamples of the rows, shape (resamples, p)."""
    z = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    weights = relative_weights_from_correlations(bootstrap_correlations(z, resamples, seed))
    return np.asarray(weights).reshape(resamples, z.shape[1] - 1)


def random_variable(n: int, seed: int = 0) -> np.ndarray:
    """The random variable the weights are tested against: n standard normal draws from a
    stream of its own (the bootstrap's streams are spawned from ``seed``; this one is not)."""
    stream = np.random.SeedSequence(seed, spawn_key=(CHANCE_STREAM,))
    return np.random.default_rng(stream).standard_normal(n)


def why_not(scores: np.ndarray, outcome: np.ndarray, *, min_n: int = DRIVER_MIN_N) -> str | None:
    """Why :func:`key_drivers` finds no drivers: ``"too_few"`` people with complete data,
    ``"no_spread"`` when a principle or the outcome does not vary among them or two principles
    coincide; None when it finds them."""
    x, y = _complete(scores, outcome)
    if len(y) < min_n:
        return "too_few"
    if np.any(np.ptp(x, axis=0) == 0) or np.ptp(y) == 0:
        return "no_spread"
    if np.linalg.eigvalsh(np.corrcoef(x, rowvar=False)).min() < 1e-8:
        return "no_spread"
    return None


def _complete(scores, outcome) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    complete = ~np.isnan(scores).any(axis=1) & ~np.isnan(outcome)
    return scores[complete], outcome[complete]


def _statistics(correlations: np.ndarray, p: int) -> np.ndarray:
    """From correlation matrices of (principles, random variable, outcome): the p weights, the
    p shares, the p weights minus the random variable's (in the model with it) and the p × p
    differences of the weights, shape (..., 3p + p²)."""
    without = [*range(p), p + 1]
    plain = relative_weights_from_correlations(correlations[..., without, :][..., :, without])
    tested = relative_weights_from_correlations(correlations)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = plain / plain.sum(axis=-1, keepdims=True)
    chance = tested[..., :p] - tested[..., p : p + 1]
    pairs = (plain[..., :, None] - plain[..., None, :]).reshape(*plain.shape[:-1], p * p)
    return np.concatenate([plain, shares, chance, pairs], axis=-1)


def key_drivers(
    scores: np.ndarray,
    outcome: np.ndarray,
    keys,
    *,
    min_n: int = DRIVER_MIN_N,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Drivers | None:
    """Relative weights of the principles (columns of ``scores``) for ``outcome``, over the
    respondents with complete data, with BCa bootstrap 95 % intervals; None when
    :func:`why_not` gives a reason.

    One bootstrap of the correlations of (principles, a random variable, outcome) gives every
    interval: of each weight and of each share of R² (resampled as a share, not a weight's
    interval divided by the full sample's R²); of each weight minus the random variable's, in
    the model with the random variable added, so that a weight is judged against what a
    variable unrelated to advocacy would get (Tonidandel, LeBreton & Johnson 2009 — weights are
    never negative, so their own intervals never hold 0); and of the difference of every two
    weights, so that two principles are told apart by the interval of their difference, not by
    whether their intervals overlap. The jackknife values for the acceleration come from the
    correlation matrices with each respondent left out, or each of 4,000 groups of them in a
    larger round (:func:`scoring.bootstrap.jackknife_correlations`).
    """
    if why_not(scores, outcome, min_n=min_n) is not None:
        return None
    x, y = _complete(scores, outcome)
    n, p = x.shape
    z = np.column_stack([x, random_variable(n, seed), y])
    estimate = _statistics(np.corrcoef(z, rowvar=False), p)
    if not np.all(np.isfinite(estimate[:p])):
        return None
    boot = _statistics(bootstrap_correlations(z, resamples, seed), p)
    jack = _statistics(jackknife_correlations(z, seed=seed), p)
    low, high = bca_interval(estimate, boot, jack)
    parts = [slice(i * p, (i + 1) * p) for i in range(3)]
    square = slice(3 * p, None)
    return Drivers(
        tuple(keys),
        n,
        float(estimate[parts[0]].sum()),
        estimate[parts[0]],
        low[parts[0]],
        high[parts[0]],
        low[parts[1]],
        high[parts[1]],
        low[parts[2]],
        high[parts[2]],
        low[square].reshape(p, p),
        high[square].reshape(p, p),
        resamples,
    )
