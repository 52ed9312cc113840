"""An attacker who sees everything a release publishes and knows every round it could come from.

For every round of three to five people on a principle of two three-point statements (each
answered, or "don't know"), the attacker groups the rounds by what their releases publish — the
JSON (n's, score, SD, interval, level, favourable / neutral / unfavourable and "don't know"
shares) and every statement's counts — and so knows, for a release, exactly which rounds it
could have come from. It has pinned down an answer when every such round has the same number
of people giving that answer to a statement, and that number is 1 … k−1: the release would then
tell that some fewer than k people gave it, which its merged bins do not show. It never can.
The attacker shares no code with the release: it counts answers in the rounds themselves.
"""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import combinations_with_replacement, product

import numpy as np
import pytest

from reports.model import RoundData, Thresholds, build_report

K = 3
ANSWERS = (-1, 0, 1, 2)  # "don't know", then the scale's three points (as stored)
ROWS = list(product(ANSWERS, repeat=2))


def publication(instrument, people) -> str:
    offsets = np.array(people, dtype=np.int8)
    current = RoundData("Round", offsets, [{}] * len(people), [], K, True)
    release = build_report(
        instrument, current, organisation="Org", lang="en", thresholds=Thresholds(10, 5, 0.05)
    )
    counts = [item.counts for d in release.dimensions for item in d.items]
    return json.dumps(_rounded([release.to_dict(), counts]), sort_keys=True)


def _rounded(value):
    """Figures to ten significant digits: the same figures of the same people, summed in another
    order, may differ in their last bit (which says nothing about anyone's answers)."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


@pytest.mark.parametrize("n", [3, 4, 5])
def test_no_release_pins_down_an_answer_of_fewer_than_k_people(shaped_instrument, n):
    instrument = shaped_instrument(dimensions=1, items=2, scale=(1, 3), outcomes=0)
    rounds_of = defaultdict(list)
    for people in combinations_with_replacement(ROWS, n):
        rounds_of[publication(instrument, people)].append(people)
    assert len(rounds_of) > 1  # the releases do tell rounds apart
    pinned = []
    for rounds in rounds_of.values():
        for statement, answer in product(range(2), ANSWERS):
            given = {sum(row[statement] == answer for row in people) for people in rounds}
            if len(given) == 1 and 0 < (count := given.pop()) < K:
                pinned.append((statement, answer, count, rounds[0]))
    assert pinned == []


def test_the_attacker_would_see_an_unmerged_release(shaped_instrument):
    """The same attacker against the figures of the answers as given (no bin merged): one
    "strongly disagree" among three people is pinned down at once — the attack is real."""
    from scoring.scores import points_from_offsets, score_answers

    instrument = shaped_instrument(dimensions=1, items=2, scale=(1, 3), outcomes=0)

    def raw(people) -> str:
        points = points_from_offsets(np.array(people, np.int8), instrument)
        result = score_answers(points, instrument)
        dim = result.dimensions[0]
        return json.dumps([dim.statistic, dim.sd, dim.favourable, dim.distribution.tolist()])

    rounds_of = defaultdict(list)
    for people in combinations_with_replacement(ROWS, 3):
        rounds_of[raw(people)].append(people)
    odd = ((0, 2), (2, 2), (2, 2))
    rounds = rounds_of[raw(odd)]
    assert {sum(row[0] == 0 for row in people) for people in rounds} == {1}
