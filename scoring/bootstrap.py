"""The nonparametric bootstrap of a correlation matrix, vectorised.

A resample only changes how often each respondent counts, so its correlation matrix follows from
one matrix product of its counts with each respondent's first and second moments (1, z, z zᵀ).
Resamples are drawn in chunks (≈ 32 MB of counts), each chunk from its own generator spawned from
the seed, so that chunks run on several threads at once with the answer of one after another; each
chunk is counted in blocks of a few resamples whose tally stays in the processor's cache.
Statistics that are functions of the correlation matrix (relative weights, reliability) are then
computed for all resamples at once from the stack of matrices.
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.special import ndtr, ndtri
from threadpoolctl import ThreadpoolController

__all__ = [
    "bca_interval",
    "bootstrap_correlations",
    "bootstrap_pattern_correlations",
    "jackknife_correlations",
]


JACKKNIFE_GROUPS = 4000  # more rows than this: a grouped jackknife


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


def bootstrap_correlations(z: np.ndarray, resamples: int, seed: int = 0) -> np.ndarray:
    """Correlation matrices of ``resamples`` bootstrap resamples of the rows of ``z`` (complete
    data), shape (resamples, q, q). Resample b of the first chunk is the rows
    ``default_rng(SeedSequence(seed).spawn(chunks)[0]).integers(0, n, (chunk, n), np.int32)[b]``
    (32-bit indices: drawing them costs about half of 64-bit ones)."""
    z = np.asarray(z, dtype=float)
    spread = z.std(axis=0)
    z = (z - z.mean(axis=0)) / np.where(spread > 0, spread, 1.0)  # conditioning
    n, q = z.shape
    features, upper = _moment_features(z)
    chunk = int(max(1, min(resamples, 4_000_000 // max(n, 1))))
    block = int(max(1, min(chunk, 200_000 // max(n, 1))))
    starts = range(0, resamples, chunk)
    streams = np.random.SeedSequence(seed).spawn(len(starts))
    moments = np.empty((resamples, features.shape[1]))
    offsets = (np.arange(block, dtype=np.int32) * n)[:, None]
    buffers = threading.local()  # one count matrix per thread, reused chunk after chunk

    def one_chunk(start: int, stream: np.random.SeedSequence) -> None:
        k = min(chunk, resamples - start)
        counts = getattr(buffers, "counts", None)
        if counts is None:
            counts = buffers.counts = np.empty((chunk, n))
        drawn = np.random.default_rng(stream).integers(0, n, size=(k, n), dtype=np.int32)
        for first in range(0, k, block):
            rows = drawn[first : first + block]
            rows += offsets[: rows.shape[0]]
            tally = np.bincount(rows.ravel(), minlength=rows.shape[0] * n)
            counts[first : first + rows.shape[0]] = tally.reshape(rows.shape[0], n)
        moments[start : start + k] = counts[:k] @ features

    # Drawing and the products release the GIL, so chunks overlap on the processor's cores. The
    # products use one BLAS thread each, also when the chunks run one after another: OpenBLAS's
    # own threads would spin against the other chunk's thread and make the whole slower than one
    # thread, and a product split over a machine's BLAS threads sums in another order, so the
    # answer would depend on the core count. The limit is the process's, so one bootstrap at a
    # time sets and restores it.
    workers = min(len(starts), WORKERS)
    with _ONE_AT_A_TIME, _blas_controller().limit(limits=1, user_api="blas"):
        if workers <= 1:
            for start, stream in zip(starts, streams, strict=True):
                one_chunk(start, stream)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(one_chunk, starts, streams))
    return _correlations(moments, q, upper)


def bootstrap_pattern_correlations(
    patterns: np.ndarray, counts: np.ndarray, resamples: int, seed: int = 0
) -> np.ndarray:
    """Correlation matrices of ``resamples`` bootstrap resamples of data given as its distinct
    rows (``patterns``) and how often each occurs (``counts``), shape (resamples, q, q).

    Drawing n rows with replacement and tallying them by pattern is a multinomial draw of n over
    the patterns with probabilities count / n, so the resamples have exactly the distribution of
    :func:`bootstrap_correlations` on the full data, at a cost that grows with the number of
    patterns instead of respondents: five statements on a five-point scale have at most 3,125,
    whatever n. Where patterns are hardly fewer than people (a multinomial costs about four
    row draws per pattern), rows are drawn instead and tallied by pattern. With
    ``rng = default_rng(seed)``, resample b counts the patterns
    ``rng.multinomial(n, counts / n, size=resamples)[b]`` when ``4 × patterns < n``, else
    ``bincount(pattern_of[rng.integers(0, n, (resamples, n), np.int32)[b]])`` where
    ``pattern_of = repeat(arange(patterns), counts)``.
    """
    patterns = np.asarray(patterns, dtype=float)
    counts = np.asarray(counts, dtype=np.int64)
    n, kinds = int(counts.sum()), counts.size
    mean = counts @ patterns / n
    spread = np.sqrt(counts @ (patterns - mean) ** 2 / n)
    z = (patterns - mean) / np.where(spread > 0, spread, 1.0)
    features, upper = _moment_features(z)
    rng = np.random.default_rng(seed)
    if PATTERN_COST * kinds < n:
        drawn = rng.multinomial(n, counts / n, size=resamples)
    else:
        pattern_of = np.repeat(np.arange(kinds, dtype=np.int32), counts)
        rows = rng.integers(0, n, size=(resamples, n), dtype=np.int32)
        offsets = (np.arange(resamples, dtype=np.int64) * kinds)[:, None]
        drawn = np.bincount((pattern_of[rows] + offsets).ravel(), minlength=resamples * kinds)
        drawn = drawn.reshape(resamples, kinds)
    return _correlations(drawn @ features, z.shape[1], upper)


def jackknife_correlations(z: np.ndarray, *, groups: int = JACKKNIFE_GROUPS, seed: int = 0):
    """The correlation matrices of ``z`` (complete data) with each row left out in turn, shape
    (n, q, q) — or, with more rows than ``groups``, with each of ``groups`` groups of rows left
    out in turn (the rows dealt into groups of near-equal size by a permutation drawn from
    ``seed``), shape (groups, q, q).

    Each matrix comes from the moment sums of all rows minus those of the rows left out. The
    grouped jackknife serves the BCa interval's acceleration: a group's effect is about the sum
    of its rows' influences, and sums of independent influences keep the ratio of the third
    moment to the second to the power 3/2 that the acceleration estimates (Efron & Tibshirani
    1993, §11.5 on the grouped jackknife), at the cost of ``groups`` matrices instead of n.
    """
    z = np.asarray(z, dtype=float)
    n, q = z.shape
    spread = z.std(axis=0)
    z = (z - z.mean(axis=0)) / np.where(spread > 0, spread, 1.0)  # conditioning
    features, upper = _moment_features(z)
    left_out = features
    if n > groups:
        order = np.random.default_rng(seed).permutation(n)
        starts = np.linspace(0, n, groups, endpoint=False).round().astype(np.int64)
        left_out = np.add.reduceat(features[order], starts, axis=0)
    return _correlations(features.sum(axis=0) - left_out, q, upper)


def bca_interval(
    estimate, resampled, jackknife, *, confidence_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    r"""Bias-corrected and accelerated (BCa) bootstrap interval of each statistic.

    Parameters
    ----------
    estimate : array_like, shape (p,)
        The statistics on the full data.
    resampled : array_like, shape (B, p)
        The statistics on each of B bootstrap resamples.
    jackknife : array_like, shape (n, p)
        The statistics with each of the n observations left out in turn.
    confidence_level : float, optional

    Returns
    -------
    low, high : ndarray, shape (p,)

    Notes
    -----
    The interval's ends are the resamples' quantiles (linear interpolation) at
    :math:`\Phi(\hat z_0 + (\hat z_0 + z_\alpha) / (1 - \hat a (\hat z_0 + z_\alpha)))`
    for :math:`\alpha` and :math:`1 - \alpha`, with the bias correction
    :math:`\hat z_0 = \Phi^{-1}` of the share of resamples below the estimate (ties count
    half) and the acceleration
    :math:`\hat a = \sum u_i^3 / (6 (\sum u_i^2)^{3/2})`, :math:`u_i` the jackknife values'
    mean minus each value (Efron & Tibshirani 1993, §14.3, eq. 14.15; as
    ``scipy.stats.bootstrap(method="BCa")`` computes it). BCa assumes the estimate is not at
    the edge of the statistic's range; a relative weight near 0 is, and its resamples nearly all
    lie above it. When the estimate lies outside its own percentile interval (fewer than
    (1 − confidence level) / 2 of the resamples on one side of it), the bias correction would
    push both ends onto the most extreme resamples — an interval of almost no width that misses
    the estimate — so the interval is then the percentile one, widened to reach the estimate.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
    """
    estimate = np.asarray(estimate, dtype=float)
    resampled = np.asarray(resampled, dtype=float)
    jackknife = np.asarray(jackknife, dtype=float)
    if not 0 < confidence_level < 1:
        raise ValueError("confidence_level must lie between 0 and 1")
    b = resampled.shape[0]
    below = (resampled < estimate).sum(axis=0) + (resampled <= estimate).sum(axis=0)
    share = below / (2 * b)
    tail_share = (1 - confidence_level) / 2
    # the estimate outside its own percentile interval: see Notes
    edge = (share < tail_share) | (share > 1 - tail_share)
    bias = ndtri(np.clip(share, tail_share, 1 - tail_share))
    spread = jackknife.mean(axis=0) - jackknife
    squares = (spread**2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        acceleration = np.where(squares > 0, (spread**3).sum(axis=0) / (6 * squares**1.5), 0.0)
    tail = ndtri(tail_share)
    ends = []
    for z, plain in ((tail, tail_share), (-tail, 1 - tail_share)):
        level = ndtr(bias + (bias + z) / (1 - acceleration * (bias + z)))
        level = np.where(edge, plain, level)
        ends.append(
            np.array(
                [np.quantile(resampled[:, j], level[j]) for j in range(resampled.shape[1])]
            )
        )
    low = np.where(edge, np.minimum(ends[0], estimate), ends[0])
    high = np.where(edge, np.maximum(ends[1], estimate), ends[1])
    return low, high


# Threads that compute chunks of resamples at once: the cores this process may use, at most four
# (the tally of each chunk holds the GIL, so more threads gain nothing).
WORKERS = min(
    4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)


_ONE_AT_A_TIME = threading.Lock()


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """The process's BLAS and OpenMP libraries, found once (a lookup takes milliseconds)."""
    return ThreadpoolController()

PATTERN_COST = 4  # a multinomial costs about four row draws per pattern (measured)
