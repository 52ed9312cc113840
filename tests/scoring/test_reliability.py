"""Cronbach's alpha against outside references.

References: pingouin's ``cronbach_alpha`` on the data sets pingouin ships, and R psych's
``alpha(data, use="complete.obs")`` value for ``cronbach_wide_missing`` as published in pingouin's
documentation (0.8016949152542373); the ``cronbach_alpha`` data set comes from real-statistics.com,
whose worked example gives 0.5917.

With ``nan_policy="listwise"`` pingouin computes alpha on the complete rows but Feldt's interval
with the number of rows *before* dropping the incomplete ones (12 instead of 9 for
``cronbach_wide_missing``, giving [0.581, 0.933]). Feldt's degrees of freedom belong to the
respondents alpha was computed on, so the interval here is compared with pingouin on the complete
rows ([0.533, 0.947]).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from scoring.reliability import cronbach_alpha


def as_int8(frame: pd.DataFrame) -> np.ndarray:
    """Binary/Likert answers as the project holds them: int8 with -1 for missing."""
    return frame.fillna(-1).to_numpy().astype(np.int8)


def test_r_psych_complete_obs_value():
    data = pg.read_dataset("cronbach_wide_missing")
    for matrix in (data.to_numpy(dtype=float), as_int8(data)):
        result = cronbach_alpha(matrix)
        assert result.statistic == pytest.approx(0.8016949152542373, abs=1e-12)
        assert result.n == len(data.dropna()) == 9
        _, expected_ci = pg.cronbach_alpha(data=data.dropna())
        assert np.round(result.confidence_interval(), 3).tolist() == expected_ci.tolist()


def test_real_statistics_questionnaire_matches_pingouin():
    long = pg.read_dataset("cronbach_alpha")
    wide = long.pivot_table(index="Subj", columns="Items", values="Scores")
    expected, expected_ci = pg.cronbach_alpha(
        data=long, items="Items", scores="Scores", subject="Subj"
    )
    assert expected == pytest.approx(0.5917188485995826)
    result = cronbach_alpha(wide.to_numpy(dtype=float))
    assert result.statistic == pytest.approx(expected, abs=1e-12)
    assert np.round(result.confidence_interval(), 3).tolist() == expected_ci.tolist()
    assert cronbach_alpha(wide.to_numpy().astype(np.int8)).statistic == pytest.approx(
        expected, abs=1e-12
    )


def test_float_data_matches_pingouin():
    big5 = pg.read_dataset("pairwise_corr").drop(columns="Subject")
    expected, expected_ci = pg.cronbach_alpha(data=big5)
    result = cronbach_alpha(big5.to_numpy(dtype=float), confidence_level=0.95)
    assert result.statistic == pytest.approx(expected, abs=1e-12)
    assert np.round(result.confidence_interval(), 3).tolist() == expected_ci.tolist()


@pytest.mark.parametrize("confidence_level", [0.9, 0.99])
def test_other_confidence_levels_match_pingouin(confidence_level):
    data = pg.read_dataset("cronbach_wide_missing")
    _, expected_ci = pg.cronbach_alpha(data=data.dropna(), ci=confidence_level)
    result = cronbach_alpha(as_int8(data), confidence_level=confidence_level)
    assert np.round(result.confidence_interval(), 3).tolist() == expected_ci.tolist()


def test_random_likert_with_missing_matches_pingouin():
    rng = np.random.default_rng(7)
    latent = rng.normal(size=(500, 1))
    answers = np.clip(np.round(3 + latent + rng.normal(size=(500, 6))), 1, 5)
    answers[rng.random(answers.shape) < 0.05] = np.nan
    expected, _ = pg.cronbach_alpha(data=pd.DataFrame(answers), nan_policy="listwise")
    encoded = np.where(np.isnan(answers), -1, answers - 1).astype(np.int8)
    assert cronbach_alpha(encoded).statistic == pytest.approx(expected, abs=1e-12)
    assert cronbach_alpha(answers).statistic == pytest.approx(expected, abs=1e-12)


def test_hand_computed_small_case():
    # Item variances 1.3, 1.5, 1.3 (sum 4.1); totals 5, 8, 10, 14, 7 have variance 11.7:
    # alpha = 3/2 · (1 - 4.1/11.7) = 0.974358974...
    x = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5], [2, 2, 3]])
    assert cronbach_alpha(x).statistic == pytest.approx(1.5 * (1 - 4.1 / 11.7), abs=1e-12)


def test_too_few_complete_respondents_gives_nan():
    x = np.array([[1, 2], [2, -1], [3, 3]], dtype=np.int8)
    result = cronbach_alpha(x)
    assert np.isnan(result.statistic) and result.n == 2


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="at least 2 columns"):
        cronbach_alpha(np.ones((5, 1)))
    with pytest.raises(ValueError, match="confidence_level"):
        cronbach_alpha(np.ones((5, 2)), confidence_level=1.5)


@given(
    column=arrays(np.int8, st.integers(3, 60), elements=st.integers(0, 6)),
    k=st.integers(2, 8),
)
def test_alpha_of_identical_items_is_one(column, k):
    if np.all(column == column[0]):
        column = column.copy()
        column[0] = (column[0] + 1) % 7
    result = cronbach_alpha(np.repeat(column[:, None], k, axis=1))
    assert result.statistic == pytest.approx(1.0, abs=1e-12)


def test_item_rest_correlations_equal_pearson_with_the_rest():
    from scoring.reliability import item_rest_correlations

    rng = np.random.default_rng(9)
    trait = rng.normal(size=200)
    items = np.column_stack(
        [trait + rng.normal(size=200) for _ in range(4)] + [rng.normal(size=200)]
    )
    items[3, 1] = np.nan  # listwise
    result = item_rest_correlations(items)
    complete = ~np.isnan(items).any(axis=1)
    block = items[complete]
    for j in range(5):
        rest = np.delete(block, j, axis=1).sum(axis=1)
        assert result[j] == pytest.approx(stats.pearsonr(block[:, j], rest)[0], rel=1e-10)
    assert result[4] < 0.3 < result[0]  # the unrelated statement is the weak one


def test_omega_equals_an_independent_minres_fit():
    """One-factor omega from iterated principal axes equals the least-squares (minres) solution
    found by a general optimiser, the estimator R's psych::omega uses."""
    from scipy.optimize import minimize

    from scoring.reliability import mcdonald_omega, omega_from_correlations, one_factor_loadings

    rng = np.random.default_rng(2)
    trait = rng.normal(size=(500, 1))
    noise = rng.normal(size=(500, 5)) * np.array([0.6, 0.7, 0.8, 0.86, 0.95])
    items = trait @ np.array([[0.8, 0.7, 0.6, 0.5, 0.3]]) + noise
    corr = np.corrcoef(items, rowvar=False)
    off = ~np.eye(5, dtype=bool)
    fit = minimize(
        lambda lam: ((corr - np.outer(lam, lam))[off] ** 2).sum(),
        x0=np.full(5, 0.5),
        method="BFGS",
        options={"gtol": 1e-12},
    )
    reference = fit.x * np.sign(fit.x.sum())
    np.testing.assert_allclose(one_factor_loadings(corr), reference, atol=1e-6)
    total = reference.sum() ** 2
    expected = total / (total + (1 - reference**2).sum())
    assert omega_from_correlations(corr) == pytest.approx(expected, abs=1e-6)
    result = mcdonald_omega(items, resamples=300, seed=4)
    assert result.low < result.statistic < result.high and result.n == 500
    assert mcdonald_omega(items, resamples=300, seed=4) == result  # seeded
    items[0, 0] = np.nan
    assert mcdonald_omega(items, resamples=50).n == 499  # listwise


@pytest.mark.parametrize(("n", "k"), [(3000, 2), (600, 4)])  # multinomial; rows by pattern
def test_the_pattern_bootstrap_resamples_respondents(n, k):
    """Each resample of the pattern bootstrap is the correlation matrix of the respondents it
    draws (each pattern repeated as often as drawn), and its omega intervals match those of the
    row bootstrap on the same data."""
    from scoring.bootstrap import (
        PATTERN_COST,
        bootstrap_correlations,
        bootstrap_pattern_correlations,
    )
    from scoring.reliability import omega_from_correlations

    rng = np.random.default_rng(5)
    trait = rng.normal(size=(n, 1))
    items = np.clip(np.rint(2 + trait + rng.normal(0, 0.9, (n, k))), 0, 4)
    patterns, counts = np.unique(items, axis=0, return_counts=True)
    boot = bootstrap_pattern_correlations(patterns, counts, 40, seed=7)
    draws = np.random.default_rng(7)
    if PATTERN_COST * counts.size < n:
        drawn = draws.multinomial(n, counts / n, size=40)
    else:
        pattern_of = np.repeat(np.arange(counts.size), counts)
        rows = draws.integers(0, n, size=(40, n), dtype=np.int32)
        drawn = np.array([np.bincount(pattern_of[r], minlength=counts.size) for r in rows])
    for b in (0, 17, 39):
        expected = np.corrcoef(np.repeat(patterns, drawn[b], axis=0), rowvar=False)
        np.testing.assert_allclose(boot[b], expected, atol=1e-12)
    by_pattern = omega_from_correlations(bootstrap_pattern_correlations(patterns, counts, 2000, 1))
    by_row = omega_from_correlations(bootstrap_correlations(items, 2000, 1))
    assert np.std(by_pattern) == pytest.approx(np.std(by_row), rel=0.12)
    assert np.mean(by_pattern) == pytest.approx(np.mean(by_row), abs=0.004)


def test_answer_patterns_are_the_distinct_rows():
    from scoring.reliability import _answer_patterns

    rng = np.random.default_rng(3)
    for block in (rng.integers(1, 6, (500, 5)).astype(float), rng.normal(size=(50, 3))):
        patterns, counts = _answer_patterns(block)
        expected, expected_counts = np.unique(block, axis=0, return_counts=True)
        order = np.lexsort(patterns.T[::-1])
        np.testing.assert_array_equal(patterns[order], expected)
        np.testing.assert_array_equal(counts[order], expected_counts)


def test_missing_answers_in_an_int8_matrix_are_left_out():
    """The answer matrices mark a missing answer with -1: item-rest correlations and omega leave
    those respondents out rather than read -1 as an answer."""
    from scoring.reliability import item_rest_correlations, mcdonald_omega

    rng = np.random.default_rng(8)
    trait = rng.normal(size=(400, 1))
    points = np.clip(np.rint(2 + trait + rng.normal(0, 0.8, (400, 4))), 0, 4).astype(np.int8)
    with_missing = points.copy()
    with_missing[:60, 1] = -1
    np.testing.assert_allclose(
        item_rest_correlations(with_missing), item_rest_correlations(points[60:]), rtol=1e-12
    )
    assert mcdonald_omega(with_missing, resamples=20).n == 340
    assert mcdonald_omega(with_missing, resamples=20).statistic == pytest.approx(
        mcdonald_omega(points[60:], resamples=20).statistic, rel=1e-12
    )


def test_two_statements_give_the_spearman_brown_coefficient():
    """For two items the one-factor omega of the standardised items is 2r / (1 + r), the
    Spearman–Brown coefficient (Eisinga, te Grotenhuis & Pelzer 2013), and is named so."""
    from scoring.reliability import SPEARMAN_BROWN, mcdonald_omega, omega_from_correlations

    rng = np.random.default_rng(11)
    trait = rng.normal(size=400)
    items = np.column_stack([trait + rng.normal(0, s, 400) for s in (0.8, 1.5)])
    r = stats.pearsonr(items[:, 0], items[:, 1])[0]
    corr = np.array([[1.0, r], [r, 1.0]])
    assert omega_from_correlations(corr) == pytest.approx(2 * r / (1 + r), abs=1e-7)  # its tol
    result = mcdonald_omega(items, resamples=200, seed=1)
    assert result.method == SPEARMAN_BROWN
    assert result.statistic == pytest.approx(2 * r / (1 + r), rel=1e-12)
    assert result.low < result.statistic < result.high


def test_omega_u_equals_semopy_on_holzinger_swineford():
    """ω_u of the raw sum equals (Σλ)² / ((Σλ)² + Σθ) from semopy's maximum-likelihood fit of
    one factor to the covariances of Holzinger & Swineford's three "textual" and three "speed"
    tests (three indicators: the model is saturated, so every estimator gives these loadings)."""
    import semopy
    from semopy.examples import holzinger39

    from scoring.reliability import OMEGA_U, mcdonald_omega

    data = holzinger39.get_data()
    for columns in (["x4", "x5", "x6"], ["x7", "x8", "x9"]):
        model = semopy.Model("f =~ " + " + ".join(columns))
        model.fit(data[columns])
        estimates = model.inspect(std_est=False)
        loadings = estimates[(estimates.op == "~") & (estimates.rval == "f")]
        errors = estimates[(estimates.op == "~~") & (estimates.lval.isin(columns))]
        errors = errors[errors.lval == errors.rval]
        factor = estimates[(estimates.op == "~~") & (estimates.lval == "f")].Estimate.item()
        common = loadings.Estimate.sum() ** 2 * factor
        expected = common / (common + errors.Estimate.sum())
        result = mcdonald_omega(data[columns].to_numpy(), resamples=200, seed=2)
        assert result.method == OMEGA_U
        assert result.statistic == pytest.approx(expected, abs=1e-4)  # semopy's optimiser
        assert result.low < result.statistic < result.high


def test_omega_u_is_that_of_the_raw_sum():
    """With items on different spreads ω_u is the share of the raw sum's variance that the
    factor explains — computed here from the loadings of the covariance matrix — and differs
    from omega of the standardised items; on standardised items the two agree."""
    from scoring.reliability import (
        mcdonald_omega,
        omega_from_correlations,
        omega_of_raw_sum,
        one_factor_loadings,
    )

    rng = np.random.default_rng(8)
    trait = rng.normal(size=(2000, 1))
    items = trait @ np.array([[0.3, 2.0, 0.5, 1.0]]) + rng.normal(size=(2000, 4)) * [
        0.9, 1.0, 0.4, 1.2
    ]
    covariance = np.cov(items, rowvar=False)
    spreads = np.sqrt(np.diag(covariance))
    corr = covariance / np.outer(spreads, spreads)
    raw_loadings = one_factor_loadings(corr) * spreads
    expected = raw_loadings.sum() ** 2 / covariance.sum()
    assert omega_of_raw_sum(corr, spreads) == pytest.approx(expected, rel=1e-12)
    result = mcdonald_omega(items, resamples=100)
    assert result.statistic == pytest.approx(expected, rel=1e-9)
    standardised = omega_from_correlations(corr)
    assert abs(result.statistic - standardised) > 0.01
    assert omega_of_raw_sum(corr, np.ones(4)) == pytest.approx(standardised, abs=1e-3)
