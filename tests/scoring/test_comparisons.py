"""Welch, Hedges' g, Benjamini-Hochberg, key drivers and priorities against outside references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scoring.benchmark import (
    benjamini_hochberg,
    combine_summaries,
    compare_groups,
    hedges_g,
    pool_position,
    score_bins,
    welch,
    welch_from_stats,
)
from scoring.drivers import key_drivers
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


def test_key_drivers_are_spearman_sorted_strongest_first():
    rng = np.random.default_rng(9)
    outcome = rng.uniform(0, 100, 200)
    scores = np.column_stack([outcome + rng.normal(0, s, 200) for s in (80, 10, 30)])
    scores[::7, 0] = np.nan
    drivers = key_drivers(scores, outcome, ["a", "b", "c"])
    assert [d.key for d in drivers] == ["b", "c", "a"]
    ok = ~np.isnan(scores[:, 0])
    assert drivers[2].statistic == pytest.approx(stats.spearmanr(scores[ok, 0], outcome[ok])[0])
    assert drivers[2].n == ok.sum()


def test_too_few_pairs_give_no_driver():
    assert np.isnan(key_drivers(np.ones((5, 1)), np.arange(5.0), ["a"])[0].statistic)


def test_priorities_pick_one_recommendation_per_dimension_for_its_level():
    instrument = load_instrument()
    scores = {
        "guidelines": 85.0,
        "error_tolerance": 15.0,
        "patience": 50.0,
        "leadership": 30.0,
        "dialogue": 70.0,
    }
    picks = prioritise(instrument, scores, {key: 0.5 for key in scores})
    # guidelines: 15 points to "100" × 0.5 = 7.5; patience, leadership, dialogue: 10 × 0.5 = 5;
    # error tolerance: 5 × 0.5 = 2.5
    assert [p.dimension for p in picks] == ["guidelines", "patience", "leadership"]
    assert [p.priority for p in picks] == [7.5, 5.0, 5.0]
    for pick in picks:
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


def test_mann_whitney_and_rank_biserial():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0, np.nan])
    result = compare_groups([a, b])
    expected = stats.mannwhitneyu(a, b[:3], alternative="two-sided")
    assert result.test == "mann-whitney" and result.pvalue == pytest.approx(expected.pvalue)
    # by hand: the first group never wins a pair: U = 0, so r = 2·0/9 − 1 = −1
    assert result.statistic == 0 and result.effect_size == pytest.approx(-1.0)


def test_kruskal_wallis_and_epsilon_squared():
    rng = np.random.default_rng(2)
    groups = [rng.normal(m, 10, 40) for m in (50, 55, 65)]
    result = compare_groups(groups)
    expected = stats.kruskal(*groups)
    assert result.test == "kruskal-wallis"
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.pvalue == pytest.approx(expected.pvalue)
    assert result.effect_size == pytest.approx(expected.statistic / (120 - 1))


def test_score_bins_cover_0_to_100():
    assert score_bins([0, 9.99, 10, 55, 100, np.nan]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1]
