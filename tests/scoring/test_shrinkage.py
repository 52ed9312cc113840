"""Empirical Bayes shrinkage of the pool's organisation means against outside references:
statsmodels' ``combine_effects`` and R metafor's published results."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from scoring.benchmark import pool_marks
from scoring.shrinkage import pool_estimate, random_effects, shrink, shrunken_means

# BCG vaccine trials (Colditz et al. 1994, JAMA 271(9), 698–702), as R metafor ships them in
# `dat.bcg`: per trial the vaccinated with and without tuberculosis, then the controls.
BCG = np.array(
    [
        (4, 119, 11, 128),
        (6, 300, 29, 274),
        (3, 228, 11, 209),
        (62, 13536, 248, 12619),
        (33, 5036, 47, 5761),
        (180, 1361, 372, 1079),
        (8, 2537, 10, 619),
        (505, 87886, 499, 87892),
        (29, 7470, 45, 7232),
        (17, 1699, 65, 1600),
        (186, 50448, 141, 27197),
        (5, 2493, 3, 2338),
        (27, 16886, 29, 17825),
    ],
    dtype=float,
)

# Kacker (2004), Metrologia 41(3), 132–136, as statsmodels' test suite keeps it with R metafor's
# results (statsmodels/stats/tests/results/results_meta.py, `exk1_dl`:
# rma(y, v, method="DL", control=list(tol=1e-9))).
KACKER_Y = np.array([61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9])
KACKER_V = np.array([0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225])
KACKER_DL_TAU2 = 0.288049246973751
KACKER_DL_MEAN = 62.3901386044504


def bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray]:
    """metafor's escalc(measure="RR"): log risk ratio and its large-sample variance."""
    tpos, tneg, cpos, cneg = BCG.T
    y = np.log(tpos / (tpos + tneg)) - np.log(cpos / (cpos + cneg))
    v = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return y, v


def test_dersimonian_laird_equals_statsmodels_on_the_bcg_trials():
    y, v = bcg_log_risk_ratios()
    fit = random_effects(y, v)
    reference = combine_effects(y, v, method_re="dl")
    assert fit.tau2 == pytest.approx(reference.tau2, rel=1e-12)
    assert fit.mean == pytest.approx(reference.mean_effect_re, rel=1e-12)
    assert fit.q == pytest.approx(reference.q, rel=1e-12)
    # metafor's documentation of rma(yi, vi, data = dat, method = "DL") on dat.bcg prints
    # tau^2 = 0.3088 and an estimate of -0.7141
    assert round(fit.tau2, 4) == 0.3088
    assert round(fit.mean, 4) == -0.7141


def test_dersimonian_laird_equals_metafor_to_full_precision():
    fit = random_effects(KACKER_Y, KACKER_V)
    assert fit.tau2 == pytest.approx(KACKER_DL_TAU2, rel=1e-11)
    assert fit.mean == pytest.approx(KACKER_DL_MEAN, rel=1e-14)


def test_no_heterogeneity_gives_tau2_zero_and_the_fixed_effect_mean():
    y = np.array([50.0, 50.5, 49.8, 50.2])
    v = np.array([4.0, 4.0, 9.0, 1.0])
    fit = random_effects(y, v)
    reference = combine_effects(y, v, method_re="dl")
    assert reference.tau2 < 0  # statsmodels does not truncate; DerSimonian–Laird does
    assert fit.tau2 == 0.0
    assert fit.mean == pytest.approx(reference.mean_effect_fe, rel=1e-14)
    assert shrink(y, v, fit) == pytest.approx([fit.mean] * 4, rel=1e-14)


def test_shrunk_means_are_the_posterior_means_from_statsmodels_fit():
    y, v = bcg_log_risk_ratios()
    reference = combine_effects(y, v, method_re="dl")
    mu, tau2 = reference.mean_effect_re, reference.tau2
    # the normal model's posterior mean, precision-weighted: (y/v + mu/tau2) / (1/v + 1/tau2)
    posterior = (y / v + mu / tau2) / (1 / v + 1 / tau2)
    assert shrink(y, v, random_effects(y, v)) == pytest.approx(posterior, rel=1e-12)


def test_bad_input_is_refused_naming_the_argument():
    with pytest.raises(ValueError, match="variances"):
        random_effects([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="same length"):
        random_effects([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="means"):
        shrunken_means([1.0, np.nan], [5, 5], [1.0, 1.0])


def test_pool_means_shrink_with_the_pooled_within_sd():
    means = np.array([52.0, 55.0, 58.0, 61.0, 63.0, 80.0])
    ns = np.array([200, 150, 300, 250, 180, 5])
    sds = np.array([18.0, 20.0, 17.0, 19.0, 21.0, 12.0])
    pooled = ((ns - 1) * sds**2).sum() / (ns - 1).sum()
    reference = combine_effects(means, pooled / ns, method_re="dl")
    found = shrunken_means(means, ns, sds)
    assert found.within_sd == pytest.approx(np.sqrt(pooled), rel=1e-14)
    assert found.tau2 == pytest.approx(reference.tau2, rel=1e-12)
    factor = reference.tau2 / (reference.tau2 + pooled / ns)
    expected = reference.mean_effect_re + factor * (means - reference.mean_effect_re)
    assert found.means == pytest.approx(expected, rel=1e-12)
    assert found.shrunk == 6
    assert abs(found.means[0] - 52.0) < 1  # two hundred people move little
    assert found.means[-1] < 70  # five people move most of the way


def test_a_mean_without_n_counts_as_published():
    found = shrunken_means([50.0, 60.0, 70.0, 90.0], [100, 100, 100, np.nan], [15.0] * 4)
    assert found.means[3] == 90.0
    assert found.shrunk == 3
    nothing = shrunken_means([50.0, 60.0, 90.0], [np.nan] * 3, [np.nan] * 3)
    assert nothing.shrunk == 0 and nothing.means.tolist() == [50.0, 60.0, 90.0]


def _reference_bootstrap(means, ns, sds, resamples, seed):
    """The bootstrap one resample at a time, each fitted by statsmodels."""
    means, ns, sds = (np.asarray(x, dtype=float) for x in (means, ns, sds))
    pooled = ((ns - 1) * sds**2).sum() / (ns - 1).sum()
    drawn = np.random.default_rng(seed).integers(0, means.size, size=(resamples, means.size))
    marks = []
    for rows in drawn:
        y, v = means[rows], pooled / ns[rows]
        fit = combine_effects(y, v, method_re="dl")
        tau2 = max(fit.tau2, 0.0)
        weights = 1 / (v + tau2)
        mu = (weights * y).sum() / weights.sum()
        shrunk = mu + tau2 / (tau2 + v) * (y - mu) if tau2 > 0 else y  # τ̂² = 0: as published
        marks.append(np.percentile(shrunk, [50, 75]))
    return np.array(marks)


def test_the_marks_bootstrap_equals_one_resample_at_a_time():
    means = [52.0, 55.0, 58.0, 61.0, 63.0, 80.0, 49.0, 66.0, 57.5, 60.5]
    ns = [200, 150, 300, 250, 180, 5, 40, 90, 12, 400]
    sds = [18.0, 20.0, 17.0, 19.0, 21.0, 12.0, 16.0, 18.5, 22.0, 17.5]
    found = pool_estimate(60.0, 2.0, means, ns, sds, 5, resamples=300, seed=11)
    marks = _reference_bootstrap(means, ns, sds, 300, seed=11)
    assert found.median_ci95 == pytest.approx(np.percentile(marks[:, 0], [2.5, 97.5]), rel=1e-10)
    assert found.top25_ci95 == pytest.approx(np.percentile(marks[:, 1], [2.5, 97.5]), rel=1e-10)
    again = pool_estimate(60.0, 2.0, means, ns, sds, 5, resamples=300, seed=11)
    # seeded: the same figures every time
    assert (again.percentile_ci95, again.top25_ci95) == (found.percentile_ci95, found.top25_ci95)


def test_marks_and_percentile_follow_the_pool_rule_on_the_shrunk_means():
    means = [40.0, 50.0, 55.0, 70.0, 80.0]
    found = pool_estimate(60.0, 1.5, means, [100] * 5, [15.0] * 5, 5)
    shrunk = shrunken_means(means, [100] * 5, [15.0] * 5).means
    assert (found.median, found.top25) == pool_marks(shrunk, 5)[:2]
    assert np.isnan(found.top10)  # fewer than ten organisations
    # the round's own score is shrunk as the pool's means are, then ranked among them
    own = found.pool.own(60.0, 1.5)
    assert own == pytest.approx(
        found.pool.centre + found.pool.tau2 / (found.pool.tau2 + 1.5**2) * (60 - found.pool.centre)
    )
    assert found.percentile == stats.percentileofscore(shrunk, own, kind="mean")
    low, high = found.percentile_ci95
    assert 0 <= low <= found.percentile <= high <= 100
    # below ten organisations the marks' intervals would reach the best organisation's mean
    assert np.isnan(found.median_ci95[0]) and np.isnan(found.top25_ci95[0])
    too_few = pool_estimate(60.0, 1.5, means[:4], [100] * 4, [15.0] * 4, 5)
    assert np.isnan(too_few.median) and np.isnan(too_few.percentile)
    assert np.isnan(too_few.top25_ci95[0])


def test_a_five_person_organisation_no_longer_sets_the_top_quarter():
    # the case: in six organisations the one of five people sets the top-25 % mark
    means = [50.0, 54.0, 57.0, 60.0, 70.0, 68.0]
    ns, sds = [200, 150, 300, 250, 180, 5], [18.0, 20.0, 17.0, 19.0, 21.0, 12.0]
    assert pool_marks(means, 5)[1] == 66.0  # a quarter of the way from its 68 down to 60
    found = pool_estimate(62.0, 2.0, means, ns, sds, 5)
    assert found.pool.means[-1] == pytest.approx(62.62, abs=0.01)  # five people: pulled in
    assert found.pool.means[4] == pytest.approx(69.57, abs=0.01)  # 180 people: hardly moved
    assert found.top25 == pytest.approx(61.96, abs=0.01)
    assert np.isnan(found.top25_ci95[0])  # six organisations: no interval for the marks


def test_organisations_that_differ_no_more_than_chance_are_not_shrunk_onto_one_value():
    """Five organisations of 20 at 55–59: DerSimonian–Laird's τ̂² is 0, and shrinking would put
    every one at the pool's mean (median = top 25 %, a score of 58 at the 100th percentile).
    The means are kept as published instead."""
    means = [55.0, 56.0, 57.0, 58.0, 59.0]
    fit = combine_effects(np.array(means), np.full(5, 15.0**2 / 20), method_re="dl")
    assert fit.tau2 <= 0  # statsmodels leaves DerSimonian–Laird's estimate untruncated
    found = pool_estimate(58.0, 3.0, means, [20] * 5, [15.0] * 5, 5)
    assert found.pool.shrunk == 0 and found.pool.tau2 == 0
    assert found.pool.means.tolist() == means
    assert (found.median, found.top25) == (57.0, 58.0)
    assert found.percentile == 70.0
