"""Key-driver analysis: which principles move advocacy, as Johnson's relative weights.

The principles overlap, so their correlations with advocacy double-count what they share.
Relative weights (Johnson, 2000, *Multivariate Behavioral Research* 35(1)) split the R² of the
regression of advocacy on all principles into one share per principle: each share is what the
principle adds, with the shared part divided fairly, and the shares sum to R². They agree closely
with the Shapley value (general dominance weights, Budescu 1993) at a fraction of its cost.

The 95 % intervals come from a seeded bootstrap of respondents. It is vectorised: a resample only
changes how often each respondent counts, so each resample's correlation matrix comes from one
matrix product of its counts with the respondents' first and second moments, and the weights of
all resamples are computed at once from a stack of correlation matrices (no loop over resamples,
only over chunks of them, to bound memory).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def _moment_features(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per respondent: 1, each variable and each product of two (upper triangle), so that a
    resample's weighted column sums give its means and cross-products."""
    q = z.shape[1]
    upper = np.triu_indices(q)
    features = np.empty((z.shape[0], 1 + q + upper[0].size))
    features[:, 0] = 1.0
    features[:, 1 : 1 + q] = z
    features[:, 1 + q :] = z[:, upper[0]] * z[:, upper[1]]
    return features, np.stack(upper)


def _correlations(moments: np.ndarray, q: int, upper: np.ndarray) -> np.ndarray:
    """Correlation matrices from stacked moment sums (count, sums, cross-product sums)."""
    count = moments[:, 0]
    mean = moments[:, 1 : 1 + q] / count[:, None]
    cross = np.zeros((moments.shape[0], q, q))
    cross[:, upper[0], upper[1]] = moments[:, 1 + q :] / count[:, None]
    cross = cross + np.triu(cross, 1).swapaxes(1, 2)
    covariance = cross - mean[:, :, None] * mean[:, None, :]
    sd = np.sqrt(np.clip(np.diagonal(covariance, axis1=1, axis2=2), 1e-300, None))
    return covariance / sd[:, :, None] / sd[:, None, :]


def bootstrap_weights(
    x: np.ndarray, y: np.ndarray, resamples: int = RESAMPLES, seed: int = 0
) -> np.ndarray:
    """Relative weights of ``resamples`` bootstrap resamples of the rows, shape (resamples, p)."""
    z = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    z = (z - z.mean(axis=0)) / np.where(z.std(axis=0) > 0, z.std(axis=0), 1.0)  # conditioning
    n, q = z.shape
    features, upper = _moment_features(z)
    # resamples are drawn and multiplied in chunks (≈ 32 MB of counts), each chunk from its own
    # generator spawned from ``seed`` (chunks could run in any order or in parallel), and
    # counted in blocks of a few resamples whose tally stays in the processor's cache
    chunk = int(max(1, min(resamples, 4_000_000 // max(n, 1))))
    block = int(max(1, min(chunk, 400_000 // max(n, 1))))
    starts = range(0, resamples, chunk)
    streams = np.random.SeedSequence(seed).spawn(len(starts))
    moments = np.empty((resamples, features.shape[1]))
    counts = np.empty((chunk, n))
    offsets = (np.arange(block) * n)[:, None]
    for start, stream in zip(starts, streams, strict=True):
        k = min(chunk, resamples - start)
        drawn = np.random.default_rng(stream).integers(0, n, size=(k, n))
        for first in range(0, k, block):
            rows = drawn[first : first + block]
            rows += offsets[: rows.shape[0]]
            tally = np.bincount(rows.ravel(), minlength=rows.shape[0] * n)
            counts[first : first + rows.shape[0]] = tally.reshape(rows.shape[0], n)
        moments[start : start + k] = counts[:k] @ features
    weights = relative_weights_from_correlations(_correlations(moments, q, upper))
    return np.asarray(weights).reshape(resamples, q - 1)


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
