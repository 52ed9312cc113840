"""Whether the people of a small group answered never changes which groups a report shows.

The audit decides on the round's core (:func:`reports.groups._core`): the largest set of
respondents in which every option is chosen by nobody or by at least k. Random rounds with two
or three segment questions are audited twice — without and with 1 … k−1 people in an option
nobody else chose — and must show the same groups; when everybody has every score, the same
principle scores too.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.groups import _core, audit, segment_answers

ROLES = ["Employee", "Manager", "Director"]


def a_round(seed: int, missing: float):
    rng = np.random.default_rng(seed)
    k = int(rng.choice([3, 4, 5]))
    departments = [f"D{i}" for i in range(int(rng.integers(3, 6)))]
    questions = [
        {"key": "department", "options": departments},
        {"key": "role_level", "options": ROLES},
    ]
    if rng.random() < 0.3:
        questions.append({"key": "site", "options": ["North", "South"]})
    n = int(rng.integers(8, 40))
    share = rng.dirichlet(np.ones(len(departments)) * 0.8)
    people = [
        {
            "department": str(rng.choice(departments, p=share)),
            "role_level": str(rng.choice(ROLES, p=[0.7, 0.2, 0.1])),
            "site": str(rng.choice(["North", "South"])),
        }
        for _ in range(n)
    ]
    empty = [d for d in departments if all(p["department"] != d for p in people)]
    if not empty:
        empty = [departments[-1]]
        people = [p for p in people if p["department"] != empty[0]]
    small = [
        {"department": empty[0], "role_level": str(rng.choice(ROLES)), "site": "North"}
        for _ in range(int(rng.integers(1, k)))
    ]
    scores = rng.uniform(0, 100, size=(len(people) + len(small), 2))
    scores[rng.random(scores.shape) < missing] = np.nan
    return k, questions, people, small, scores


def shown(questions, people, scores, k):
    audited = audit(questions, segment_answers(questions, people), scores, ["a", "b"], k)
    return audited.groups.shown, [audited.scores[p].shown for p in ("a", "b")]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.1]))
def test_a_small_group_answering_changes_no_group_shown(seed, missing):
    k, questions, people, small, scores = a_round(seed, missing)
    without = shown(questions, people, scores[: len(people)], k)
    with_them = shown(questions, people + small, scores, k)
    # the round itself is shown from k people on (its n is published anyway): only when the
    # others are fewer than k does the small group's answering decide it
    assert without[0] - {"total"} == with_them[0] - {"total"}
    if len(people) >= k:
        assert without[0] == with_them[0] and "total" in with_them[0]
    if missing == 0.0 and len(people) >= k:  # nor, when everybody has every score, a score
        assert without[1] == with_them[1]


def test_the_core_leaves_out_small_groups_until_none_is_left():
    questions = [
        {"key": "department", "options": ["Sales", "Legal"]},
        {"key": "role_level", "options": ["Employee", "Manager"]},
    ]
    # Legal's two are out (2 < 3); then the managers are one, and out too
    people = [("Sales", "Employee")] * 5 + [("Sales", "Manager")] + [("Legal", "Manager")] * 2
    segments = [{"department": d, "role_level": r} for d, r in people]
    core = _core(questions, segment_answers(questions, segments), 3, len(segments))
    assert core.tolist() == [True] * 5 + [False] * 3


def test_a_round_of_small_groups_still_shows_itself():
    """Five departments of four with k = 5: the core is empty, but the round (its total and
    principle scores, on everyone) is shown; no department is."""
    questions = [{"key": "department", "options": [f"D{i}" for i in range(5)]}]
    segments = [{"department": f"D{i // 4}"} for i in range(20)]
    scores = np.random.default_rng(3).uniform(0, 100, size=(20, 2))
    audited = audit(questions, segment_answers(questions, segments), scores, ["a", "b"], 5)
    assert audited.groups.shown == {"total"}
    assert all(audited.shown("total", p) for p in ("a", "b"))

