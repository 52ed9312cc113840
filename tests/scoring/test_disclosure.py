"""The disclosure-control audit, checked by an independent brute-force attacker.

The attacker below knows every respondent's segment answers and which principles they have a score
on, takes every published group as a set of respondents and tries *every* set of 1 … k−1
respondents: if that set's indicator is a linear combination of the published sets, the published
counts and sums give its members' mean. It shares no code with the audit (no cells, no merging,
no integer program): a projection onto the published sets' span, per subset.
"""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.disclosure import (
    NOT_ANSWERED,
    GroupSpec,
    audit_round,
    enough,
    merge_small_bins,
    pool_version_due,
)


def members(answers, n, group: GroupSpec) -> np.ndarray:
    if group.question is None:
        return np.ones(n, dtype=bool)
    column = [NOT_ANSWERED if a is None else a for a in answers[group.question]]
    return np.array([a in group.options for a in column])


def isolated_sets(published: list[np.ndarray], domain: np.ndarray, k: int) -> list[tuple]:
    """Every set of 1 … k−1 respondents of ``domain`` whose indicator the published sets span."""
    people = np.flatnonzero(domain)
    if not published or people.size == 0:
        return []
    spans = np.array([p[people] for p in published], dtype=float)
    projection = np.linalg.pinv(spans) @ spans  # onto the row space, in respondent coordinates
    found = []
    for size in range(1, k):
        for subset in combinations(range(people.size), size):
            x = np.zeros(people.size)
            x[list(subset)] = 1
            if np.allclose(x @ projection, x, atol=1e-8):
                found.append(tuple(people[list(subset)]))
    return found


def contrasts(published: list[np.ndarray], domain: np.ndarray, k: int) -> list[tuple]:
    """Every +1/−1 combination of 1 … k−1 respondents of ``domain`` (some added, some taken
    away) that the published sets span: for sums, how the sums of two small sets differ."""
    people = np.flatnonzero(domain)
    if not published or people.size == 0:
        return []
    spans = np.array([p[people] for p in published], dtype=float)
    projection = np.linalg.pinv(spans) @ spans
    found = []
    for size in range(2, k):  # one person alone is an indicator set, tried already
        for subset in combinations(range(people.size), size):
            for signs in product((1, -1), repeat=size - 1):
                x = np.zeros(people.size)
                x[list(subset)] = (1, *signs)
                if -1 in signs and np.allclose(x @ projection, x, atol=1e-8):
                    found.append(tuple(people[list(subset)]))
    return found


def attack(answers, scored, principles, groups, k, disclosure) -> list[tuple]:
    """Everything the brute-force attacker isolates from what the audit lets through: small sets
    from the counts, from each principle's sums (and differences of small sets' sums), and from
    the people without a score (a group's n minus its principle n)."""
    n = scored.shape[0]
    shown = [g for g in groups if disclosure.shown(g.key)]
    found = isolated_sets([members(answers, n, g) for g in shown], np.ones(n, bool), k)
    for d, principle in enumerate(principles):
        showing = [members(answers, n, g) for g in shown if disclosure.shown(g.key, principle)]
        sets = [group & scored[:, d] for group in showing]
        found += isolated_sets(sets, scored[:, d], k)
        found += contrasts(sets, scored[:, d], k)
        found += isolated_sets([group & ~scored[:, d] for group in showing], ~scored[:, d], k)
    return found


def option_groups(answers) -> list[GroupSpec]:
    groups = [GroupSpec.total()]
    for question, column in answers.items():
        for option in sorted({a for a in column if a is not None}):
            groups.append(GroupSpec.option(question, option))
    return groups


def test_leaders_minus_employees_does_not_reveal_who_skipped_the_role_question():
    # Attack 1: 20 employees, 8 leaders, 2 people skip the role question.
    role = ["Employee"] * 20 + ["Manager"] * 5 + ["Director"] * 3 + [None] * 2
    answers = {"role_level": role}
    groups = [
        GroupSpec.total(),
        GroupSpec("employees", "role_level", frozenset({"Employee"})),
        GroupSpec("leaders", "role_level", frozenset({"Manager", "Director"})),
    ]
    scored = np.ones((30, 1), dtype=bool)
    result = audit_round(answers, scored, ["leadership"], groups, 5)
    assert not (result.shown("employees", "leadership") and result.shown("leaders", "leadership"))
    assert attack(answers, scored, ["leadership"], groups, 5, result) == []


def test_two_breakdowns_together_do_not_reveal_a_small_department():
    # Attack 2: Employees (24) − Sales (12) − IT (10) = the 2 Legal people.
    department = ["Sales"] * 12 + ["IT"] * 10 + ["HR"] * 6 + ["Legal"] * 2
    role = ["Employee"] * 22 + ["Manager"] * 4 + ["Director"] * 2 + ["Employee"] * 2
    answers = {"department": department, "role_level": role}
    groups = option_groups(answers)
    scored = np.ones((30, 5), dtype=bool)
    principles = ["g", "e", "p", "l", "d"]
    result = audit_round(answers, scored, principles, groups, 5)
    assert "department=Legal" in result.groups.too_small
    assert result.groups.complementary  # one more group had to go
    assert attack(answers, scored, principles, groups, 5, result) == []


def test_a_principle_skipped_by_almost_everyone_is_not_shown():
    # Attack 3: six answer, five say "don't know" on every dialogue statement.
    answers = {"department": ["Sales"] * 6}
    scored = np.ones((6, 2), dtype=bool)
    scored[1:, 1] = False
    result = audit_round(answers, scored, ["guidelines", "dialogue"], option_groups(answers), 5)
    assert result.shown("total", "guidelines")
    assert not result.shown("total", "dialogue")
    assert "total" in result.scores["dialogue"].too_small


def test_one_skipper_per_principle_does_not_let_the_principle_out_by_difference():
    # Sales (6) and IT (5) shown; one IT person has no dialogue score: IT's dialogue n is 4.
    answers = {"department": ["Sales"] * 6 + ["IT"] * 5}
    scored = np.ones((11, 1), dtype=bool)
    scored[10, 0] = False
    result = audit_round(answers, scored, ["dialogue"], option_groups(answers), 5)
    assert not result.shown("department=IT", "dialogue")
    # total (10 scored) − Sales (6) would be the 4 scored IT people: Sales must go too
    assert not result.shown("department=Sales", "dialogue")
    # and the total's n (11) minus its dialogue n (10) is the one person without a score: the
    # audit hides it as well (a release first counts that person's "don't know" as the middle
    # answer, so that the people without a score are 0 or at least k)
    assert not result.shown("total", "dialogue")
    assert result.groups.shown == {"total", "department=Sales", "department=IT"}


def test_people_without_a_score_are_audited_like_those_with_one():
    # Sales 6 (one without a dialogue score), IT 6 (five without one), all scored on guidelines
    answers = {"department": ["Sales"] * 6 + ["IT"] * 6}
    scored = np.ones((12, 2), dtype=bool)
    scored[[0, 6, 7, 8, 9, 10], 1] = False
    result = audit_round(answers, scored, ["guidelines", "dialogue"], option_groups(answers), 3)
    # Sales' n − its dialogue n would say that one Sales person has no dialogue score
    assert not result.shown("department=Sales", "dialogue")
    # the total's six without a score, less IT's five, is that person again: IT goes too
    assert not result.shown("department=IT", "dialogue")
    assert result.shown("total", "dialogue")
    assert result.shown("department=Sales", "guidelines")
    assert result.shown("department=IT", "guidelines")


def test_the_difference_of_two_lone_people_is_not_published():
    """Sales − employees = the lone Sales manager − the lone IT employee: with the scale's bounds
    a difference of 50 points pinned both their answers (ten people, every group of five)."""
    cells = [("Sales", "Employee")] * 4 + [("Sales", "Manager"), ("IT", "Employee")]
    cells += [("IT", "Manager")] * 4
    answers = {"department": [c[0] for c in cells], "role": [c[1] for c in cells]}
    scored = np.ones((10, 1), dtype=bool)
    groups = option_groups(answers)
    result = audit_round(answers, scored, ["guidelines"], groups, 5)
    assert all(result.shown(g.key) for g in groups)  # every group of five is counted
    showing = [g.key for g in groups if result.shown(g.key, "guidelines")]
    assert "total" in showing and len(showing) < len(groups)  # but not every score
    assert attack(answers, scored, ["guidelines"], groups, 5, result) == []


def test_a_round_below_k_shows_nothing():
    answers = {"department": ["Sales"] * 4}
    result = audit_round(answers, np.ones((4, 1), bool), ["g"], option_groups(answers), 5)
    assert result.groups.shown == frozenset()


def test_minimum_group_size_below_three_is_refused():
    with pytest.raises(ValueError, match="at least 3"):
        audit_round({}, np.ones((4, 1), bool), ["g"], [GroupSpec.total()], 2)
    with pytest.raises(ValueError, match="at least 3"):
        enough(10, 1)


@st.composite
def rounds(draw):
    k = draw(st.sampled_from([3, 4]))
    n = draw(st.integers(k, 13))
    questions = draw(st.integers(1, 3))
    answers = {}
    for q in range(questions):
        options = [f"o{i}" for i in range(draw(st.integers(2, 3)))] + [None]
        answers[f"q{q}"] = draw(st.lists(st.sampled_from(options), min_size=n, max_size=n))
    scored = np.array(
        draw(st.lists(st.lists(st.booleans(), min_size=2, max_size=2), min_size=n, max_size=n))
    )
    groups = option_groups(answers)
    if draw(st.booleans()):  # a union of options, as leaders are
        groups.append(GroupSpec("union", "q0", frozenset({"o0", "o1"})))
    return answers, scored, groups, k


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_brute_force_attacker_never_isolates_fewer_than_k(case):
    answers, scored, groups, k = case
    principles = ["a", "b"]
    result = audit_round(answers, scored, principles, groups, k)
    assert attack(answers, scored, principles, groups, k, result) == []
    for group in groups:  # and nothing smaller than k is ever shown
        size = members(answers, scored.shape[0], group).sum()
        if result.shown(group.key):
            assert size >= k


@given(st.lists(st.integers(0, 40), min_size=2, max_size=12), st.integers(3, 8))
def test_merged_histograms_have_no_small_bin_and_keep_their_total(counts, k):
    shown = merge_small_bins(counts, k)
    assert len(shown) == len(counts)
    assert not any(0 < c < k for c in shown)
    assert sum(shown) == (sum(counts) if sum(counts) >= k else 0)


def test_the_benchmark_bins_of_five_people_reveal_nobody():
    # Attack 6: [1,0,1,0,0,1,0,1,0,1] placed each of five people within 10 points.
    assert merge_small_bins([1, 0, 1, 0, 0, 1, 0, 1, 0, 1], 5).count(0) == 9


def test_the_pool_moves_only_by_three_organisations_at_once():
    published = {("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 1)}
    assert not pool_version_due(published, published | {("f", 1)})  # one joins: its mean would show
    assert not pool_version_due(published, (published - {("a", 1)}) | {("a", 2)})  # a new round
    assert pool_version_due(published, published | {("f", 1), ("g", 1), ("h", 1)})


def test_a_small_central_bin_of_an_even_histogram_settles():
    # two central bins would hand a small count back and forth for ever
    assert merge_small_bins([0, 2, 0, 10], 6) == [0, 0, 0, 12]
    assert merge_small_bins([0, 3, 3, 0], 5) == [0, 0, 6, 0]


def test_generalised_attributes_are_shared_by_k_or_by_everyone():
    from scoring.disclosure import generalise_attributes

    rows = [{"department": "Sales"}] * 6 + [{"department": "Legal"}] * 2
    assert generalise_attributes(rows, ["department"], 5) == [{}] * 8  # Legal alone would be two
    assert generalise_attributes(rows[:3], ["department"], 5) == [{}] * 3  # a list below k
    with pytest.raises(ValueError, match="2 people would be recorded with no attribute"):
        generalise_attributes(rows + [{}, {}], ["department"], 5, fixed=8)
