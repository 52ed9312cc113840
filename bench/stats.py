"""Benchmark: the key-driver analysis (Johnson's relative weights with BCa intervals: 2,000
bootstrap resamples with a random variable added, and the leave-one-out jackknife) on 100,000
respondents, against one ordinary least-squares fit (``numpy.linalg.lstsq``) of the same data,
timed in the same run; and the instrument check's factor analysis (CFA) on 20,000 respondents.

The data are seeded and synthetic: five correlated principle scores and an advocacy score that
depends on them. Each timing is the best of a few repeats; the bootstrap runs on the threads it
uses in the application (one per core, at most four) and, for comparison, on one. The last line is
JSON with the figures and the target (the bootstrap within 300 times one fit; a loop of resample-
and-refit costs about 4,000 fits). The bootstrap's first resamples are also checked against a plain
loop that refits each resample, so the speed is not bought with a different answer.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import numpy as np  # noqa: E402

import scoring.bootstrap  # noqa: E402
from scoring.drivers import bootstrap_weights, key_drivers, relative_weights  # noqa: E402

TARGET_RATIO = 300


def synthetic(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    x = np.column_stack([0.6 * common + rng.normal(size=n) for _ in range(5)]) * 15 + 55
    y = x @ np.array([0.25, 0.15, 0.1, 0.3, 0.2]) + rng.normal(0, 12, n)
    return np.clip(x, 0, 100), np.clip(y, 0, 100)


def time_cfa(n: int):
    """The instrument check's factor analysis on ``n`` synthetic respondents that follow the
    bundled instrument's structure."""
    from scoring.instrument import load_instrument
    from scoring.structure import fit_structure

    instrument = load_instrument()
    rng = np.random.default_rng(2)
    dims = len(instrument.dimensions)
    traits = rng.multivariate_normal(
        np.zeros(dims), 0.4 * np.ones((dims, dims)) + 0.6 * np.eye(dims), size=n
    )
    columns = [
        np.clip(np.rint(2 + 0.9 * traits[:, d] + rng.normal(0, 0.7, n)), 0, 4)
        for d, dim in enumerate(instrument.dimensions)
        for _item in dim.items
    ]
    points = np.column_stack(columns + [np.full((n, len(instrument.outcomes)), 2.0)])
    started = time.perf_counter()
    result = fit_structure(points.astype(np.int8), instrument)
    return time.perf_counter() - started, result


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--cfa-respondents", type=int, default=20_000)
    args = parser.parse_args()
    x, y = synthetic(args.respondents)
    design = np.column_stack([np.ones(len(y)), x])
    fit = best_of(20, lambda: np.linalg.lstsq(design, y, rcond=None))
    threads = scoring.bootstrap.WORKERS
    keys = [f"p{i}" for i in range(x.shape[1])]

    def drivers():
        return key_drivers(x, y, keys, resamples=args.resamples, seed=0)

    boot = best_of(3, drivers)
    scoring.bootstrap.WORKERS = 1  # the same on one thread, for comparison
    serial = best_of(3, drivers)
    scoring.bootstrap.WORKERS = threads
    # the same first resamples, refitted one by one
    chunk = min(args.resamples, 4_000_000 // args.respondents)
    first = np.random.SeedSequence(0).spawn(1)[0]  # the first chunk's generator
    draws = np.random.default_rng(first).integers(0, len(y), (chunk, len(y)), np.int32)[:5]
    fast = bootstrap_weights(x, y, args.resamples, seed=0)[:5]
    slow = np.array([relative_weights(x[rows], y[rows])[0] for rows in draws])
    agree = float(np.abs(fast - slow).max())
    ratio = boot / fit
    cfa_s, cfa_fit = time_cfa(args.cfa_respondents)
    print(f"one lstsq fit, {args.respondents:,} × 5:      {fit * 1e3:8.1f} ms")
    print(
        f"key drivers, {args.resamples:,} resamples + jackknife, BCa, {threads} threads: "
        f"{boot:8.2f} s  "
        f"({ratio:.0f} × one fit)"
    )
    print(f"the same on one thread:            {serial:8.2f} s  ({serial / fit:.0f} × one fit)")
    print(f"largest difference from refitting each resample: {agree:.2e}")
    print(
        f"CFA of five principles, {args.cfa_respondents:,} respondents: {cfa_s:6.2f} s "
        f"(CFI {cfa_fit.cfi:.3f}, RMSEA {cfa_fit.rmsea:.3f}, SRMR {cfa_fit.srmr:.3f})"
    )
    print(
        json.dumps(
            {
                "respondents": args.respondents,
                "resamples": args.resamples,
                "lstsq_ms": round(fit * 1e3, 2),
                "bootstrap_s": round(boot, 3),
                "threads": threads,
                "ratio": round(ratio, 1),
                "one_thread_ratio": round(serial / fit, 1),
                "target": TARGET_RATIO,
                "max_difference": agree,
                "cfa_respondents": args.cfa_respondents,
                "cfa_s": round(cfa_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
