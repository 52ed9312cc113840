"""Pool versions by view and the pool's marks: the rules, checked by brute force."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.benchmark import TOP10_MIN_ORGANISATIONS, pool_marks, pool_position
from scoring.disclosure import PoolViews, pool_version_due, pool_views


def members(*owners: str, entry: int = 1) -> set[tuple[str, int]]:
    return {(owner, entry) for owner in owners}


def test_a_view_that_changed_by_one_organisation_is_withheld_whatever_the_whole_pool_did():
    # the attack: sector and size band each change by three, their combination by one
    first = {
        "all": members(*"abcdefghij"),
        "care": members(*"abcde"),
        "large": members(*"abcde"),
        "care large": members(*"abcde"),
    }
    shown = {view: [held] for view, held in first.items()}
    second = {
        "all": members(*"abcdefghij", "k", "l", "m", "n", "o", "p"),
        "care": members(*"abcde", "k", "l", "m"),
        "large": members(*"abcde", "k", "n", "o"),
        "care large": members(*"abcde", "k"),
    }
    result = pool_views(second, shown)
    assert result == PoolViews(
        offered=frozenset({"all", "care", "large"}), withheld=frozenset({"care large"})
    )


def test_a_view_is_checked_against_every_earlier_offer_not_only_the_last():
    s = members(*"abcde")
    shown = {"care": [s, s | members("x", "y", "z")]}
    # four changes against the last offer, one against the first
    assert pool_views({"care": s | members("w")}, shown).withheld == {"care"}
    assert pool_views({"care": s | members("w", "v", "u")}, shown).offered == {"care"}


def test_a_small_view_is_not_offered_and_a_new_round_counts_as_a_change():
    shown = {"care": [members(*"abcde")]}
    assert pool_views({"care": members(*"abcd")}, shown).too_small == {"care"}
    replaced = (members(*"abcde") - {("a", 1)}) | {("a", 2)}  # a's next round
    assert pool_views({"care": replaced}, shown).withheld == {"care"}
    assert pool_views({"care": members(*"abcde")}, shown).offered == {"care"}  # unchanged


def test_the_whole_pool_waits_rather_than_being_withheld():
    earlier = members(*"abcde")
    last = earlier | members("f", "g", "h")
    assert pool_version_due(last, earlier | members("i"), shown_before=[earlier, last]) is False
    assert pool_version_due(last, earlier | members("i", "j", "k"), shown_before=[earlier, last])
    with pytest.raises(ValueError, match="min_changes"):
        pool_version_due(set(), set(), min_changes=0)
    with pytest.raises(ValueError, match="min_organisations"):
        pool_views({}, {}, min_organisations=0)


OWNERS = "abcdefgh"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["all", "care", "large", "care large"]),
            st.sets(st.sampled_from(OWNERS), max_size=len(OWNERS)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_no_two_offers_of_a_view_differ_by_one_or_two_organisations(versions):
    """Brute force over a history of versions: every pair of offers of one view, however far
    apart, differs by no organisation or by at least three."""
    shown: dict[str, list[frozenset]] = {}
    offers: dict[str, list[frozenset]] = {}
    for version in versions:
        views = {view: members(*owners) for view, owners in version.items()}
        result = pool_views(views, shown, min_changes=3, min_organisations=3)
        assert result.offered | result.withheld | result.too_small == set(views)
        for view in result.offered:
            shown.setdefault(view, []).append(frozenset(views[view]))
            offers.setdefault(view, []).append(frozenset(owner for owner, _ in views[view]))
    for held in offers.values():
        for one, other in combinations(held, 2):
            assert len(one ^ other) == 0 or len(one ^ other) >= 3


def test_marks_follow_one_rule():
    """Median and top 25 % from the pool minimum, top 10 % from ten organisations; the values are
    numpy's linear percentiles."""
    five = [40.0, 50.0, 55.0, 70.0, 80.0]
    assert pool_marks(five[:4], min_organisations=5) == pytest.approx((np.nan,) * 3, nan_ok=True)
    median, top25, top10 = pool_marks(five, min_organisations=5)
    assert (median, top25) == (55.0, 70.0) and np.isnan(top10)
    ten = [float(x) for x in range(10, 110, 10)]
    assert TOP10_MIN_ORGANISATIONS == 10
    assert pool_marks(ten, min_organisations=5) == pytest.approx(
        tuple(np.percentile(ten, [50, 75, 90]))
    )
    assert np.isnan(pool_marks([*ten[:9], np.nan], min_organisations=5)[2])  # NaN is no one
    position = pool_position(60.0, five, min_organisations=5)
    assert position.percentile == 60.0 and np.isnan(position.top10)
    assert np.isnan(pool_position(60.0, five[:4], min_organisations=5).percentile)
    with pytest.raises(ValueError, match="min_organisations"):
        pool_marks(five, min_organisations=0)
