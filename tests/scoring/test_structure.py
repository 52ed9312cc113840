"""The instrument check: a confirmatory factor analysis of the five-principle structure (semopy)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.instrument import load_instrument
from scoring.structure import MIN_RESPONDENTS, _srmr, fit_structure, model_description


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def structured_points(instrument, n, seed=0, broken=None):
    """Points that follow the structure: one correlated trait per principle drives its
    statements; ``broken`` names a statement answered at random."""
    rng = np.random.default_rng(seed)
    dims = len(instrument.dimensions)
    traits = rng.multivariate_normal(
        np.zeros(dims), 0.4 * np.ones((dims, dims)) + 0.6 * np.eye(dims), size=n
    )
    columns = []
    for d, dim in enumerate(instrument.dimensions):
        for item in dim.items:
            if item.key == broken:
                columns.append(rng.integers(0, 5, n).astype(float))
            else:
                columns.append(
                    np.clip(np.rint(2 + 0.9 * traits[:, d] + rng.normal(0, 0.7, n)), 0, 4)
                )
    outcome = np.clip(np.rint(2 + traits.mean(axis=1)[:, None] + rng.normal(0, 1, (n, 3))), 0, 4)
    return np.column_stack(columns + [outcome]).astype(np.int8)


def test_the_structure_fits_data_that_follow_it(instrument):
    fit = fit_structure(structured_points(instrument, 1500), instrument)
    assert fit.good and fit.n == 1500
    assert fit.cfi > 0.98 and fit.rmsea < 0.03 and fit.srmr < 0.03
    assert min(fit.loadings.values()) > 0.6 and fit.weak == []
    assert model_description(instrument).count("=~") == 5


def test_a_statement_that_measures_nothing_is_named(instrument):
    fit = fit_structure(structured_points(instrument, 1500, broken="P3"), instrument)
    assert fit.weak == ["P3"] and abs(fit.loadings["P3"]) < 0.2


def test_too_few_complete_answers_are_not_checked(instrument):
    points = structured_points(instrument, MIN_RESPONDENTS + 20)
    points[:40, 0] = -1  # missing: listwise
    assert fit_structure(points, instrument) is None


def test_srmr_by_hand():
    sample = np.array([[1.0, 0.5], [0.5, 1.0]])
    assert _srmr(sample, sample) == 0.0
    implied = np.array([[1.0, 0.3], [0.3, 1.0]])
    # residual 0.2 in one of three lower-triangle cells: √(0.04 / 3)
    assert _srmr(sample, implied) == pytest.approx(np.sqrt(0.04 / 3))


def test_moments_pool_like_the_answers_together():
    """Two rounds' kept moments pooled equal the moments of their answers together."""
    from scoring.structure import Moments

    rng = np.random.default_rng(4)
    first, second = rng.integers(0, 5, (40, 6)), rng.integers(0, 5, (70, 6))
    pooled = Moments.pooled([Moments.of(first), Moments.of(second)])
    together = Moments.of(np.vstack([first, second]))
    assert pooled.n == 110
    np.testing.assert_allclose(pooled.mean, together.mean, rtol=1e-12)
    np.testing.assert_allclose(pooled.cov, together.cov, rtol=1e-12, atol=1e-14)
    # against numpy's own (ddof 0) covariance of the answers
    np.testing.assert_allclose(
        together.cov, np.cov(np.vstack([first, second]), rowvar=False, ddof=0), rtol=1e-12
    )


def test_a_round_keeps_no_complete_answers_whose_number_would_isolate(shaped_instrument):
    """Five "don't know" to one statement and five to another, one person giving both: the
    report publishes 5 and 5, so 31 complete of 40 would count that person. The round keeps no
    moments (the check refuses to pool it); with the two sets apart it keeps them."""
    from scoring.scores import points_from_offsets
    from scoring.structure import round_structure

    instrument = shaped_instrument(dimensions=1, items=5, scale=(1, 5), outcomes=0)
    offsets = np.random.default_rng(6).integers(0, 5, size=(40, 5)).astype(np.int8)
    offsets[[0, 1, 2, 3, 4], 0] = -1
    offsets[[4, 5, 6, 7, 8], 1] = -1
    spoken = np.array(["en"] * 40, dtype=object)
    kept = round_structure(points_from_offsets(offsets, instrument), spoken, ("en",), 5, instrument)
    assert kept["all"] is None and kept["languages"] == {}
    offsets[4, 1], offsets[9, 1] = 2, -1
    kept = round_structure(points_from_offsets(offsets, instrument), spoken, ("en",), 5, instrument)
    assert kept["all"]["n"] == 30 and set(kept["languages"]) == {"en"}
