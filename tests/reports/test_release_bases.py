"""Every figure of a release names the respondents it rests on (:class:`reports.release.Basis`),
and every set it names passes the audit: the test evaluates each named set on the round itself,
with code of its own, and checks its published n, that it holds nobody or at least k people, and
that no two nested sets whose sizes it publishes differ by 1 … k−1 people. (The overall score's
interval rests on the people with every score without publishing their number.)
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import release as release_module
from reports.exports import report_csv
from reports.model import RoundData, Thresholds, build_report
from reports.release import Basis
from reports.render import render_body
from scoring.scores import release_points

THRESHOLDS = Thresholds(10, 5, 0.05)
QUESTIONS = [
    {"key": "department", "options": ["Sales", "IT", "Legal"]},
    {"key": "role_level", "options": ["Employee", "Manager"]},
]


def figures_with_bases(value, found=None):
    """(basis, the n the release publishes for it or None) for every basis in a release."""
    found = [] if found is None else found
    if dataclasses.is_dataclass(value):
        named = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        for name, item in named.items():
            if isinstance(item, Basis):
                found.append((item, _published_n(value, name)))
            elif name == "rests_on" and isinstance(item, tuple):  # leaders and employees
                found += [(b, getattr(value, f"n_{b.group}")) for b in item]
            else:
                figures_with_bases(item, found)
    elif isinstance(value, tuple):
        for item in value:
            figures_with_bases(item, found)
    return found


def _published_n(value, name):
    if name == "reliability_rests_on":
        return value.alpha_n
    return getattr(value, "n", None)


def members(basis: Basis, instrument, points, segments) -> np.ndarray:
    """The respondents of a basis, counted from the round itself."""
    n = points.shape[0]
    if basis.group == "total":
        people = np.ones(n, dtype=bool)
    elif basis.group in ("employees", "leaders"):
        roles = np.array([s.get("role_level") for s in segments], dtype=object)
        people = roles == "Employee" if basis.group == "employees" else roles == "Manager"
    else:
        question, option = basis.group.split("=")
        people = np.array([s.get(question) == option for s in segments])
    for key in basis.scored:
        columns = (
            instrument.outcome_columns if key == "outcome" else instrument.dimension_columns[key]
        )
        block = points[:, columns]
        answered = (block >= 0).sum(axis=1)
        # a score needs half the statements answered (scoring's rule, restated here)
        people &= answered * 2 >= block.shape[1]
        if basis.complete:
            people &= answered == block.shape[1]
    return people


def a_round(instrument, seed: int, n: int, dont_know: float):
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, 5, size=(n, len(instrument.item_keys))).astype(np.int8)
    # some people say "don't know" to whole principles: the sets of people without a score
    for columns in instrument.dimension_columns.values():
        lacking = rng.random(n) < dont_know
        offsets[lacking, columns] = -1
    departments = rng.choice(["Sales", "IT", "Legal"], size=n, p=[0.6, 0.3, 0.1])
    roles = rng.choice(["Employee", "Manager"], size=n, p=[0.75, 0.25])
    segments = [
        {"department": str(d), "role_level": str(r)}
        for d, r in zip(departments, roles, strict=True)
    ]
    return offsets, segments


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(35, 80), st.sampled_from([0.0, 0.05, 0.12]))
def test_every_named_set_is_what_it_says_and_passes_the_audit(
    shaped_instrument, seed, n, dont_know
):
    instrument = shaped_instrument(dimensions=3, items=3, scale=(1, 5), outcomes=2)
    k = 5
    offsets, segments = a_round(instrument, seed, n, dont_know)
    current = RoundData("Round", offsets, segments, QUESTIONS, k, True)
    release = build_report(
        instrument, current, organisation="Org", lang="en", thresholds=THRESHOLDS
    )
    points = release_points(offsets, instrument, k)
    named = figures_with_bases(release)
    assert named  # principles at least
    counted = {}
    for basis, n_published in named:
        people = members(basis, instrument, points, segments)
        size = int(people.sum())
        assert size == 0 or size >= k, basis
        if n_published is not None:
            assert n_published == size, basis
            counted[basis] = people
    for a, people_a in counted.items():
        for b, people_b in counted.items():
            if a != b and np.all(people_a <= people_b):  # a within b
                assert int((people_b & ~people_a).sum()) in (0, *range(k, n + 1)), (a, b)


def test_every_figure_of_a_release_names_its_respondents():
    """Each type of the release that carries a figure about people has its ``rests_on``."""
    carrying = {
        "Statement", "Principle", "Overall", "Drivers", "GroupRow", "GroupScore", "Leaders",
        "TrendRow", "BenchmarkRow", "TeamComments",
    }  # fmt: skip
    containers = {
        "Basis", "Benchmark", "Breakdown", "DriverPair", "DriverWeight", "Links", "PlannedAction",
        "Recommendation", "Release", "Trend",
    }  # fmt: skip
    types = {
        name for name in release_module.__all__
        if dataclasses.is_dataclass(getattr(release_module, name))
    }  # fmt: skip
    assert types == carrying | containers  # a new type is placed in one of the two
    for name in carrying:
        fields = {f.name for f in dataclasses.fields(getattr(release_module, name))}
        assert "rests_on" in fields, name


def test_the_drivers_do_not_count_the_people_lacking_two_scores(shaped_instrument):
    """Five people lack a score on the first principle and five on the second; one of them on
    both. With the principles' n (35 and 35 of 40) the drivers' n (31) would say that 5 + 5 − 9
    = 1 person lacks both. The release shows the drivers without their n, and says why."""
    from reports.render import render_body

    instrument = shaped_instrument(dimensions=2, items=3, scale=(1, 5), outcomes=2)
    rng = np.random.default_rng(2)
    offsets = rng.integers(0, 5, size=(40, len(instrument.item_keys))).astype(np.int8)
    every = np.arange(len(instrument.item_keys))
    first, second = (every[c] for c in instrument.dimension_columns.values())
    offsets[np.ix_([0, 1, 2, 3, 4], first)] = -1
    offsets[np.ix_([4, 5, 6, 7, 8], second)] = -1  # person 4 lacks both
    current = RoundData("Round", offsets, [{}] * 40, [], 5, True)
    release = build_report(
        instrument, current, organisation="Org", lang="en", thresholds=THRESHOLDS
    )
    assert [d.n for d in release.dimensions] == [35, 35]
    assert release.drivers is not None and release.drivers.n is None
    assert release.drivers.principles  # the weights are still shown
    data = json.loads(json.dumps(release.to_dict()))
    assert data["drivers"]["n"] is None
    html = render_body(release, ["1", "2", "3", "4", "5"])
    assert "their number is not shown" in html and "31 people" not in html

    # without the one person lacking both, nothing is isolated: the n is shown
    offsets[4, second] = rng.integers(0, 5, size=len(second))
    offsets[9, second] = -1  # five without a second score again, none without both
    current = RoundData("Round", offsets, [{}] * 40, [], 5, True)
    release = build_report(
        instrument, current, organisation="Org", lang="en", thresholds=THRESHOLDS
    )
    assert [d.n for d in release.dimensions] == [35, 35]
    assert release.drivers.n == 30


@pytest.mark.parametrize("attribute", ["drivers", "alpha_n"])
def test_audit_sets_drops_the_optional_count_that_isolates(attribute):
    from scoring.disclosure import audit_sets

    scored_1 = np.array([True] * 35 + [False] * 5)
    scored_2 = np.ones(40, dtype=bool)
    scored_2[[4, 5, 6, 7, 35]] = False
    both = scored_1 & scored_2  # everyone but 9: five and five, one in common
    fixed = np.column_stack([scored_1, scored_2])
    if attribute == "drivers":
        assert audit_sets(np.column_stack([fixed, both]), 2, 5) == ()
        assert audit_sets(np.column_stack([fixed, scored_1]), 2, 5) == (2,)  # says nothing new
    else:  # a first set that says nothing, a second that isolates: only the second goes
        assert audit_sets(np.column_stack([fixed, scored_1, both]), 2, 5) == (2,)


def test_reliability_does_not_count_the_one_person_with_two_dont_knows(shaped_instrument):
    """Five people say "don't know" to the first statement, five to the second, one of them to
    both (and is still scored: three of five answered). The statement counts publish 5 and 5;
    reliability's n of complete answers (31 of 40) would say 5 + 5 − 9 = 1 person gave two.
    Its n is withheld, and so is Feldt's interval, an exact function of it."""
    instrument = shaped_instrument(dimensions=1, items=5, scale=(1, 5), outcomes=0)
    rng = np.random.default_rng(5)
    offsets = rng.integers(0, 5, size=(40, 5)).astype(np.int8)
    offsets[[0, 1, 2, 3, 4], 0] = -1
    offsets[[4, 5, 6, 7, 8], 1] = -1  # person 4: two "don't know"
    current = RoundData("Round", offsets, [{}] * 40, [], 5, True)
    release = build_report(
        instrument, current, organisation="Org", lang="en", thresholds=THRESHOLDS
    )
    principle = release.dimensions[0]
    assert principle.n == 40 and [s.counts[0] for s in principle.items] == [5, 5, 0, 0, 0]
    assert principle.alpha is not None
    assert principle.alpha_n is None and principle.alpha_ci95 is None
    # every output that names the n behind alpha leaves it out, and the page says so in words
    html = render_body(release, ["1", "2", "3", "4", "5"])
    assert "from the people who answered every statement of this principle" in html
    assert "31 of the 40" not in html and "from the 31" not in html
    assert report_csv(release).splitlines()[1].split(",")[-2] == ""  # alpha_n
    assert release.to_dict()["dimensions"][0]["alpha_n"] is None
    # with the two sets apart (nobody gives two), the count says nothing new: shown
    offsets[4, 1] = 2
    offsets[9, 1] = -1
    release = build_report(
        instrument, RoundData("Round", offsets, [{}] * 40, [], 5, True),
        organisation="Org", lang="en", thresholds=THRESHOLDS,
    )  # fmt: skip
    assert release.dimensions[0].alpha_n == 30 and release.dimensions[0].alpha_ci95 is not None
