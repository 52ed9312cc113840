"""Minimum-group-size suppression, with complementary suppression against subtraction.

A breakdown (scores per department, say) must not show a group smaller than the campaign's minimum
group size *k*. Hiding that group alone is not enough when the total is shown as well: the total
minus the visible groups gives the hidden groups back *taken together*. So while the hidden groups
together (with the people who skipped the question, who are part of the total too) number fewer than
*k*, the smallest visible group is hidden as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["NOT_ANSWERED", "Suppression", "suppress"]

NOT_ANSWERED = "\x00not answered"  # the implicit group of people who skipped the question


@dataclass(frozen=True)
class Suppression:
    """Which groups of a breakdown may be shown."""

    visible: tuple[str, ...]
    too_small: tuple[str, ...] = field(default=())
    complementary: tuple[str, ...] = field(default=())

    @property
    def hidden(self) -> tuple[str, ...]:
        return self.too_small + self.complementary


def suppress(counts: Mapping[str, int], min_group_size: int) -> Suppression:
    """Decide which groups to show, given each group's number of respondents.

    Parameters
    ----------
    counts : mapping of group → respondents
        Every group of the breakdown, including :data:`NOT_ANSWERED` when some respondents skipped
        the question (that group is never shown, but it takes part in the subtraction).
    min_group_size : int
        The campaign's *k*; at least 3.

    Examples
    --------
    >>> s = suppress({"Sales": 40, "IT": 12, "Legal": 4}, 5)
    >>> s.visible, s.too_small, s.complementary
    (('Sales',), ('Legal',), ('IT',))
    >>> suppress({"Sales": 40, "IT": 12, "Legal": 4, "HR": 3}, 5).visible
    ('Sales', 'IT')
    """
    if min_group_size < 3:
        raise ValueError(f"min_group_size must be at least 3, not {min_group_size}")
    too_small = [g for g, n in counts.items() if 0 < n < min_group_size and g != NOT_ANSWERED]
    visible = sorted(
        (g for g, n in counts.items() if n >= min_group_size and g != NOT_ANSWERED),
        key=lambda g: (counts[g], g),
    )
    # What subtraction reveals is the hidden groups taken together (with the non-answerers):
    # keep hiding the smallest visible group until that combination is itself large enough.
    hidden_total = sum(counts[g] for g in too_small) + counts.get(NOT_ANSWERED, 0)
    complementary = []
    while 0 < hidden_total < min_group_size and visible:
        group = visible.pop(0)
        complementary.append(group)
        hidden_total += counts[group]
    order = list(counts)
    return Suppression(
        visible=tuple(sorted(visible, key=order.index)),
        too_small=tuple(sorted(too_small, key=order.index)),
        complementary=tuple(complementary),
    )
