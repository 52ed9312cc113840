"""The organisation's tree: paths read and merged so that no stored team names fewer than k, and
every node published as its subtree only where the audit allows — checked by the brute-force
attacker of the disclosure tests against parent − children, subtree − the units shown under it,
and a team against a segment."""

from __future__ import annotations

import re

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


# A manager's files: the team page's figures, as a workbook and a deck

FILE_TEAMS = {"Care": 6, "Care/Ward 3": 12, "Care/Ward 3/Nights": 8, "Care/Ward 3/Days": 3,
              "Care/Ward 4": 9, "Shop": 25}  # fmt: skip
DECIMAL = re.compile(r"(?<![\w.,])[+−-]?\d+[.,]\d(?![\d])")
TEAM_N = re.compile(r"\((\d+)\)")
TEAM_ACTIONS = {
    "en": [{"team": "Care/Ward 3", "dimension": "guidelines", "owner": "",
            "text": "Write the guidelines with the ward", "due": "2027-03-01",
            "status": "planned"}],
    "nl": [{"team": "Care/Ward 3", "dimension": "guidelines", "owner": "",
            "text": "Schrijf de richtlijnen samen met de afdeling", "due": "2027-03-01",
            "status": "in_progress"},
           {"team": "Care/Ward 3/Nights", "dimension": "error_tolerance", "owner": "Ann",
            "text": "Deel elke maand een leerzame misser", "due": None, "status": "done"}],
}  # fmt: skip


@pytest.fixture(scope="module")
def instrument():
    from scoring.instrument import load_instrument

    return load_instrument()


def tree_release(instrument, lang: str):
    """A closed round of 63 people in six teams (Days, 3 people, is never shown), Ward 3's
    people answering a little more favourably."""
    from reports.model import RoundData, build_report

    from .test_report import THRESHOLDS

    rng = np.random.default_rng(4)
    segments = [{"team": team} for team, count in FILE_TEAMS.items() for _ in range(count)]
    offsets = rng.integers(0, 5, size=(len(segments), len(instrument.item_keys)))
    ward = np.array([s["team"].startswith("Care/Ward 3") for s in segments])
    offsets = np.clip(offsets + ward[:, None], 0, 4).astype(np.int8)
    questions = [tree_question(sorted(FILE_TEAMS))]
    current = RoundData("Spring", offsets, segments, questions, 5, True, [])
    return build_report(instrument, current, organisation="Zorg", lang=lang,
                        thresholds=THRESHOLDS)  # fmt: skip


@pytest.fixture(scope="module", params=["en", "nl"])
def released(request, instrument):
    return tree_release(instrument, request.param)


def team_files(release, instrument, node, planned=()):
    """The view of ``node`` and its workbook and deck, opened."""
    import io

    import openpyxl
    from pptx import Presentation

    from reports.team_slides import team_pptx
    from reports.team_workbook import team_xlsx
    from reports.teams import team_view

    view = team_view(release, sorted(FILE_TEAMS), node, instrument, release.lang)
    planned = [a for a in planned if a["team"] == node or a["team"].startswith(node + "/")]
    book = openpyxl.load_workbook(io.BytesIO(team_xlsx(view, release, planned)))
    deck = Presentation(io.BytesIO(team_pptx(view, release, planned)))
    return view, book, deck


def published_numbers(figures: dict) -> tuple[set, set]:
    """What HR's report JSON publishes: every score of the organisation and of its tree's
    groups, each group's difference from the organisation (both unrounded and as the page
    writes them), and the counts of people."""
    dims = {d["key"]: d["score"] for d in figures["dimensions"] if d.get("score") is not None}
    values = set(dims.values())
    counts = {figures["n_respondents"], figures["min_group_size"]}
    tree = next(s for s in figures["segments"] if s["key"] == "team")
    for group in tree["groups"]:
        counts.add(group["n"])
        for key, cell in group["scores"].items():
            if cell["score"] is not None:
                values |= {cell["score"], cell["score"] - dims[key]}
    counts |= {round(v, 9) for v in values}
    return counts, {f"{v:.1f}".lstrip("-") for v in values}


def file_numbers(book, deck) -> tuple[list, list]:
    """Every number stored in the workbook's cells, and every decimal and count written in the
    texts of both files (a Dutch decimal comma read as a point)."""
    import datetime

    from .test_office import book_texts, deck_texts

    cells = [round(v, 9) for sheet in book for row in sheet.iter_rows(values_only=True)
             for v in row if isinstance(v, int | float) and not isinstance(v, datetime.date)
             and not isinstance(v, bool)]  # fmt: skip
    texts = [*book_texts(book), *deck_texts(deck)]
    decimals = [m.replace(",", ".").lstrip("+−-") for t in texts for m in DECIMAL.findall(t)]
    cells += [int(m) for t in deck_texts(deck) for m in TEAM_N.findall(t)]
    return cells, decimals


def test_every_number_in_a_managers_files_is_one_the_audited_report_publishes(
    released, instrument
):
    counts, written = published_numbers(released.to_dict())
    seen = 0
    for node in nodes_of(sorted(FILE_TEAMS)):
        view, book, deck = team_files(released, instrument, node, TEAM_ACTIONS[released.lang])
        cells, decimals = file_numbers(book, deck)
        assert set(cells) <= counts, (node, set(cells) - counts)
        assert set(decimals) <= written, (node, set(decimals) - written)
        seen += len(cells) + len(decimals)
        if view.row is not None:  # the team's own scores are there, unrounded
            own = {round(s.score, 9) for s in view.row.scores if s.score is not None}
            assert own and own <= set(cells)
    assert seen > 100


def test_the_files_say_what_is_hidden_as_the_page_does(released, instrument):
    from reports.texts import team_texts

    from .test_office import book_texts, deck_texts

    text = team_texts(released.lang, released.min_group_size)
    view, book, deck = team_files(released, instrument, "Care/Ward 3")
    assert view.hidden_units == 1 and [u.group for u in view.units] == ["Care/Ward 3/Nights"]
    hidden = text["units_hidden"](1)
    assert hidden in set(book_texts(book))
    assert any(hidden in t for t in deck_texts(deck))  # under the units' table
    assert hidden in [row[0].value for row in book[text["notes"]].iter_rows()]
    assert "Days" not in " ".join([*book_texts(book), *deck_texts(deck)])
    scores = book[text["scores"]]
    header = [c.value for c in scores[4]]
    assert header == [text["principle"], text["your_team"], "Care", text["organisation"],
                      text["difference"]]  # fmt: skip
    assert [c.value for c in scores[5]][:4] == ["n", view.row.n, view.parent.n,
                                                released.n_responses]  # fmt: skip
    titles = [slide.shapes.title.text_frame.text for slide in deck.slides]
    assert titles == [text["team_title"] % {"team": "Ward 3"}, text["scores"], text["units"],
                      text["team_start"], text["team_actions"]]  # fmt: skip
    assert text["no_actions"] in set(deck_texts(deck))


def test_a_score_the_audit_does_not_publish_is_a_dash_and_draws_no_chart(released, instrument):
    import dataclasses
    import io

    import openpyxl

    from reports.team_workbook import team_xlsx
    from reports.teams import team_view
    from reports.texts import team_texts

    view = team_view(released, sorted(FILE_TEAMS), "Care/Ward 3", instrument, released.lang)
    first = view.row.scores[0]
    row = dataclasses.replace(
        view.row, scores=(dataclasses.replace(first, score=None), *view.row.scores[1:])
    )
    book = openpyxl.load_workbook(io.BytesIO(team_xlsx(dataclasses.replace(view, row=row),
                                                      released, [])))  # fmt: skip
    sheet = book[team_texts(released.lang, 5)["scores"]]
    values = [c.value for c in sheet[6]]
    assert values[1] == "–" and values[4] == "–" and isinstance(values[2], float)
    assert sheet._charts == []
    whole = openpyxl.load_workbook(io.BytesIO(team_xlsx(view, released, [])))
    assert len(whole[sheet.title]._charts) == 1


def test_a_team_the_audit_hides_gets_files_without_its_figures(released, instrument):
    from reports.texts import team_texts

    from .test_office import deck_texts

    text = team_texts(released.lang, released.min_group_size)
    view, book, deck = team_files(released, instrument, "Care/Ward 3/Days")
    assert view.row is None and view.recommendations == ()
    cells, decimals = file_numbers(book, deck)
    assert cells == [] and decimals == []
    assert book[text["scores"]]["A4"].value == text["team_hidden"]
    assert any(text["team_hidden"] in t for t in deck_texts(deck))


def test_the_dutch_files_are_wholly_dutch_and_the_english_ones_english(instrument):
    from .english import english_in
    from .test_office import book_texts, deck_texts

    for lang in ("nl", "en"):
        release = tree_release(instrument, lang)
        _view, book, deck = team_files(release, instrument, "Care", TEAM_ACTIONS[lang])
        found = english_in([*book_texts(book), *deck_texts(deck)])
        if lang == "nl":
            assert found == set()
            assert book.sheetnames == ["Scores", "De teams onder het uwe",
                                       "Waar uw team kan beginnen", "Acties van uw team",
                                       "Toelichting"]  # fmt: skip
            assert {"in uitvoering", "afgerond"} <= set(book_texts(book))
        else:
            assert found  # the word list finds the English of the English files
            assert "Where your team might start" in book.sheetnames


def test_every_shape_of_a_team_deck_lies_within_its_slide(released, instrument):
    many = [dict(TEAM_ACTIONS["en"][0], text=f"Action {i} " + "with a long description " * 4)
            for i in range(13)]  # fmt: skip
    _view, _book, deck = team_files(released, instrument, "Care", many)
    width, height = deck.slide_width, deck.slide_height
    assert len(deck.slides) == 6  # the actions on two slides
    for number, slide in enumerate(deck.slides, start=1):
        title = slide.shapes.title
        for shape in slide.shapes:
            where = f"slide {number}, {shape.name}"
            assert shape.left >= 0 and shape.top >= 0, where
            assert shape.left + shape.width <= width, where
            assert shape.top + shape.height <= height, where
            if shape.has_table:
                assert shape.left + sum(c.width for c in shape.table.columns) <= width, where
                assert shape.top + sum(r.height for r in shape.table.rows) <= height, where
            if number > 1 and shape.shape_id != title.shape_id:
                assert shape.top >= title.top + title.height, where
