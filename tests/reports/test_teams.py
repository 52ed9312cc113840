"""The organisation's tree: paths read and merged so that no stored team names fewer than k, and
every node published as its subtree only where the audit allows — checked by the brute-force
attacker of the disclosure tests against parent − children, subtree − the units shown under it,
and a team against a segment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.groups import audit, breakdown, group_specs, segment_answers
from scoring.teams import (
    TeamError,
    merge_small_teams,
    nodes_of,
    parse_path,
    paths_from_managers,
    subtree,
    tree_options,
)

from ..scoring.test_disclosure import attack

KEYS = ["guidelines", "leadership"]


def tree_question(options):
    return {"key": "team", "kind": "tree", "options": list(options)}


def audited_tree(teams, k, departments=None, scored=None):
    """The report's audit of a round whose people are in ``teams`` (paths as text, None: not
    known), and the attacker's findings against what it lets through."""
    questions = [tree_question(sorted({t for t in teams if t}))]
    segments = [{"team": t} if t else {} for t in teams]
    if departments is not None:
        questions.append({"key": "department", "options": sorted(set(departments))})
        for segment, department in zip(segments, departments, strict=True):
            segment["department"] = department
    n = len(teams)
    scored = np.ones((n, len(KEYS)), dtype=bool) if scored is None else scored
    scores = np.where(scored, 50.0, np.nan)
    answers = segment_answers(questions, segments)
    result = audit(questions, answers, scores, KEYS, k)
    columns = {q["key"]: [s.get(q["key"]) for s in segments] for q in questions}
    found = attack(columns, scored, KEYS, group_specs(questions), k, result)
    return questions, answers, scores, result, found


def test_paths_are_read_level_by_level_and_bad_ones_refused():
    assert parse_path("Care/Ward 3/ Nights") == ("Care", "Ward 3", "Nights")
    with pytest.raises(TeamError, match="empty level"):
        parse_path("Care//Nights")
    with pytest.raises(TeamError, match="levels deep"):
        parse_path("/".join("abcdefghijklmn"))


def test_a_manager_column_makes_the_tree_and_a_circle_is_refused():
    paths = paths_from_managers(
        {"ceo@x.nl": "", "ann@x.nl": "ceo@x.nl", "bo@x.nl": "ann@x.nl", "cy@x.nl": "out@x.nl"}
    )
    assert paths["bo@x.nl"] == ("ceo@x.nl", "ann@x.nl")
    assert paths["cy@x.nl"] == ("out@x.nl",)  # a manager not on the list heads a unit at the top
    with pytest.raises(TeamError, match="circle"):
        paths_from_managers({"a@x.nl": "b@x.nl", "b@x.nl": "c@x.nl", "c@x.nl": "a@x.nl"})


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.lists(st.sampled_from("ABC"), min_size=1, max_size=4).map(tuple),
        st.integers(0, 9),
        max_size=12,
    ),
    st.integers(3, 6),
)
def test_every_recorded_team_holds_k_invited_and_sits_above_its_people(invited, k):
    home = merge_small_teams(invited, k)
    recorded: dict = {}
    for path, where in home.items():
        assert where is None or path[: len(where)] == where  # the team itself or a parent
        if where is not None:
            recorded[where] = recorded.get(where, 0) + invited[path]
    assert all(n >= k for n in recorded.values())
    # nothing merged that did not need to be: a team of k keeps its own path
    assert all(home[path] == path for path, n in invited.items() if n >= k)


def test_parent_minus_its_children_does_not_give_away_the_parents_own_people():
    # Care holds 3 people of its own beside two wards of 6: Care − Ward 3 − Ward 4 = the three
    teams = ["Care"] * 3 + ["Care/Ward 3"] * 6 + ["Care/Ward 4"] * 6 + ["Shop"] * 8
    questions, answers, scores, result, found = audited_tree(teams, 5)
    assert found == []
    shown = result.groups.shown
    assert not {"team=Care", "team=Care/Ward 3", "team=Care/Ward 4"} <= shown
    # the smaller groups go first: the parent stays, one ward is hidden
    assert "team=Care" in shown and "team=Shop" in shown
    rows = breakdown(questions[0], answers["team"], scores, KEYS, result)
    assert rows.tree and [g.group for g in rows.groups][0] == "Care"
    assert rows.hidden_groups == 1
    ward = next(g for g in rows.groups if g.group.startswith("Care/"))
    assert ward.depth == 1 and ward.parent == "Care" and ward.label == ward.group


def test_a_team_against_a_department_does_not_give_away_its_crossing():
    # Ward 3's two IT people: Ward 3 − (Ward 3 ∩ Sales) is not published, but the tree and the
    # departments together could give it
    teams = ["Care/Ward 3"] * 8 + ["Care/Ward 4"] * 8 + ["Shop"] * 8
    departments = ["Sales"] * 6 + ["IT"] * 2 + ["Sales"] * 8 + ["IT"] * 8
    *_rest, found = audited_tree(teams, 5, departments)
    assert found == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from(["A", "A/B", "A/B/C", "A/D", "E", "E/F"])),
        min_size=4,
        max_size=13,
    ),
    st.lists(st.sampled_from(["x", "y"]), min_size=13, max_size=13),
)
def test_random_trees_leak_nothing_to_the_brute_force_attacker(teams, departments):
    if not any(teams):
        teams[0] = "A"
    *_rest, found = audited_tree(teams, 3, departments[: len(teams)])
    assert found == []


def test_the_tree_options_and_nodes():
    options = tree_options([("Care", "Ward 3"), ("Care",), ("Shop",), ("Care", "Ward 3")])
    assert options == ["Care", "Care/Ward 3", "Shop"]
    assert nodes_of(["Care/Ward 3/Nights", "Shop"]) == [
        "Care", "Care/Ward 3", "Care/Ward 3/Nights", "Shop"
    ]  # fmt: skip
    assert subtree("Care", options) == {"Care", "Care/Ward 3"}


def test_a_manager_chain_is_walked_without_recursion_and_bad_addresses_refused():
    deep = {f"m{i}@x.nl": f"m{i + 1}@x.nl" for i in range(1200)}
    with pytest.raises(TeamError, match="managers deep"):
        paths_from_managers(deep)
    with pytest.raises(TeamError, match="cannot name a team"):
        paths_from_managers({"a/b@x.nl": "", "c@x.nl": "a/b@x.nl"})
    with pytest.raises(TeamError, match="longer than"):
        paths_from_managers({"c@x.nl": "b" * 101 + "@x.nl"})
    with pytest.raises(TeamError, match="circle: b@x.nl → a@x.nl → b@x.nl"):
        paths_from_managers({"a@x.nl": "b@x.nl", "b@x.nl": "a@x.nl"})


def test_a_last_level_names_no_team_but_a_managers_address_does():
    from reports.teams import find_node

    # Ward 3 named by its last level would find Shop's Ward 3 once Care's has merged away
    assert find_node(["Care", "Shop/Ward 3"], "Ward 3") is None
    assert find_node(["Care", "Care/Ward 3"], "Care/Ward 3") == "Care/Ward 3"
    assert find_node(["ceo@x.nl", "ceo@x.nl/ann@x.nl"], "ann@x.nl") == "ceo@x.nl/ann@x.nl"
