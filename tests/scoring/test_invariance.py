"""Measurement invariance (multi-group CFA) against lavaan's published fits, and on data with a
planted difference between the groups."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.invariance import DELTA_CFI, fit_groups, invariance


@pytest.fixture(scope="module")
def holzinger():
    """Holzinger & Swineford (1939), the two schools, nine tests on three factors (as shipped with
    semopy and with R's lavaan)."""
    from semopy.examples import holzinger39

    data = holzinger39.get_data()
    columns = [f"x{i}" for i in range(1, 10)]
    schools = [data[data.school == name][columns].to_numpy() for name in ("Pasteur", "Grant-White")]
    return schools, [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_the_three_steps_equal_lavaan(holzinger):
    """lavaan 0.6 (``cfa(HS.model, group = "school", group.equal = …)``) and semTools'
    ``measurementInvariance`` print χ² 115.851 / 124.044 / 164.103 on 48 / 54 / 60 df, CFI 0.923 /
    0.921 / 0.882 and RMSEA 0.097 / 0.093 / 0.107 for the configural, loadings and intercepts
    models."""
    result = invariance(*holzinger)
    assert [s.level for s in result.steps] == ["configural", "metric", "scalar"]
    assert [round(s.chisq, 3) for s in result.steps] == [115.851, 124.044, 164.103]
    assert [s.df for s in result.steps] == [48, 54, 60]
    assert [round(s.cfi, 3) for s in result.steps] == [0.923, 0.921, 0.882]
    assert [round(s.rmsea, 3) for s in result.steps] == [0.097, 0.093, 0.107]
    assert result.holds_at("metric") and not result.holds_at("scalar") and not result.holds


def test_a_failed_step_names_the_statements_that_differ(holzinger):
    """Scalar invariance fails between the schools; releasing intercepts one at a time (the
    largest drop in χ² first) frees x3 and then x7, after which ΔCFI ≤ 0.01."""
    result = invariance(*holzinger)
    partial = result.partial["scalar"]
    assert result.differing_intercepts == (2, 6) and result.differing_loadings == ()
    assert result.steps[1].cfi - partial.cfi <= DELTA_CFI and partial.df == 58
    # the first release is the one that lowers χ² most of all nine
    singles = [fit_groups(*holzinger, level="scalar", free_intercepts=[i]) for i in range(9)]
    assert int(np.argmin([fit.chisq for fit in singles])) == 2


def groups_with(planted=None, n=500, seed=0):
    """Two groups answering twelve statements on three correlated factors; ``planted`` =
    ("intercept" | "loading", statement) shifts that statement in the second group."""
    rng = np.random.default_rng(seed)
    groups = []
    for g in range(2):
        traits = rng.multivariate_normal(np.zeros(3), 0.3 + 0.7 * np.eye(3), size=n)
        loadings = np.full(12, 0.8)
        intercepts = np.full(12, 3.0)
        if planted and g == 1:
            kind, at = planted
            if kind == "intercept":
                intercepts[at] += 0.6
            else:
                loadings[at] -= 0.6
        factor = np.repeat(np.arange(3), 4)
        groups.append(intercepts + loadings * traits[:, factor] + rng.normal(0, 0.6, (n, 12)))
    return groups, [list(range(0, 4)), list(range(4, 8)), list(range(8, 12))]


def test_groups_that_answer_alike_are_invariant():
    result = invariance(*groups_with())
    assert result.holds and result.partial == {}
    assert result.steps[0].cfi > 0.99 and result.steps[2].rmsea < 0.03


@pytest.mark.parametrize(("kind", "at"), [("intercept", 5), ("loading", 9)])
def test_a_planted_difference_is_found(kind, at):
    result = invariance(*groups_with((kind, at)))
    assert not result.holds
    found = result.differing_intercepts if kind == "intercept" else result.differing_loadings
    assert found == (at,)


def test_configural_is_the_sum_of_separate_fits(holzinger):
    """With nothing held equal, the groups' models are fitted as if apart: χ² and df add up."""
    groups, factors = holzinger
    together = fit_groups(groups, factors)
    apart = [fit_groups([group, group], factors) for group in groups]  # twice the same group
    assert together.chisq == pytest.approx(sum(f.chisq for f in apart) / 2, rel=1e-6)
    assert together.df == sum(f.df for f in apart) // 2


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="groups"):
        invariance([np.zeros((10, 3))], [[0, 1, 2]])
    with pytest.raises(ValueError, match="factors"):
        fit_groups([np.ones((10, 3)), np.ones((10, 3))], [[0, 1]])
