"""Key-driver analysis: which principles move advocacy, as Johnson's relative weights.

The principles overlap, so their correlations with advocacy double-count what they share.
Relative weights (Johnson, 2000, *Multivariate Behavioral Research* 35(1)) split the R² of the
regression of advocacy on all principles into one share per principle: each share is what the
principle adds, with the shared part divided fairly, and the shares sum to R². They agree closely
with the Shapley value (general dominance weights, Budescu 1993) at a fraction of its cost.

The 95 % intervals come from a seeded bootstrap of respondents, vectorised
(:mod:`scoring.bootstrap`): the weights of all resamples are computed at once from a stack of
correlation matrices, with no loop that refits resample by resample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.bootstrap import bootstrap_correlations

__all__ = [
    "DRIVER_MIN_N",
    "Drivers",
    "key_drivers",
    "relative_weights",
    "relative_weights_from_correlations",
]

DRIVER_MIN_N = 30  # fewer complete respondents: too few to tell what drives advocacy
RESAMPLES = 2000


@dataclass(frozen=True)
class Drivers:
    """Relative weights of the principles for the outcome, with bootstrap 95 % intervals."""

    keys: tuple[str, ...]
    n: int  # respondents with a score on every principle and the outcome
    r_squared: float
    weights: np.ndarray  # share of variance explained per principle; sums to r_squared
    low: np.ndarray  # 2.5th percentile of each weight over the resamples
    high: np.ndarray  # 97.5th percentile
    resamples: int

    @property
    def shares(self) -> np.ndarray:
        """Each principle's share of R² (sums to 1)."""
        return self.weights / self.r_squared if self.r_squared > 0 else self.weights * np.nan


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
    # the outcome on the counterparts; a pseudo-inverse, so that a resample in which principles
    # happen to coincide (a singular matrix) still gives weights
    beta = (np.linalg.pinv(lam, rcond=1e-10, hermitian=True) @ rxy[..., None])[..., 0]
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
    respondents with complete data, with bootstrap 95 % intervals; None below ``min_n`` of them
    (or when a score does not vary): too few people to tell what drives advocacy."""
    scores = np.asarray(scores, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    complete = ~np.isnan(scores).any(axis=1) & ~np.isnan(outcome)
    x, y = scores[complete], outcome[complete]
    n = int(complete.sum())
    if n < min_n or np.any(np.ptp(x, axis=0) == 0) or np.ptp(y) == 0:
        return None
    if np.linalg.eigvalsh(np.corrcoef(x, rowvar=False)).min() < 1e-8:
        return None  # principles that coincide exactly: their shares cannot be told apart
    weights, r_squared = relative_weights(x, y)
    if not np.all(np.isfinite(weights)):
        return None
    boot = bootstrap_weights(x, y, resamples, seed)
    low, high = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    return Drivers(tuple(keys), n, r_squared, weights, low, high, resamples)
