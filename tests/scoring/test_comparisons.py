"""Welch, Welch's ANOVA, Games–Howell, Hedges' g, Benjamini-Hochberg, key drivers and priorities
against outside references; the drivers' BCa intervals against scipy.stats.bootstrap on R's
``attitude`` data, the random-variable test (Tonidandel, LeBreton & Johnson 2009)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats
from threadpoolctl import threadpool_limits

from scoring.benchmark import (
    benjamini_hochberg,
    combine_summaries,
    games_howell_from_stats,
    hedges_g,
    pool_position,
    score_bins,
    welch,
    welch_anova_from_stats,
    welch_from_stats,
)
from scoring.bootstrap import bca_interval, bootstrap_correlations, jackknife_correlations
from scoring.drivers import (
    _statistics,
    bootstrap_weights,
    key_drivers,
    random_variable,
    relative_weights,
    why_not,
)
from scoring.instrument import load_instrument
from scoring.recommend import prioritise


def test_welch_equals_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(50, 10, 40), rng.normal(55, 15, 60)
    result = welch(a, b)
    expected = stats.ttest_ind(b, a, equal_var=False)
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.pvalue == pytest.approx(expected.pvalue)
    assert result.difference == pytest.approx(b.mean() - a.mean())


def test_welch_leaves_out_nan():
    a = np.array([1.0, 2.0, np.nan, 3.0])
    b = np.array([2.0, 3.0, 4.0, np.nan])
    assert welch(a, b).pvalue == pytest.approx(
        stats.ttest_ind([2, 3, 4], [1, 2, 3], equal_var=False).pvalue
    )


def test_hedges_g_hand_checked():
    # means 2 and 4, both SD 1 (n = 3): d = 2, correction 1 - 3/(4·6 - 9) = 0.8 → g = 1.6
    assert hedges_g(np.array([1.0, 2.0, 3.0]), np.array([3.0, 4.0, 5.0])) == pytest.approx(1.6)


def test_benjamini_hochberg_equals_scipy_and_hand_case():
    p = np.array([0.01, 0.04, 0.03, 0.20, np.nan])
    adjusted = benjamini_hochberg(p)
    np.testing.assert_allclose(adjusted[:4], stats.false_discovery_control(p[:4]))
    # by hand: sorted 0.01, 0.03, 0.04, 0.20 times 4/rank: 0.04, 0.06, 0.0533, 0.20; then the
    # running minimum from the top: 0.04, 0.0533, 0.0533, 0.20
    np.testing.assert_allclose(adjusted[:4], [0.04, 0.05333333, 0.05333333, 0.2])
    assert np.isnan(adjusted[4])


# The Chatterjee–Price attitude data (R's datasets::attitude): 30 departments, the rating and
# six questions, as percentages of favourable answers.
ATTITUDE = {
    "rating": [43, 63, 71, 61, 81, 43, 58, 71, 72, 67, 64, 67, 69, 68, 77, 81, 74, 65, 65, 50,
               50, 64, 53, 40, 63, 66, 78, 48, 85, 82],
    "complaints": [51, 64, 70, 63, 78, 55, 67, 75, 82, 61, 53, 60, 62, 83, 77, 90, 85, 60, 70,
                   58, 40, 61, 66, 37, 54, 77, 75, 57, 85, 82],
    "privileges": [30, 51, 68, 45, 56, 49, 42, 50, 72, 45, 53, 47, 57, 83, 54, 50, 64, 65, 46,
                   68, 33, 52, 52, 42, 42, 66, 58, 44, 71, 39],
    "learning": [39, 54, 69, 47, 66, 44, 56, 55, 67, 47, 58, 39, 42, 45, 72, 72, 69, 75, 57, 54,
                 34, 62, 50, 58, 48, 63, 74, 45, 71, 59],
    "raises": [61, 63, 76, 54, 71, 54, 66, 70, 71, 62, 58, 59, 55, 59, 79, 60, 79, 55, 75, 64,
               43, 66, 63, 50, 66, 88, 80, 51, 77, 64],
    "critical": [92, 73, 86, 84, 83, 49, 68, 66, 83, 80, 67, 74, 63, 77, 77, 54, 79, 80, 85, 78,
                 64, 80, 80, 57, 75, 76, 78, 83, 74, 78],
    "advance": [45, 47, 48, 35, 47, 34, 35, 41, 31, 41, 34, 41, 25, 35, 46, 36, 63, 60, 46, 52,
                33, 41, 37, 49, 33, 72, 49, 38, 55, 39],
}  # fmt: skip
PREDICTORS = ("complaints", "privileges", "learning", "raises", "critical", "advance")


def attitude():
    x = np.column_stack([ATTITUDE[name] for name in PREDICTORS]).astype(float)
    return x, np.array(ATTITUDE["rating"], dtype=float)


def test_relative_weights_equal_the_published_attitude_values():
    """R² 0.733 (lm(rating ~ ., attitude)); shares of R² complaints 49.5 %, learning 22.3 %,
    raises 16.6 %, privileges 7.6 % (Johnson's relative weights, as rwa / relaimpo report)."""
    weights, r_squared = relative_weights(*attitude())
    x, y = attitude()
    fit = np.linalg.lstsq(np.column_stack([np.ones(30), x]), y, rcond=None)[0]
    residual = y - np.column_stack([np.ones(30), x]) @ fit
    assert r_squared == pytest.approx(1 - residual.var() / y.var(), rel=1e-10)
    assert weights.sum() == pytest.approx(r_squared, rel=1e-12)
    shares = dict(zip(PREDICTORS, np.round(100 * weights / r_squared, 1), strict=True))
    assert shares == {
        "complaints": 49.5, "privileges": 7.6, "learning": 22.3, "raises": 16.6,
        "critical": 1.1, "advance": 2.8,
    }  # fmt: skip


def _r_squared(x, y) -> float:
    if x.shape[1] == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return 1 - residual.var() / y.var()


def shapley(x, y) -> np.ndarray:
    """Brute force: each predictor's R² gain averaged over every order of entering the model
    (general dominance weights, Budescu 1993)."""
    from itertools import combinations
    from math import comb

    p = x.shape[1]
    values = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for size in range(p):
            for subset in combinations(others, size):
                gain = _r_squared(x[:, [*subset, j]], y) - _r_squared(x[:, list(subset)], y)
                values[j] += gain / (p * comb(p - 1, size))
    return values


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_relative_weights_agree_with_the_shapley_decomposition(seed):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=200)
    x = np.column_stack([common + rng.normal(size=200) for _ in range(4)])
    y = x @ np.array([0.5, 0.3, 0.1, 0.0]) + rng.normal(size=200)
    weights, r_squared = relative_weights(x, y)
    exact = shapley(x, y)
    assert exact.sum() == pytest.approx(r_squared, rel=1e-9)
    np.testing.assert_allclose(weights, exact, atol=0.01 * max(r_squared, 0.1))
    assert list(np.argsort(-weights)) == list(np.argsort(-exact))
    x, y = attitude()
    np.testing.assert_allclose(relative_weights(x, y)[0], shapley(x, y), atol=0.01)


def test_the_vectorised_bootstrap_equals_a_loop_over_resamples():
    x, y = attitude()
    boot = bootstrap_weights(x, y, resamples=50, seed=7)
    stream = np.random.SeedSequence(7).spawn(1)[0]  # one chunk: the same resamples
    draws = np.random.default_rng(stream).integers(0, 30, size=(50, 30), dtype=np.int32)
    for b, rows in enumerate(draws):
        np.testing.assert_allclose(boot[b], relative_weights(x[rows], y[rows])[0], atol=1e-10)


def test_chunks_of_resamples_on_threads_give_the_serial_answer(monkeypatch):
    """Large data is resampled in chunks, each from its own stream, on several threads: the
    answer is the serial one, bit for bit, and each resample is the one its stream draws."""
    import scoring.bootstrap

    rng = np.random.default_rng(3)
    x = rng.normal(size=(50_000, 3))
    y = x @ np.array([0.5, 0.3, 0.1]) + rng.normal(size=50_000)
    monkeypatch.setattr(scoring.bootstrap, "WORKERS", 2)
    threaded = bootstrap_weights(x, y, resamples=200, seed=4)  # three chunks of at most 80
    monkeypatch.setattr(scoring.bootstrap, "WORKERS", 1)
    # whatever BLAS threading the machine has (cores, OPENBLAS_NUM_THREADS), the products run on
    # one BLAS thread, so the serial answer is the same on every machine
    for blas_threads in (1, 4):
        with threadpool_limits(limits=blas_threads, user_api="blas"):
            serial = bootstrap_weights(x, y, resamples=200, seed=4)
        np.testing.assert_array_equal(threaded, serial)
    third = np.random.SeedSequence(4).spawn(3)[2]
    rows = np.random.default_rng(third).integers(0, 50_000, size=(40, 50_000), dtype=np.int32)
    for b in (0, 39):
        expected = relative_weights(x[rows[b]], y[rows[b]])[0]
        np.testing.assert_allclose(threaded[160 + b], expected, atol=1e-12)


def test_drivers_need_thirty_complete_respondents_and_carry_intervals():
    rng = np.random.default_rng(5)
    scores = rng.uniform(0, 100, size=(40, 3))
    outcome = scores @ np.array([0.6, 0.3, 0.0]) + rng.normal(0, 10, 40)
    found = key_drivers(scores, outcome, ["a", "b", "c"], resamples=400)
    assert found.n == 40 and found.shares.sum() == pytest.approx(1.0)
    assert np.all(found.low <= found.weights) and np.all(found.weights <= found.high)
    assert found.weights[0] > found.weights[2]
    scores[:11, 1] = np.nan  # 29 complete: too few to tell
    assert key_drivers(scores, outcome, ["a", "b", "c"]) is None


def test_priority_is_weight_times_gap_to_the_target_with_no_jump_at_level_edges():
    instrument = load_instrument()
    weights = {"guidelines": 0.1, "error_tolerance": 0.1, "patience": 0.1, "leadership": 0.1,
               "dialogue": 0.1}  # fmt: skip
    below = {key: 70.0 for key in weights} | {"guidelines": 39.99}
    above = below | {"guidelines": 40.01}  # across the edge of levels 2 and 3
    first = prioritise(instrument, below, weights)[0]
    second = prioritise(instrument, above, weights)[0]
    assert first.dimension == second.dimension == "guidelines"  # the weakest comes first
    assert first.priority == pytest.approx(0.1 * (80 - 39.99))
    assert abs(first.priority - second.priority) < 0.01  # continuous
    targets = {key: 65.0 for key in weights}
    assert [p.dimension for p in prioritise(instrument, below, weights, targets=targets)] == [
        "guidelines"
    ]  # the others are above the pool's top-25 % mark: nothing to catch up
    for pick in prioritise(instrument, below, weights):
        assert pick.level in pick.recommendation.levels
        assert pick.recommendation.dimension == pick.dimension


# --- pools and comparisons of rounds ----------------------------------------------------------


def test_pool_position_equals_scipy_and_hand_case():
    pool = [40.0, 50.0, 55.0, 70.0, 80.0]
    # 3 of 5 below 60, none equal: kind="mean" gives (60 + 60) / 2 = 60
    position = pool_position(60.0, pool)
    assert position.percentile == 60.0
    assert position.percentile == stats.percentileofscore(pool, 60.0, kind="mean")
    assert position.median == 55.0 and position.top25 == np.percentile(pool, 75)
    assert pool_position(55.0, pool).percentile == 50.0  # a tie counts half
    assert np.isnan(pool_position(50.0, []).percentile)


def test_combine_summaries_equals_the_raw_union():
    rng = np.random.default_rng(4)
    groups = [rng.normal(50, 10, n) for n in (30, 55, 12)]
    n, mean, sd = combine_summaries(
        [g.size for g in groups], [g.mean() for g in groups], [g.std(ddof=1) for g in groups]
    )
    everyone = np.concatenate(groups)
    assert n == everyone.size
    assert mean == pytest.approx(everyone.mean()) and sd == pytest.approx(everyone.std(ddof=1))


def test_welch_from_summary_statistics_equals_welch_from_scores():
    rng = np.random.default_rng(8)
    a, b = rng.normal(55, 12, 300), rng.normal(60, 9, 80)
    summary = welch_from_stats(a.mean(), a.std(ddof=1), a.size, b.mean(), b.std(ddof=1), b.size)
    raw = welch(a, b)
    assert summary.statistic == pytest.approx(raw.statistic)
    assert summary.pvalue == pytest.approx(raw.pvalue)
    assert summary.effect_size == pytest.approx(raw.effect_size)
    expected = stats.ttest_ind_from_stats(
        b.mean(), b.std(ddof=1), b.size, a.mean(), a.std(ddof=1), a.size, equal_var=False
    )
    assert summary.pvalue == pytest.approx(expected.pvalue)


def test_score_bins_cover_0_to_100():
    assert score_bins([0, 9.99, 10, 55, 100, np.nan]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1]


def test_welch_carries_intervals_for_the_difference_and_g():
    rng = np.random.default_rng(13)
    a, b = rng.normal(50, 10, 80), rng.normal(55, 12, 70)
    result = welch(a, b)
    expected = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((expected.low, expected.high))
    assert result.g_low < result.effect_size < result.g_high
    from_stats = welch_from_stats(a.mean(), a.std(ddof=1), 80, b.mean(), b.std(ddof=1), 70)
    assert (from_stats.ci_low, from_stats.ci_high) == pytest.approx((result.ci_low, result.ci_high))


# --- Welch's ANOVA and Games–Howell from summaries, against pingouin on its own data sets ------

# (data set, outcome, groups): pingouin's penguins (Palmer Station, Gorman et al. 2014) and its
# "anova" pain thresholds by hair colour (McClave & Dietrich), both shipped with pingouin
PINGOUIN_DATA = [
    ("penguins", "body_mass_g", "species"),
    ("penguins", "bill_length_mm", "species"),
    ("penguins", "flipper_length_mm", "island"),
    ("anova", "Pain threshold", "Hair color"),
]


def summaries(frame: pd.DataFrame, outcome: str, groups: str):
    """Per group n, mean and SD (ddof=1) — all that our functions are given."""
    by_group = frame[[outcome, groups]].dropna().groupby(groups)[outcome]
    return (by_group.mean().to_numpy(), by_group.std(ddof=1).to_numpy(),
            by_group.count().to_numpy())  # fmt: skip


@pytest.mark.parametrize(("dataset", "outcome", "groups"), PINGOUIN_DATA)
def test_welch_anova_from_summaries_equals_pingouin(dataset, outcome, groups):
    frame = pingouin.read_dataset(dataset)
    result = welch_anova_from_stats(*summaries(frame, outcome, groups))
    expected = pingouin.welch_anova(data=frame, dv=outcome, between=groups).iloc[0]
    assert result.df_num == expected["ddof1"]
    np.testing.assert_allclose(
        [result.statistic, result.df_den, result.pvalue],
        [expected["F"], expected["ddof2"], expected["p_unc"]],
        rtol=1e-9,
    )
    assert result.effect_low <= result.effect_size <= result.effect_high


@pytest.mark.parametrize(("dataset", "outcome", "groups"), PINGOUIN_DATA)
def test_games_howell_from_summaries_equals_pingouin(dataset, outcome, groups):
    frame = pingouin.read_dataset(dataset)
    pairs = games_howell_from_stats(*summaries(frame, outcome, groups))
    expected = pingouin.pairwise_gameshowell(data=frame, dv=outcome, between=groups)
    assert len(pairs) == len(expected)
    # pingouin reports A − B for A before B; ours is the second group against the first
    ours = np.array([[p.difference, p.statistic, p.df, p.pvalue, p.effect_size] for p in pairs])
    reference = expected[["diff", "T", "df", "pval", "hedges"]].to_numpy() * [-1, -1, 1, 1, -1]
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)
    for pair in pairs:
        assert pair.ci_low < pair.difference < pair.ci_high
        assert pair.g_low < pair.effect_size < pair.g_high


def test_two_groups_are_welchs_t_test():
    """With two groups Welch's F is t² and Games–Howell is Welch's t-test, interval included
    (scipy.stats.ttest_ind with equal_var=False on the raw scores)."""
    rng = np.random.default_rng(21)
    a, b = rng.normal(50, 10, 35), rng.normal(57, 16, 22)
    expected = stats.ttest_ind(b, a, equal_var=False)
    means, sds, ns = [a.mean(), b.mean()], [a.std(ddof=1), b.std(ddof=1)], [a.size, b.size]
    anova = welch_anova_from_stats(means, sds, ns)
    assert anova.statistic == pytest.approx(expected.statistic**2, rel=1e-12)
    assert anova.df_den == pytest.approx(expected.df, rel=1e-12)
    assert anova.pvalue == pytest.approx(expected.pvalue, rel=1e-9)
    (pair,) = games_howell_from_stats(means, sds, ns)
    assert pair.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert pair.pvalue == pytest.approx(expected.pvalue, rel=1e-6)  # by numerical integration
    interval = expected.confidence_interval(0.95)
    assert pair.confidence_interval() == pytest.approx((interval.low, interval.high), rel=1e-6)
    assert pair.effect_size == pytest.approx(hedges_g(a, b), rel=1e-12)


def test_omega_squared_interval_inverts_the_noncentral_f_distribution():
    """The interval's ends are the noncentralities at which scipy's noncentral F puts the
    observed F at its 97.5 % and 2.5 % points, as ω² = λ / (λ + N); the estimate is
    (k − 1)(F − 1) / ((k − 1)(F − 1) + N)."""
    means, sds, ns = [50.0, 55.0, 65.0, 52.0], [10.0, 12.0, 15.0, 11.0], [40, 30, 20, 25]
    result = welch_anova_from_stats(means, sds, ns)
    total = sum(ns)
    estimate = 3 * (result.statistic - 1)
    assert result.effect_size == pytest.approx(estimate / (estimate + total), rel=1e-12)
    for omega, tail in ((result.effect_low, 0.975), (result.effect_high, 0.025)):
        noncentrality = omega * total / (1 - omega)
        assert stats.ncf.cdf(
            result.statistic, result.df_num, result.df_den, noncentrality
        ) == pytest.approx(tail, abs=1e-8)
    similar = welch_anova_from_stats([50.0, 50.5, 51.0], [10.0, 12.0, 15.0], [40, 30, 20])
    assert similar.statistic < 1 and similar.effect_size == 0.0 and similar.effect_low == 0.0


def test_omega_squared_interval_covers_the_population_value():
    """Monte Carlo, groups of unequal size and equal SD: the 95 % interval holds the population
    ω² = σ²(means) / (σ²(means) + σ²) in about 95 % of samples."""
    rng = np.random.default_rng(5)
    ns, mus, sigma = np.array([40, 25, 15]), np.array([50.0, 56.0, 62.0]), 15.0
    grand = (ns * mus).sum() / ns.sum()
    between = (ns * (mus - grand) ** 2).sum() / ns.sum()
    omega = between / (between + sigma**2)
    covered = []
    for _ in range(500):
        groups = [rng.normal(m, sigma, n) for m, n in zip(mus, ns, strict=True)]
        result = welch_anova_from_stats(
            [g.mean() for g in groups], [g.std(ddof=1) for g in groups], ns
        )
        covered.append(result.effect_low <= omega <= result.effect_high)
    assert 0.93 <= np.mean(covered) <= 0.97


def test_groups_without_spread_and_bad_input():
    """Welch's weights n/s² need every group to vary; a Games–Howell pair needs one of its two."""
    anova = welch_anova_from_stats([20.0, 40.0, 55.0], [0.0, 0.0, 12.0], [5, 5, 8])
    assert np.isnan(anova.statistic) and np.isnan(anova.pvalue) and anova.n == 18
    flat, one_flat, _ = games_howell_from_stats([20.0, 40.0, 55.0], [0.0, 0.0, 12.0], [5, 5, 8])
    assert flat.difference == 20.0 and np.isnan(flat.pvalue) and np.isnan(flat.ci_low)
    assert one_flat.df == pytest.approx(7.0) and 0 < one_flat.pvalue < 1
    with pytest.raises(ValueError, match="same length"):
        welch_anova_from_stats([1.0, 2.0], [1.0], [5, 5])
    with pytest.raises(ValueError, match="at least two groups"):
        games_howell_from_stats([1.0], [1.0], [5])
    with pytest.raises(ValueError, match="sds"):
        welch_anova_from_stats([1.0, 2.0], [1.0, -1.0], [5, 5])
    two_flat = welch_from_stats(20.0, 0.0, 5, 40.0, 0.0, 5)
    assert two_flat.difference == 20.0 and np.isnan(two_flat.pvalue)


def test_welch_from_summaries_carries_its_degrees_of_freedom():
    rng = np.random.default_rng(9)
    a, b = rng.normal(50, 10, 30), rng.normal(54, 20, 18)
    expected = stats.ttest_ind(b, a, equal_var=False)
    summary = welch_from_stats(a.mean(), a.std(ddof=1), 30, b.mean(), b.std(ddof=1), 18)
    assert summary.df == pytest.approx(expected.df, rel=1e-12)
    assert welch(a, b).df == pytest.approx(expected.df, rel=1e-12)


def test_welch_of_two_groups_that_do_not_vary_is_no_test():
    """Everyone in both rounds gave one score: t would be infinite, so no p-value, no interval."""
    found = welch(np.full(5, 40.0), np.full(6, 60.0))
    assert found.difference == 20.0 and np.isnan(found.pvalue) and np.isnan(found.ci_low)


def test_welch_with_one_group_that_does_not_vary_equals_scipy():
    a, b = np.full(5, 80.0), np.array([15.0, 25.0] * 3)
    found = welch(a, b)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):  # scipy's own warning
        expected = stats.ttest_ind(b, a, equal_var=False)
    assert (found.statistic, found.pvalue) == pytest.approx((expected.statistic, expected.pvalue))


def test_the_bca_intervals_equal_scipy_on_the_attitude_data():
    """Every interval key_drivers gives (weights, shares, each weight minus the random
    variable's, every difference of two weights) is scipy's BCa interval of the same statistic,
    on scipy's own resamples and its own leave-one-out recomputation."""
    x, y = attitude()
    n, p = x.shape
    z = np.column_stack([x, random_variable(n, 0), y])
    # a principle's weight minus its own is 0 in every resample: no interval to compare
    defined = np.ones(3 * p + p * p, dtype=bool)
    defined[3 * p + np.arange(p) * (p + 1)] = False

    def statistic(rows):
        return _statistics(np.corrcoef(z[rows.astype(int)], rowvar=False), p)[defined]

    found = stats.bootstrap(
        (np.arange(n),),
        statistic,
        vectorized=False,
        n_resamples=999,
        method="BCa",
        rng=np.random.default_rng(1),
    )
    jackknife = _statistics(jackknife_correlations(z), p)[:, defined]
    np.testing.assert_allclose(
        jackknife, [statistic(np.delete(np.arange(n), i)) for i in range(n)], atol=1e-13
    )
    low, high = bca_interval(statistic(np.arange(n)), found.bootstrap_distribution.T, jackknife)
    np.testing.assert_allclose(low, found.confidence_interval.low, atol=1e-12)
    np.testing.assert_allclose(high, found.confidence_interval.high, atol=1e-12)


def test_a_small_weight_lies_inside_its_interval_and_shares_are_resampled_as_shares():
    """At n = 30 the percentile interval of ``critical`` (weight 0.0083) sits at its estimate's
    bottom edge; the bias-corrected one holds it. A share's interval is the share's own, not
    the weight's divided by the full sample's R²."""
    x, y = attitude()
    found = key_drivers(x, y, PREDICTORS)
    critical = PREDICTORS.index("critical")
    assert found.weights[critical] == pytest.approx(0.0083, abs=5e-5)
    assert found.low[critical] < 0.002 < found.weights[critical] < found.high[critical] < 0.03
    assert np.all(found.low <= found.weights) and np.all(found.weights <= found.high)
    assert np.all(found.share_low <= found.shares) and np.all(found.shares <= found.share_high)
    complaints = PREDICTORS.index("complaints")
    divided = found.low[complaints] / found.r_squared
    assert abs(found.share_low[complaints] - divided) > 0.03


def test_weights_are_tested_against_a_random_variable():
    """Complaints, learning and raises carry the attitude ratings beyond what a random variable
    would get; privileges, critical and advance do not (their intervals hold 0)."""
    x, y = attitude()
    found = key_drivers(x, y, PREDICTORS)
    beyond = dict(zip(PREDICTORS, found.beyond_chance, strict=True))
    assert beyond == {
        "complaints": True, "privileges": False, "learning": True, "raises": True,
        "critical": False, "advance": False,
    }  # fmt: skip
    # a principle that has nothing to do with the outcome does not beat chance
    rng = np.random.default_rng(8)
    scores = rng.normal(50, 15, size=(400, 3))
    outcome = scores[:, 0] * 0.6 + scores[:, 1] * 0.3 + rng.normal(0, 10, 400)
    found = key_drivers(scores, outcome, ["a", "b", "noise"], resamples=1000)
    assert found.beyond_chance.tolist() == [True, True, False]


def test_two_principles_are_told_apart_by_the_interval_of_their_difference():
    x, y = attitude()
    found = key_drivers(x, y, PREDICTORS)
    i, j = PREDICTORS.index("complaints"), PREDICTORS.index("advance")
    assert found.apart(i, j) and found.pair_low[i, j] > 0
    np.testing.assert_allclose(found.pair_low[i, j], -found.pair_high[j, i], atol=1e-12)
    k = PREDICTORS.index("raises")
    learning = PREDICTORS.index("learning")
    assert not found.apart(learning, k)  # 22.3 % against 16.6 % of R² at n = 30


def test_the_grouped_jackknife_of_a_large_round_gives_the_full_ones_interval():
    """Above 4,000 people the acceleration comes from 4,000 groups of them; the interval is the
    leave-one-out one to within a thousandth of its width."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(12_000, 3)) + rng.normal(size=(12_000, 1))
    y = x @ np.array([0.4, 0.2, 0.05]) + rng.normal(size=12_000)
    z = np.column_stack([x, random_variable(12_000, 0), y])
    estimate = _statistics(np.corrcoef(z, rowvar=False), 3)
    boot = _statistics(bootstrap_correlations(z, 500, 0), 3)
    full = bca_interval(estimate, boot, _statistics(jackknife_correlations(z, groups=12_000), 3))
    grouped = bca_interval(estimate, boot, _statistics(jackknife_correlations(z), 3))
    width = full[1] - full[0]
    assert np.all(np.abs(grouped[0] - full[0]) <= 1e-3 * width + 1e-12)
    assert np.all(np.abs(grouped[1] - full[1]) <= 1e-3 * width + 1e-12)


def test_missing_drivers_say_why():
    rng = np.random.default_rng(5)
    scores = rng.uniform(0, 100, size=(60, 3))
    outcome = scores @ np.array([0.6, 0.3, 0.1]) + rng.normal(0, 10, 60)
    assert why_not(scores, outcome) is None
    same = scores.copy()
    same[:, 2] = 50.0  # everyone gave the same answers on one principle
    assert key_drivers(same, outcome, "abc") is None
    assert why_not(same, outcome) == "no_spread"
    scores[:31, 1] = np.nan
    assert why_not(scores, outcome) == "too_few"


@pytest.mark.parametrize(
    ("difference", "low", "high", "pvalue", "verdict"),
    [
        (5.0, 3.5, 6.5, 0.001, "important"),
        (-5.0, -6.5, -3.2, 0.001, "important"),
        (3.1, 0.2, 6.0, 0.03, "possibly important"),  # the change the page called real
        (1.2, 0.4, 2.0, 0.002, "small"),  # significant with thousands of people, within the MID
        (0.5, -1.0, 2.0, 0.5, "none"),  # the whole interval within the MID: nothing that matters
        (2.0, -2.0, 6.0, 0.3, "unclear"),
    ],
)
def test_one_rule_judges_every_difference(difference, low, high, pvalue, verdict):
    from scoring.differences import judge

    judged = judge(difference, low, high, pvalue, 3.0)
    assert judged.verdict == verdict
    assert judged.important == (verdict == "important")
    assert judged.statistically_significant == (pvalue < 0.05)


def test_the_minimal_important_difference_is_a_fifth_of_the_pooled_sd():
    from scoring.differences import minimal_important_difference

    rng = np.random.default_rng(2)
    a, b, c = rng.normal(50, 15, 40), rng.normal(55, 20, 70), rng.normal(52, 18, 25)
    # the pooled SD is the root of the one-way ANOVA's mean square within (statsmodels)
    from statsmodels.formula.api import ols
    from statsmodels.stats.anova import anova_lm

    frame = pd.DataFrame({
        "score": np.concatenate([a, b, c]), "group": ["a"] * 40 + ["b"] * 70 + ["c"] * 25,
    })  # fmt: skip
    within = anova_lm(ols("score ~ C(group)", frame).fit()).loc["Residual", "mean_sq"]
    found = minimal_important_difference(
        [a.std(ddof=1), b.std(ddof=1), c.std(ddof=1)], [40, 70, 25]
    )
    assert found == pytest.approx(0.2 * np.sqrt(within), rel=1e-12)
    assert minimal_important_difference([15.0], [10], fixed=4.0) == 4.0


def test_the_advice_follows_the_level_the_interval_has_reached():
    """59.9 and 60.1 with the same interval [55, 65] get the same advice: that of level 3, the
    level of the interval's lower end; a principle whose whole interval lies in level 4 gets
    level 4's."""
    instrument = load_instrument()
    weights = {d.key: 0.1 for d in instrument.dimensions}
    scores = {d.key: 90.0 for d in instrument.dimensions}
    intervals = {d.key: (85.0, 95.0) for d in instrument.dimensions}
    below = prioritise(instrument, scores | {"dialogue": 59.9}, weights,
                       intervals=intervals | {"dialogue": (55.0, 65.0)})[0]  # fmt: skip
    above = prioritise(instrument, scores | {"dialogue": 60.1}, weights,
                       intervals=intervals | {"dialogue": (55.0, 65.0)})[0]  # fmt: skip
    assert below.dimension == above.dimension == "dialogue"
    assert below.level == above.level == 3
    assert below.recommendation == above.recommendation
    sure = prioritise(instrument, scores | {"dialogue": 70.0}, weights,
                      intervals=intervals | {"dialogue": (62.0, 78.0)})[0]  # fmt: skip
    assert sure.level == 4 and sure.recommendation != below.recommendation


def test_a_weight_at_the_edge_gets_the_percentile_interval_reaching_its_estimate():
    """A weight of nearly 0 has (nearly) every resample above it: BCa's bias correction would
    put both ends on the smallest resample. Its interval is then the percentile interval,
    widened to reach the estimate."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    y = x[:, 0] + rng.normal(size=200)
    # the second uncorrelated with the outcome and the others in the sample: its weight is 0
    basis = np.column_stack([np.ones(200), y, x[:, 0], x[:, 2]])
    x[:, 1] -= basis @ np.linalg.lstsq(basis, x[:, 1], rcond=None)[0]
    found = key_drivers(x, y, "abc", resamples=1000)
    assert found.weights[1] < 1e-20
    boot = bootstrap_weights(x, y, 1000, 0)  # the same kind of resamples
    assert (boot[:, 1] > found.weights[1]).mean() > 0.975  # the edge
    assert found.low[1] <= found.weights[1] < found.high[1]
    assert found.high[1] > 10 * found.low[1] + 1e-4  # not a point
    estimate, resampled = np.array([0.001]), np.linspace(0.002, 0.1, 1000)[:, None]
    low, high = bca_interval(estimate, resampled, np.zeros((50, 1)))
    assert (low[0], high[0]) == (0.001, pytest.approx(np.quantile(resampled, 0.975)))
