"""A team's change since an earlier round: read from the two releases' audited rows of the node
only, judged as the round's change is, and never shown where either round hid the team."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from reports.model import RoundData, Thresholds, build_report
from reports.teams import team_change, tree_of
from scoring.instrument import load_instrument

QUESTION = {"key": "team", "kind": "tree", "options": ["Care", "Care/Ward 3", "Shop"]}


def release(name, teams, seed, shift=0):
    instrument = load_instrument()
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, 5, size=(len(teams), len(instrument.item_keys)))
    offsets = np.clip(offsets + shift, 0, 4).astype(np.int8)
    current = RoundData(name, offsets, [{"team": t} for t in teams], [QUESTION], 5, True)
    return build_report(
        instrument, current, organisation="Acme", lang="en", thresholds=Thresholds(10, 5, 0.05)
    )


@pytest.fixture(scope="module")
def rounds():
    teams = ["Care/Ward 3"] * 30 + ["Care"] * 20 + ["Shop"] * 25
    return release("Autumn", teams, 1), release("Spring", teams, 2, shift=1)


def test_the_change_is_the_two_releases_audited_figures_judged_as_the_rounds_change(rounds):
    before, now = rounds
    instrument = load_instrument()
    actions = {"leadership": [{"title": "Talk monthly", "owner": "", "status": "done",
                               "due_on": None, "team": "Care/Ward 3"}]}  # fmt: skip
    change = team_change(now, before, "Care/Ward 3", instrument, actions, 0.05)
    assert change.previous == "Autumn"
    row_before = {g.group: g for g in tree_of(before).groups}["Care/Ward 3"]
    row_now = {g.group: g for g in tree_of(now).groups}["Care/Ward 3"]
    pvalues = []
    for t in change.dimensions:
        a, b = row_before.score_of(t.key), row_now.score_of(t.key)
        assert (t.before, t.now, t.why) == (a.score, b.score, None)
        assert t.difference == pytest.approx(b.score - a.score)
        # the outside reference: scipy's Welch test from the published n, mean and SD
        reference = stats.ttest_ind_from_stats(b.score, b.sd, b.n, a.score, a.sd, a.n,
                                               equal_var=False)  # fmt: skip
        pvalues.append(reference.pvalue)
        assert t.difference_ci95[0] < t.difference < t.difference_ci95[1]
    corrected = stats.false_discovery_control(pvalues, method="bh")
    assert [t.pvalue_bh for t in change.dimensions] == pytest.approx(list(corrected))
    assert all(t.verdict for t in change.dimensions)
    planned = {t.key: [a.title for a in t.actions] for t in change.dimensions}
    assert planned["leadership"] == ["Talk monthly"]
    assert sum(len(v) for v in planned.values()) == 1


def test_no_change_where_either_round_hid_the_team(rounds):
    before, now = rounds
    instrument = load_instrument()
    # the earlier round had too few people in Shop to show it
    small = release("Autumn", ["Care/Ward 3"] * 30 + ["Care"] * 20 + ["Shop"] * 3, 1)
    assert "Shop" not in {g.group for g in tree_of(small).groups}
    change = team_change(now, small, "Shop", instrument, {}, 0.05)
    assert {t.why for t in change.dimensions} == {"before"}
    assert all(t.difference is None and t.verdict is None for t in change.dimensions)
    # and the other way round: shown then, hidden now
    change = team_change(small, before, "Shop", instrument, {}, 0.05)
    assert {t.why for t in change.dimensions} == {"now"}
    assert all(t.difference is None and t.now is None for t in change.dimensions)
