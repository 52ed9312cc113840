"""Scores, favourability and maturity levels: the conventions of ARCHITECTURE.md, exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scoring.instrument import load_instrument
from scoring.scores import (
    MIN_INTERVAL_N,
    InvalidAnswer,
    encode_answers,
    item_distributions,
    maturity_level,
    respondent_outcome,
    respondent_scores,
    reverse_key,
    score_answers,
)


@pytest.fixture(scope="module")
def bundled():
    return load_instrument("social-culture-v1")


@pytest.fixture
def small(make_instrument_file):
    """Two dimensions of three items on a 1-5 scale; the third item of each is reverse-keyed."""
    return load_instrument(make_instrument_file(dimensions=2, items=3, scale=(1, 5), outcomes=1))


def naive_scores(raw: np.ndarray, instrument) -> np.ndarray:
    """The conventions written out respondent by respondent, as an independent oracle."""
    low, high = instrument.scale.min, instrument.scale.max
    out = np.full((raw.shape[0], len(instrument.dimensions)), np.nan)
    for r, row in enumerate(raw):
        for d, dim in enumerate(instrument.dimensions):
            item_scores = []
            for item in dim.items:
                x = row[instrument.item_keys.index(item.key)]
                if math.isnan(x):
                    continue
                x = low + high - x if item.reverse else x
                item_scores.append((x - low) / (high - low) * 100)
            if len(item_scores) >= math.ceil(len(dim.items) / 2):
                out[r, d] = sum(item_scores) / len(item_scores)
    return out


def random_answers(instrument, n, seed, missing=0.1):
    rng = np.random.default_rng(seed)
    raw = rng.integers(
        instrument.scale.min, instrument.scale.max + 1, size=(n, len(instrument.items))
    )
    raw = raw.astype(float)
    raw[rng.random(raw.shape) < missing] = np.nan
    return raw


def test_hand_computed_respondent_scores(small):
    nan = np.nan
    raw = np.array(
        [
            # dim0: D0I0 D0I1 D0I2(rev) | dim1: D1I0 D1I1 D1I2(rev) | OUT0
            [5, 4, 1, 1, 1, 5, 5],  # dim0: (100+75+100)/3; dim1: all 0
            [3, nan, nan, 2, 4, nan, 3],  # dim0: 1 of 3 answered -> missing; dim1: (25+75)/2
            [nan, nan, nan, 5, 5, 1, nan],
        ]
    )
    points = encode_answers(raw, small)
    scores = respondent_scores(points, small)
    np.testing.assert_allclose(scores, [[275 / 3, 0], [nan, 50], [nan, 100]])
    np.testing.assert_allclose(respondent_outcome(points, small), [100, 50, nan])
    result = score_answers(points, small)
    dim0, dim1 = result.dimensions
    assert (dim0.n, dim1.n) == (1, 3)
    assert dim0.statistic == pytest.approx(275 / 3)
    assert dim1.statistic == pytest.approx(50)
    assert np.isnan(dim0.confidence_interval().low)  # n < 2: no interval
    # dim1 answers after reverse keying: 1,1,1 | 2,4 | 5,5,5 -> favourable 4/8, unfavourable 4/8
    assert (dim1.favourable, dim1.neutral, dim1.unfavourable) == (4 / 8, 0, 4 / 8)
    # dim0 answers of the one person with a score: 5,4,5 -> all favourable; respondent 2's "3"
    # is not counted (no dim0 score), so counts, shares and score rest on the same person
    assert (dim0.favourable, dim0.neutral, dim0.unfavourable) == (1, 0, 0)
    assert dim0.distribution.sum() == 3 and dim0.dont_know == 0
    assert dim1.dont_know == pytest.approx(1 / 9)  # respondent 2 left D1I2 open
    assert result.overall.statistic == pytest.approx((275 / 3 + 50) / 2)
    assert result.overall.level == 4


def test_scores_equal_the_naive_oracle(bundled):
    raw = random_answers(bundled, 300, seed=5, missing=0.3)
    expected = naive_scores(raw, bundled)
    points = encode_answers(raw, bundled)
    np.testing.assert_allclose(respondent_scores(points, bundled), expected)
    result = score_answers(points, bundled)
    for d, dim in enumerate(result.dimensions):
        column = expected[:, d][~np.isnan(expected[:, d])]
        assert dim.n == column.size
        assert dim.statistic == pytest.approx(column.mean(), rel=1e-12)
        assert dim.sd == pytest.approx(column.std(ddof=1), rel=1e-12)


def test_confidence_interval_is_scipys_t_interval(bundled):
    raw = random_answers(bundled, 57, seed=11)
    points = encode_answers(raw, bundled)
    scores = respondent_scores(points, bundled)
    result = score_answers(points, bundled, confidence_level=0.9)
    for d, dim in enumerate(result.dimensions):
        column = scores[:, d][~np.isnan(scores[:, d])]
        expected = stats.ttest_1samp(column, 0).confidence_interval(0.9)
        assert dim.confidence_interval() == pytest.approx((expected.low, expected.high), rel=1e-10)
        low, high = stats.t.interval(
            0.9, column.size - 1, loc=column.mean(), scale=stats.sem(column)
        )
        assert dim.confidence_interval() == pytest.approx((low, high), rel=1e-10)


def test_intervals_stay_on_the_scale_and_need_five_people(small):
    # five people near the top (the third item of each principle is reverse-keyed)
    raw = np.array([[5, 5, 1, 5, 5, 1, 5]] * 4 + [[4, 5, 1, 5, 5, 1, 5]], dtype=float)
    result = score_answers(encode_answers(raw, small), small)
    dim = result.dimensions[0]
    low, high = dim.confidence_interval()
    unclipped = stats.t.interval(0.95, 4, loc=dim.statistic, scale=dim.sd / np.sqrt(5))
    assert unclipped[1] > 100 and high == 100 and low == pytest.approx(unclipped[0])
    two = score_answers(encode_answers(raw[:2], small), small)
    assert all(np.isnan(two.dimensions[0].confidence_interval()))  # n = 2: none, not [−585, 685]
    assert two.to_dict()["dimensions"][0]["ci95"] is None


def test_distribution_counts_every_answer(small):
    raw = np.array([[1, 2, 3, 4, 5, 1, np.nan], [1, np.nan, 5, 4, 5, 5, 2]])
    counts = item_distributions(encode_answers(raw, small), small.scale.span)
    # D0I2 is reverse-keyed: raw 3 and 5 become points 2 and 0
    assert counts[2].tolist() == [0, 1, 0, 1, 0, 0]
    assert counts[1].tolist() == [1, 0, 1, 0, 0, 0]
    assert counts.sum(axis=1).tolist() == [2] * 7


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, 1), (19.999, 1), (20, 2), (39.99, 2), (40, 3), (60, 4), (79.9, 4), (80, 5), (100, 5)],
)
def test_maturity_level_bands(score, level):
    assert maturity_level(score) == level


def test_maturity_level_of_nan_is_zero():
    assert maturity_level(np.nan) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (6, r"row 1, column 'D0I1': value 6 is not a whole number from 1 to 5"),
        (0, "value 0"),
        (2.5, "value 2.5"),
        (np.inf, "value inf"),
    ],
)
def test_answers_off_the_scale_are_refused(small, value, message):
    raw = np.full((3, 7), 3.0)
    raw[1, 1] = value
    with pytest.raises(InvalidAnswer, match=message):
        encode_answers(raw, small)


def test_favourable_on_seven_point_scale_is_top_two(make_instrument_file):
    instrument = load_instrument(
        make_instrument_file(dimensions=1, items=2, scale=(1, 7), outcomes=0)
    )
    raw = np.array([[7.0, 1.0], [6.0, 3.0], [5.0, 4.0], [1.0, 7.0]])  # item 2 reverse-keyed
    dim = score_answers(encode_answers(raw, instrument), instrument).dimensions[0]
    # after reverse keying: 7 7 | 6 5 | 5 4 | 1 1 -> top two (6, 7) 3, bottom two (1, 2) 2, rest 3
    assert (dim.favourable, dim.neutral, dim.unfavourable) == (3 / 8, 3 / 8, 2 / 8)


def test_json_contract_keys(bundled):
    result = score_answers(encode_answers(random_answers(bundled, 40, seed=2), bundled), bundled)
    data = result.to_dict()
    assert set(data) >= {"instrument", "version", "n_respondents", "dimensions", "overall"}
    assert [d["key"] for d in data["dimensions"]] == [d.key for d in bundled.dimensions]
    for dim in data["dimensions"]:
        assert set(dim) - {"withheld"} == {
            "key",
            "n",
            "score",
            "ci95",
            "favourable",
            "neutral",
            "unfavourable",
            "dont_know",
            "alpha",
            "alpha_ci95",
            "alpha_n",
            "level",
        }
    assert set(data["overall"]) - {"withheld"} == {"score", "level"}


# --- properties ------------------------------------------------------------------------------

scales = st.tuples(st.integers(-3, 2), st.integers(1, 9)).map(lambda t: (t[0], t[0] + t[1]))


@st.composite
def instrument_and_answers(draw, shaped_instrument):
    low, high = draw(scales)
    dims, items = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    instrument = shaped_instrument(dimensions=dims, items=items, scale=(low, high), outcomes=1)
    n = draw(st.integers(1, 40))
    cells = n * len(instrument.items)
    values = draw(
        st.lists(st.one_of(st.integers(low, high), st.just(None)), min_size=cells, max_size=cells)
    )
    raw = np.array([np.nan if v is None else v for v in values], dtype=float)
    return instrument, raw.reshape(n, len(instrument.items))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_scores_stay_in_range_and_ci_contains_mean(data, shaped_instrument):
    instrument, raw = data.draw(instrument_and_answers(shaped_instrument))
    points = encode_answers(raw, instrument)
    scores = respondent_scores(points, instrument)
    finite = scores[~np.isnan(scores)]
    assert np.all((finite >= 0) & (finite <= 100))
    for dim in score_answers(points, instrument).dimensions:
        if dim.n:
            assert 0 <= dim.statistic <= 100 + 1e-9
        low, high = dim.confidence_interval()
        if dim.n >= MIN_INTERVAL_N:  # clipped to the scale, around the mean
            assert 0 <= low <= dim.statistic <= high <= 100
        else:  # too few people for an interval: none
            assert np.isnan(low) and np.isnan(high)
        shares = (dim.favourable, dim.neutral, dim.unfavourable)
        if not np.isnan(shares[0]):
            assert sum(shares) == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_permuting_respondents_changes_nothing(data, shaped_instrument):
    instrument, raw = data.draw(instrument_and_answers(shaped_instrument))
    order = data.draw(st.permutations(range(raw.shape[0])))
    before = score_answers(encode_answers(raw, instrument), instrument).to_dict()
    after = score_answers(encode_answers(raw[list(order)], instrument), instrument).to_dict()
    assert after == before


@given(
    values=st.lists(st.integers(-50, 50), min_size=1, max_size=30),
    low=st.integers(-10, 5),
    width=st.integers(1, 20),
)
def test_reverse_keying_twice_is_the_identity(values, low, width):
    values = np.array(values)
    assert np.array_equal(
        reverse_key(reverse_key(values, low, low + width), low, low + width), values
    )


@pytest.mark.parametrize("scale", [(1, 5), (0, 10), (0, 30), (-50, 50)])
def test_distribution_equals_numpy_histogram_on_any_scale(shaped_instrument, scale):
    instrument = shaped_instrument(dimensions=2, items=3, scale=scale, outcomes=0)
    raw = random_answers(instrument, 200, seed=scale[1], missing=0.2)
    counts = item_distributions(encode_answers(raw, instrument), instrument.scale.span)
    for j, item in enumerate(instrument.items):
        column = raw[:, j]
        answered = column[~np.isnan(column)]
        if item.reverse:
            answered = reverse_key(answered, *scale)
        expected, _ = np.histogram(answered, bins=np.arange(scale[0], scale[1] + 2))
        assert counts[j, 0] == np.isnan(column).sum()
        assert counts[j, 1:].tolist() == expected.tolist()
    np.testing.assert_allclose(
        respondent_scores(encode_answers(raw, instrument), instrument),
        naive_scores(raw, instrument),
    )


def test_the_json_contract_withholds_what_a_report_would_not_give(small):
    """Below five people: no interval and no level; below thirty who answered every statement:
    no alpha (Feldt's interval at n = 3 can reach far below −1); zero spread: no interval of
    zero width. Each null says why in ``withheld``."""
    raw = np.array([[5, 4, 1, 5, 4, 2, 5], [2, 3, 3, 1, 2, 4, 3], [4, 4, 2, 3, 5, 1, 4]], float)
    three = score_answers(encode_answers(raw, small), small)
    dim = three.to_dict()["dimensions"][0]
    assert three.dimensions[0].level is not None and three.dimensions[0].alpha.n == 3
    assert dim["level"] is None and dim["ci95"] is None and dim["alpha"] is None
    assert dim["alpha_ci95"] is None and dim["alpha_n"] == 3
    assert dim["withheld"] == {
        "ci95": "fewer than 5 people with a score",
        "level": "fewer than 5 people with a score",
        "alpha": "fewer than 30 people answered every statement (3)",
    }
    assert three.to_dict()["overall"]["level"] is None
    assert "fewer than 5 people" in three.to_dict()["overall"]["withheld"]["level"]
    same = score_answers(encode_answers(np.full((40, 7), 3.0), small), small)
    dim = same.to_dict()["dimensions"][0]
    assert same.dimensions[0].sd == 0 and dim["ci95"] is None and dim["level"] == 3
    assert dim["withheld"]["ci95"] == "everyone gave the same answers"
    assert dim["withheld"]["alpha"] == "the people who answered every statement have the same total"
    rng = np.random.default_rng(0)
    trait = rng.normal(size=(60, 1))
    coherent = np.clip(np.rint(3 + trait + rng.normal(0, 0.5, (60, 7))), 1, 5)
    coherent[:, [2, 5]] = 6 - coherent[:, [2, 5]]  # reverse-keyed
    coherent[:20, 0] = np.nan  # 40 answered every statement of the first principle
    sixty = score_answers(encode_answers(coherent, small), small).to_dict()["dimensions"][0]
    assert "withheld" not in sixty and sixty["alpha_n"] == 40 and sixty["alpha"] > 0.5
