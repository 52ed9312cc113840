"""Minimum-group-size suppression, including the subtraction attack."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scoring.privacy import NOT_ANSWERED, suppress


def test_small_group_and_its_complement_are_hidden():
    result = suppress({"Sales": 40, "IT": 12, "Legal": 4}, 5)
    assert result.visible == ("Sales",)
    assert result.too_small == ("Legal",) and result.complementary == ("IT",)


def test_two_small_groups_that_together_reach_k_need_no_complement():
    result = suppress({"Sales": 40, "IT": 12, "Legal": 4, "HR": 3}, 5)
    assert result.visible == ("Sales", "IT")


def test_non_answerers_take_part_in_the_subtraction():
    # Everyone answered except 2 people: total − Sales − IT reveals those 2.
    result = suppress({"Sales": 40, "IT": 12, NOT_ANSWERED: 2}, 5)
    assert result.visible == ("Sales",) and result.complementary == ("IT",)
    assert NOT_ANSWERED not in result.visible


def test_nothing_hidden_when_every_group_is_large():
    assert suppress({"A": 5, "B": 6, NOT_ANSWERED: 0}, 5).hidden == ()


def test_k_below_three_is_refused():
    with pytest.raises(ValueError, match="at least 3"):
        suppress({"A": 10}, 2)


@given(
    sizes=st.lists(st.integers(0, 30), min_size=1, max_size=8),
    skipped=st.integers(0, 10),
    k=st.integers(3, 10),
    seed=st.integers(0, 1000),
)
def test_subtraction_never_reveals_a_group_below_k(sizes, skipped, k, seed):
    """Total minus the visible groups leaves a remainder of 0 or at least k people, and its mean
    is the only thing an attacker learns about the hidden groups."""
    rng = np.random.default_rng(seed)
    counts = {f"g{i}": n for i, n in enumerate(sizes)} | {NOT_ANSWERED: skipped}
    assume(sum(counts.values()) >= k)  # a report shows nothing at all below k respondents
    scores = {group: rng.uniform(0, 100, size=n) for group, n in counts.items()}
    result = suppress(counts, k)
    assert all(counts[g] >= k for g in result.visible)
    remainder = sum(counts.values()) - sum(counts[g] for g in result.visible)
    assert remainder == 0 or remainder >= k
    if remainder:
        everyone = np.concatenate(list(scores.values()))
        shown = sum(scores[g].sum() for g in result.visible)
        derived_mean = (everyone.sum() - shown) / remainder
        hidden = np.concatenate([scores[g] for g in counts if g not in result.visible])
        assert derived_mean == pytest.approx(hidden.mean())  # a mean over ≥ k people, no less
