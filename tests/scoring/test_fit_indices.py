"""Fit indices as lavaan computes them (lavaan 0.6 ``fitMeasures``)."""

from __future__ import annotations

import pytest

from scoring.fit_indices import fit_indices


def test_holzinger_swineford_three_factors():
    """lavaan's tutorial CFA of the Holzinger–Swineford tests: χ² 85.306 (24 df), baseline
    918.852 (36 df), N = 301 → CFI 0.931, TLI 0.896, RMSEA 0.092."""
    fit = fit_indices(85.306, 24, 918.852, 36, n=301)
    assert (round(fit.cfi, 3), round(fit.tli, 3), round(fit.rmsea, 3)) == (0.931, 0.896, 0.092)
    assert fit.cfi == pytest.approx(1 - 61.306 / 882.852)


def test_two_groups_scale_rmsea_by_the_root_of_the_groups():
    """lavaan's configural model of the two schools: χ² 115.851 (48 df), baseline 957.769 (72 df;
    the invariance estimator's baseline reproduces it), N = 301 in 2 groups: CFI 0.923, RMSEA
    0.097 (√(67.851 / (48 · 301)) · √2)."""
    fit = fit_indices(115.851, 48, 957.769, 72, n=301, groups=2)
    assert round(fit.rmsea, 3) == 0.097 and round(fit.cfi, 3) == 0.923


@pytest.mark.parametrize("chisq", [0.0, 10.0, 23.9])
def test_a_model_below_its_degrees_of_freedom(chisq):
    fit = fit_indices(chisq, 24, 918.852, 36, n=301)
    assert fit.cfi == 1.0 and fit.rmsea == 0.0 and fit.tli > 1.0


def test_a_model_worse_than_its_baseline_has_cfi_zero():
    assert fit_indices(1000.0, 24, 918.852, 36, n=301).cfi == 0.0


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="n:"):
        fit_indices(85.0, 24, 918.0, 36, n=0)
