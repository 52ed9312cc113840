"""Benchmark: scoring a million respondents against one numpy pass; alpha against pingouin.

Builds a seeded synthetic 1,000,000 × 25 int8 answer matrix (five dimensions of five items, answers
driven by one latent trait per dimension so that alpha is realistic, 3 % missing) and times, in the
same run:

* full scoring: everything ``ambassador score`` reports (``score_answers``);
* one plain numpy pass over the same matrix (``points.sum(axis=0)``), the baseline;
* the project's Cronbach's alpha for the five dimensions, and pingouin's
  ``cronbach_alpha(..., nan_policy="listwise")`` on the same answers as a float DataFrame.

Each timing is the best of several repeats. The last line is JSON with the figures and the targets.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
import tracemalloc
from pathlib import Path

# Run as `python bench/scoring.py`, this file's folder comes first on sys.path and its name would
# hide the `scoring` package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pingouin as pg  # noqa: E402

from scoring.instrument import load_instrument  # noqa: E402
from scoring.reliability import cronbach_alpha  # noqa: E402
from scoring.scores import score_answers  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parent.parent / "deploy"))
from harness import best_of  # noqa: E402

TARGET_RATIO = 15.0
TARGET_SPEEDUP = 3.0


def synthetic_points(n: int, dimensions: int, items: int, span: int, seed: int) -> np.ndarray:
    """int8 points (0..span, -1 missing) in the column-major layout the scoring reads."""
    rng = np.random.default_rng(seed)
    points = np.empty((n, dimensions * items), dtype=np.int8, order="F")
    for d in range(dimensions):
        trait = rng.normal(size=n).astype(np.float32)
        for i in range(items):
            answer = trait + rng.normal(scale=0.9, size=n).astype(np.float32)
            points[:, d * items + i] = np.clip(np.rint(answer + span / 2), 0, span)
    points[rng.random(points.shape, dtype=np.float32) < 0.03] = -1
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()

    bundled = load_instrument("social-culture-v1")
    instrument = dataclasses.replace(bundled, outcomes=())  # the 25 principle items
    dims, items = len(instrument.dimensions), len(instrument.dimensions[0].items)
    points = synthetic_points(args.n, dims, items, instrument.scale.span, args.seed)
    print(
        f"answers: {points.shape[0]:,} × {points.shape[1]} int8 "
        f"({points.nbytes / 1e6:.0f} MB, column-major), {np.mean(points < 0):.1%} missing"
    )

    single_pass = best_of(args.repeats, lambda: points.sum(axis=0))
    scoring = best_of(args.repeats, lambda: score_answers(points, instrument))

    blocks = [points[:, columns] for columns in instrument.dimension_columns.values()]
    frames = [pd.DataFrame(np.where(b < 0, np.nan, b.astype(np.float64))) for b in blocks]
    alpha_s = best_of(args.repeats, lambda: [cronbach_alpha(b) for b in blocks])
    pingouin_s = best_of(
        max(1, args.repeats // 2),
        lambda: [pg.cronbach_alpha(data=f, nan_policy="listwise") for f in frames],
    )
    ours = [cronbach_alpha(b).statistic for b in blocks]
    theirs = [pg.cronbach_alpha(data=f, nan_policy="listwise")[0] for f in frames]
    agree = float(np.max(np.abs(np.array(ours) - np.array(theirs))))

    tracemalloc.start()
    result = score_answers(points, instrument)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    ratio = scoring / single_pass
    speedup = pingouin_s / alpha_s
    print(f"full scoring           {scoring * 1e3:8.1f} ms")
    print(f"single numpy pass      {single_pass * 1e3:8.1f} ms   (sum over axis 0)")
    print(f"ratio                  {ratio:8.1f} ×    (target ≤ {TARGET_RATIO:g})")
    print(f"alpha, 5 dimensions    {alpha_s * 1e3:8.1f} ms")
    print(f"pingouin, listwise     {pingouin_s * 1e3:8.1f} ms")
    print(
        f"speed-up               {speedup:8.1f} ×    (target ≥ {TARGET_SPEEDUP:g}); "
        f"largest difference in alpha {agree:.1e}"
    )
    print(
        f"scoring peak memory    {peak / 1e6:8.1f} MB above the answer matrix "
        f"(process max RSS {max_rss_mb:.0f} MB)"
    )
    print(f"overall score {result.overall.statistic:.2f}, level {result.overall.level}")
    print(
        json.dumps(
            {
                "n": int(points.shape[0]),
                "items": int(points.shape[1]),
                "scoring_s": round(scoring, 5),
                "single_pass_s": round(single_pass, 5),
                "ratio_to_single_pass": round(ratio, 2),
                "target_ratio": TARGET_RATIO,
                "alpha_s": round(alpha_s, 5),
                "pingouin_s": round(pingouin_s, 5),
                "speedup_vs_pingouin": round(speedup, 2),
                "target_speedup": TARGET_SPEEDUP,
                "alpha_max_abs_diff": agree,
                "peak_mb": round(peak / 1e6, 1),
                "max_rss_mb": round(max_rss_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
