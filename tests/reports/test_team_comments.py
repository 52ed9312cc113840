"""Comments per team: the nodes whose subtree's comments the release publishes, checked against
attackers who hold every published comment list — HR's and every manager's, two managers
colluding — and take unions, intersections and differences of them (the Boolean attacker), or
any linear combination of the sets of people behind them (the disclosure tests' own attacker)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.groups import breakdown
from reports.model import RoundData, Thresholds, build_report
from reports.team_comments import comment_nodes, team_comments
from scoring.disclosure import audit_sets
from scoring.instrument import load_instrument
from scoring.teams import SEPARATOR

from ..scoring.test_disclosure import isolated_sets
from .test_teams import KEYS, audited_tree

PATHS = ["A", "A/B", "A/B/C", "A/D", "E", "E/F"]


def published_lists(teams, comment_k, k=3):
    """The round's audited tree, and every comment list published: HR's (all of them, as the
    report shows them from ``comment_k`` respondents) and each node's. Respondent i writes
    comment ``c{i}``, so a list names its writers."""
    questions, answers, scores, audited, _found = audited_tree(teams, k)
    tree = breakdown(questions[0], answers["team"], scores, KEYS, audited)
    comments = [f"c{i}" for i in range(len(teams))]
    published = team_comments(tree, len(teams), comments, teams, comment_k)
    lists = {"HR": set(comments)} if len(teams) >= comment_k else {}
    lists |= {c.node: set(c.comments) for c in published}
    return tree, published, lists


def in_subtree(team, node):
    return team is not None and (team == node or team.startswith(node + SEPARATOR))


def writers(teams, node):
    return np.array([node == "HR" or in_subtree(t, node) for t in teams])


def boolean_attack(teams, lists, comment_k):
    """Every set of people the published lists single out by unions, intersections and
    differences — all of them are unions of the regions of the lists' Venn diagram — that holds
    1 … k−1 people."""
    names = sorted(lists)
    regions = Counter(tuple(bool(writers(teams, n)[i]) for n in names) for i in range(len(teams)))
    return [r for r, size in regions.items() if any(r) and size < comment_k]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from([*PATHS, None]), min_size=4, max_size=22),
    st.integers(3, 5),
)
def test_random_trees_publish_no_comment_set_of_fewer_than_k(teams, comment_k):
    _tree, published, lists = published_lists(teams, comment_k)
    assert boolean_attack(teams, lists, comment_k) == []
    # the disclosure tests' attacker: no linear combination of the lists' people either
    sets = [writers(teams, name) for name in sorted(lists)]
    assert isolated_sets(sets, np.ones(len(teams), bool), comment_k) == []
    # and the exact audit agrees: every list's people may be published beside the others
    if sets:
        assert len(audit_sets(np.column_stack(sets), 0, comment_k)) == len(sets)
    for c in published:  # each list is exactly the comments of the node's people
        assert set(c.comments) == {f"c{i}" for i, t in enumerate(teams) if in_subtree(t, c.node)}


def test_parent_minus_child_would_give_away_the_siblings_so_only_the_larger_unit_shows():
    # A/B has 6 people, A 6 + 2 of its own: A − A/B would be the comments of those 2
    teams = ["A/B"] * 6 + ["A"] * 2 + ["E"] * 6
    _tree, published, lists = published_lists(teams, comment_k=5)
    assert [c.node for c in published] == ["A", "E"]  # the larger unit is kept, not A/B
    assert boolean_attack(teams, lists, 5) == []
    # with a third unit under A big enough, both A and A/B show: every difference is ≥ k
    teams = ["A/B"] * 6 + ["A/D"] * 5 + ["E"] * 6
    _tree, published, lists = published_lists(teams, comment_k=5)
    assert {c.node for c in published} == {"A", "A/B", "A/D", "E"}
    assert boolean_attack(teams, lists, 5) == []


def test_two_managers_together_learn_no_small_set():
    """The managers of A and of A/B colluding, with HR's list beside them: A − A/B and
    everything − A are each at least k, or A/B's list is not published."""
    for extra in range(0, 7):
        teams = ["A/B"] * 6 + ["A"] * extra + ["E"] * 5
        _tree, published, lists = published_lists(teams, comment_k=5)
        pair = {name: lists[name] for name in ("A", "A/B") if name in lists}
        if len(pair) == 2:
            left = pair["A"] - pair["A/B"]
            assert len(left) == 0 or len(left) >= 5, extra
        assert boolean_attack(teams, lists, 5) == []


def test_the_decision_reads_only_published_numbers():
    """Which nodes publish comments is a function of the nodes' published n and the round's n:
    the same numbers give the same decision however the people are spread below."""
    sizes = {"A": 14, "A/B": 7, "A/B/C": 5, "E": 6}
    assert comment_nodes(sizes, 20, 5) == comment_nodes(dict(reversed(sizes.items())), 20, 5)
    shown = comment_nodes(sizes, 20, 5)
    assert "A/B/C" not in shown or sizes["A/B"] - sizes["A/B/C"] >= 5
    assert comment_nodes(sizes, 4, 5) == frozenset()  # HR's report shows none: no team does


def test_a_release_keeps_hrs_order_for_every_team_and_nothing_for_hidden_teams():
    instrument = load_instrument()
    rng = np.random.default_rng(3)
    teams = ["Care/Ward 3"] * 12 + ["Care"] * 10 + ["Shop"] * 4
    offsets = rng.integers(0, 5, size=(len(teams), len(instrument.item_keys))).astype(np.int8)
    question = {"key": "team", "kind": "tree", "options": ["Care", "Care/Ward 3", "Shop"]}
    comments = [f"said by {i}" for i in range(len(teams))]
    current = RoundData(
        "Spring", offsets, [{"team": t} for t in teams], [question], 3, True, comments,
        comment_teams=list(teams),
    )  # fmt: skip
    release = build_report(
        instrument, current, organisation="Acme", lang="en", thresholds=Thresholds(10, 5, 0.05)
    )
    shown = {c.node: c.comments for c in release.team_comments}
    # Care with Ward 3 is 22, the rest (Shop) 4: Care would give Shop's comments away
    assert set(shown) == {"Care/Ward 3"}
    ward = shown["Care/Ward 3"]
    assert sorted(ward) == sorted(comments[:12])
    assert list(ward) == [c for c in release.comments if c in set(ward)]
    assert "team_comments" not in release.to_dict()  # the JSON carries no comments at all
