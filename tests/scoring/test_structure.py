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


def test_holzinger_swineford_equals_lavaan(shaped_instrument):
    """lavaan 0.6's tutorial model (``cfa(HS.model, data = HolzingerSwineford1939)``, N = 301)
    prints χ² 85.306 on 24 df, baseline 918.852 on 36, CFI 0.931, TLI 0.896, RMSEA 0.092 and
    SRMR 0.065. Its RMSEA divides by N: √((85.306 − 24) / (24 · 301)) = 0.09212; semopy's own
    divides by N − 1 (0.09227)."""
    from semopy.examples import holzinger39

    from scoring.structure import Moments, fit_moments

    instrument = shaped_instrument(dimensions=3, items=3, scale=(1, 5), outcomes=0)
    data = holzinger39.get_data()[[f"x{i}" for i in range(1, 10)]].to_numpy(dtype=float)
    fit = fit_moments(Moments.of(data), instrument)
    assert fit.n == 301 and fit.df == 24 and round(fit.chisq, 3) == 85.306
    assert (round(fit.cfi, 3), round(fit.tli, 3), round(fit.rmsea, 3)) == (0.931, 0.896, 0.092)
    assert round(fit.srmr, 3) == 0.065
    assert fit.rmsea == pytest.approx(np.sqrt((fit.chisq - 24) / (24 * 301)), rel=1e-12)
    assert round(fit.rmsea, 5) == 0.09212


def test_cfi_is_capped_at_one_and_tli_is_not(instrument):
    """Data drawn from the model itself, χ² 250.5 below its 265 df: semopy reports CFI 1.0036;
    lavaan (and the check) caps CFI at 1, leaves TLI above 1 and gives RMSEA 0."""
    dims = len(instrument.dimensions)
    factor = np.repeat(np.arange(dims), [len(dim.items) for dim in instrument.dimensions])
    rng = np.random.default_rng(0)
    traits = rng.multivariate_normal(np.zeros(dims), 0.4 + 0.6 * np.eye(dims), size=300)
    block = 2 + 0.9 * traits[:, factor] + rng.normal(0, 0.7, (300, factor.size))
    from scoring.structure import Moments, fit_moments

    fit = fit_moments(Moments.of(block), instrument)
    assert fit.chisq < fit.df == 265
    assert fit.cfi == 1.0 and fit.tli > 1.0 and fit.rmsea == 0.0
