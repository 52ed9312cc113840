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


COMMENT_TEXT = {"en": "Comment {i}: give us time to post about our work",
                "nl": "Opmerking {i}: geef ons tijd om over ons werk te posten"}  # fmt: skip


def tree_release(instrument, lang: str, name="Spring", seed=4):
    """A closed round of 63 people in six teams (Days, 3 people, is never shown), Ward 3's
    people answering a little more favourably, each person writing a comment that names them
    (``Comment 7: …``)."""
    from reports.model import RoundData, build_report

    from .test_report import THRESHOLDS

    rng = np.random.default_rng(seed)
    segments = [{"team": team} for team, count in FILE_TEAMS.items() for _ in range(count)]
    offsets = rng.integers(0, 5, size=(len(segments), len(instrument.item_keys)))
    ward = np.array([s["team"].startswith("Care/Ward 3") for s in segments])
    offsets = np.clip(offsets + ward[:, None], 0, 4).astype(np.int8)
    questions = [tree_question(sorted(FILE_TEAMS))]
    comments = [COMMENT_TEXT[lang].format(i=i) for i in range(len(segments))]
    current = RoundData(name, offsets, segments, questions, 5, True, comments,
                        [s["team"] for s in segments])  # fmt: skip
    return build_report(instrument, current, organisation="Zorg", lang=lang,
                        thresholds=THRESHOLDS)  # fmt: skip


@pytest.fixture(scope="module", params=["en", "nl"])
def released(request, instrument):
    return tree_release(instrument, request.param)


@pytest.fixture(scope="module")
def earlier(released, instrument):
    """The round before ``released``, in its language: its release and the team's actions then
    (Ward 3's, and one of Nights under it)."""
    before = tree_release(instrument, released.lang, name="Autumn", seed=9)
    actions = {"guidelines": [{"title": a["text"], "owner": a["owner"] or None,
                               "status": a["status"], "due_on": a["due"], "team": a["team"]}
                              for a in TEAM_ACTIONS[released.lang]]}  # fmt: skip
    return before, actions


def team_files(release, instrument, node, planned=(), earlier=None, view=None):
    """The view of ``node`` (its change since ``earlier``'s round, when given) and its workbook
    and deck, opened."""
    import io

    import openpyxl
    from pptx import Presentation

    from reports.team_slides import team_pptx
    from reports.team_workbook import team_xlsx
    from reports.teams import team_change, team_view

    change = None
    if earlier is not None:
        before, actions = earlier
        change = team_change(release, before, node, instrument, actions, 0.05)
    if view is None:
        view = team_view(release, sorted(FILE_TEAMS), node, instrument, release.lang, change)
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


def change_numbers(change) -> tuple[set, set]:
    """The figures of a team's change: both rounds' scores of the team (rows of the two
    audited releases, checked against them in its own test) and what the change computes from
    them, with the smallest change that matters — unrounded, and as the page writes them."""
    values = set()
    for t in change.dimensions if change else ():
        values |= {v for v in (t.before, t.now, t.difference, *t.difference_ci95, t.pvalue_bh,
                               t.minimal_important_difference) if v is not None}  # fmt: skip
    if change and change.minimal_important_difference is not None:
        values.add(change.minimal_important_difference)
    return {round(v, 9) for v in values}, {f"{v:.1f}".lstrip("-") for v in values}


def test_every_number_in_a_managers_files_is_one_the_audited_report_publishes(
    released, earlier, instrument
):
    counts, written = published_numbers(released.to_dict())
    counts_before, written_before = published_numbers(earlier[0].to_dict())
    seen = 0
    for node in nodes_of(sorted(FILE_TEAMS)):
        view, book, deck = team_files(
            released, instrument, node, TEAM_ACTIONS[released.lang], earlier
        )
        change_counts, change_written = change_numbers(view.change)
        allowed = counts | counts_before | change_counts
        cells, decimals = file_numbers(book, deck)
        assert set(cells) <= allowed, (node, set(cells) - allowed)
        assert set(decimals) <= written | written_before | change_written, node
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
                      text["team_start"], text["team_actions"], text["comments"],
                      text["comments"]]  # its 23 comments on two slides  # fmt: skip
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
        before = tree_release(instrument, lang, name="Autumn", seed=9)
        planned = {"guidelines": [{"title": a["text"], "owner": None, "status": a["status"],
                                   "due_on": a["due"], "team": a["team"]}
                                  for a in TEAM_ACTIONS[lang]]}  # fmt: skip
        view, book, deck = team_files(
            release, instrument, "Care", TEAM_ACTIONS[lang], (before, planned)
        )
        assert view.comments and view.change  # both sections are there to be read
        found = english_in([*book_texts(book), *deck_texts(deck)])
        if lang == "nl":
            assert found == set()
            assert book.sheetnames == ["Scores", "Sinds Autumn", "De teams onder het uwe",
                                       "Waar uw team kan beginnen", "Acties van uw team",
                                       "Opmerkingen", "Toelichting"]  # fmt: skip
            assert {"in uitvoering", "afgerond"} <= set(book_texts(book))
        else:
            assert found  # the word list finds the English of the English files
            assert "Where your team might start" in book.sheetnames


def test_every_shape_of_a_team_deck_lies_within_its_slide(released, instrument):
    from reports.texts import team_texts

    many = [dict(TEAM_ACTIONS["en"][0], text=f"Action {i} " + "with a long description " * 4)
            for i in range(13)]  # fmt: skip
    _view, _book, deck = team_files(released, instrument, "Care", many)
    assert_inside(deck)
    titles = [slide.shapes.title.text_frame.text for slide in deck.slides]
    text = team_texts(released.lang, released.min_group_size)
    assert titles.count(text["team_actions"]) == 2  # the actions on two slides


def assert_inside(deck) -> None:
    """Every shape of every slide lies within the slide, and below its title."""
    width, height = deck.slide_width, deck.slide_height
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


# The team's comments and its change since the earlier round, in the files as on the page


def book_comments(book, text) -> list[str]:
    """The comments of a team workbook's Comments sheet, top to bottom."""
    column = [row[0] for row in book[text["comments"]].iter_rows(values_only=True)]
    if column[0] != text["comment"]:  # no table: only the sentence saying why
        return []
    return column[1 : column.index(None)]


def deck_comments(deck, text) -> list[str]:
    """The comments of a team deck's comment slides, in order, a comment cut over two slides
    joined again."""
    comments: list[str] = []
    for slide in deck.slides:
        title = slide.shapes.title
        if title.text_frame.text != text["comments"]:
            continue
        box = next(s for s in slide.shapes if s.has_text_frame and s.shape_id != title.shape_id)
        for paragraph in box.text_frame.paragraphs:
            if paragraph.text.startswith("… "):
                comments[-1] = comments[-1].removesuffix(" …") + " " + paragraph.text[2:]
            elif paragraph.text.startswith("• "):
                comments.append(paragraph.text[2:])
    return comments


def test_the_files_hold_exactly_the_comments_the_release_publishes_for_the_team(
    released, instrument
):
    from reports.texts import team_comments_note, team_texts

    from .test_office import book_texts, deck_texts

    text = team_texts(released.lang, released.min_group_size)
    published = {c.node: list(c.comments) for c in released.team_comments}
    assert {"Care/Ward 3", "Care"} <= set(published) and "Care/Ward 3/Nights" not in published
    for node in nodes_of(sorted(FILE_TEAMS)):
        view, book, deck = team_files(released, instrument, node)
        note = team_comments_note(view, released, text)
        if node in published:  # the release's order, none left out, none added
            assert published[node]
            assert book_comments(book, text) == published[node] == deck_comments(deck, text)
            assert note == text["comments_about"]
        else:  # the page's sentence, and not one of the round's comments anywhere
            assert view.comments is None and view.comments_why == "too_few"
            assert book_comments(book, text) == [] and deck_comments(deck, text) == []
            assert book[text["comments"]]["A1"].value == note
            texts = " ".join([*book_texts(book), *deck_texts(deck)])
            assert note in texts
            assert not any(comment in texts for comment in released.comments)
        assert note in [row[0].value for row in book[text["notes"]].iter_rows()]


def test_each_reason_for_no_comments_is_the_pages_sentence(released, instrument):
    import dataclasses

    from reports.texts import team_texts

    from .test_office import deck_texts

    text = team_texts(released.lang, released.min_group_size)
    view = team_view_of(released, instrument, "Care/Ward 3")
    k = max(released.comment_min_group, released.min_group_size)
    for comments, why, sentence in [
        ((), None, text["no_comments"]),
        (None, "combination", text["comments_combination"](k)),
        (None, "round", text["comments_round"](released.comment_min_group)),
    ]:
        shown = dataclasses.replace(view, comments=comments, comments_why=why)
        _view, book, deck = team_files(released, instrument, "Care/Ward 3", view=shown)
        assert book[text["comments"]]["A1"].value == sentence
        assert sentence in set(deck_texts(deck)) and deck_comments(deck, text) == []


def team_view_of(release, instrument, node, change=None):
    from reports.teams import team_view

    return team_view(release, sorted(FILE_TEAMS), node, instrument, release.lang, change)


def test_long_comments_go_on_over_slides_and_no_text_outgrows_its_box(released, instrument):
    """Each comment slide's text, measured as the deck measures it (wrapped at a width no
    average glyph of its font exceeds), fits in its box; the comments read again in full."""
    import dataclasses

    from pptx.util import Emu

    from reports.team_slide_sections import characters, lines_of
    from reports.texts import team_texts

    text = team_texts(released.lang, released.min_group_size)
    view = team_view_of(released, instrument, "Care/Ward 3")
    long = tuple(" ".join(["Posting about our work takes time"] * (1 + i * 9)) for i in range(8))
    comments = (*long, "word " * 400 + "end", "one\ntwo\nthree", *view.comments)
    shown = dataclasses.replace(view, comments=comments)
    _view, _book, deck = team_files(released, instrument, "Care/Ward 3", view=shown)
    assert_inside(deck)
    read = deck_comments(deck, text)
    assert [" ".join(c.split()) for c in read] == [" ".join(c.split()) for c in comments]
    slides = [s for s in deck.slides if s.shapes.title.text_frame.text == text["comments"]]
    assert len(slides) > 4
    for slide in slides:
        box = next(s for s in slide.shapes if s.has_text_frame and s != slide.shapes.title)
        size = box.text_frame.paragraphs[0].runs[0].font.size.pt
        chars = characters(Emu(box.width).inches - 0.2, size)
        lines = sum(len(lines_of(p.text.replace("\v", "\n"), chars))
                    for p in box.text_frame.paragraphs)  # fmt: skip
        space = sum(p.space_after.pt for p in box.text_frame.paragraphs) / 72
        assert lines * size * 1.2 / 72 + space <= Emu(box.height).inches, lines


def test_the_change_in_the_files_is_the_two_releases_figures_as_on_the_page(
    released, earlier, instrument
):
    from reports.numbers import number, p_equals
    from reports.teams import tree_of
    from reports.texts import team_texts

    from .test_office import deck_texts

    text = team_texts(released.lang, released.min_group_size)
    before, _actions = earlier
    view, book, deck = team_files(released, instrument, "Care/Ward 3", (), earlier)
    change = view.change
    assert change.previous == "Autumn" and all(t.why is None for t in change.dimensions)
    rows = {
        name: {g.group: g for g in tree_of(r).groups}["Care/Ward 3"]
        for name, r in (("before", before), ("now", released))
    }
    sheet = book[text["since"] % {"previous": "Autumn"}]
    assert book.sheetnames[1] == sheet.title  # after the scores, as on the page
    values = list(sheet.iter_rows(min_row=5, max_row=4 + len(change.dimensions),
                                  values_only=True))  # fmt: skip
    slide_texts = set(deck_texts(deck))
    lang = released.lang
    for t, row in zip(change.dimensions, values, strict=True):
        # the two releases' own scores of the team, unrounded
        assert t.before == rows["before"].score_of(t.key).score
        assert t.now == rows["now"].score_of(t.key).score
        # (a cell keeps 16 significant digits: the last one of a float may differ)
        assert row[6] == text["verdicts"][t.verdict]
        assert list(row[1:6]) + [row[7]] == pytest.approx(
            [t.before, t.now, t.difference, *t.difference_ci95, t.pvalue_bh], rel=1e-14
        )
        # the deck writes them as the page does
        low, high = (number(v, 1, lang, True) for v in t.difference_ci95)
        change_text = f"{number(t.difference, 1, lang, True)} ({low} {text['to']} {high})"
        assert {number(t.before, 1, lang), number(t.now, 1, lang), change_text,
                f"{text['verdicts'][t.verdict]} ({p_equals(t.pvalue_bh, lang)})"} <= slide_texts
    planned = dict(zip([r[0] for r in values], [r[8] for r in values], strict=True))
    guidelines = next(d.name for d in released.dimensions if d.key == "guidelines")
    status = text["status"][TEAM_ACTIONS[lang][0]["status"]]
    assert planned[guidelines].split("\n")[0] == f"{TEAM_ACTIONS[lang][0]['text']} ({status})"
    assert set(planned.values()) - {planned[guidelines]} == {"–"}
    titles = [slide.shapes.title.text_frame.text for slide in deck.slides]
    assert titles[2] == text["since_title"] % {"previous": "Autumn"}


def test_a_change_either_round_did_not_show_is_a_dash_saying_which(
    released, earlier, instrument
):
    import dataclasses

    from reports.texts import team_texts

    from .test_office import deck_texts

    text = team_texts(released.lang, released.min_group_size)
    view = team_view_of(released, instrument, "Care/Ward 3")
    change = team_files(released, instrument, "Care/Ward 3", (), earlier)[0].change
    first, second, *rest = change.dimensions
    hidden = dataclasses.replace(
        change,
        dimensions=(
            type(first)(first.key, None, first.now, why="before"),
            type(second)(second.key, second.before, None, why="now"),
            *rest,
        ),
    )
    shown = dataclasses.replace(view, change=hidden)
    _view, book, deck = team_files(released, instrument, "Care/Ward 3", view=shown)
    sheet = book[text["since"] % {"previous": "Autumn"}]
    assert [c.value for c in sheet[5]][1:8] == [
        "–", first.now, "–", "–", "–", text["not_shown_before"] % {"previous": "Autumn"}, "–"]
    assert [c.value for c in sheet[6]][1:8] == [
        second.before, "–", "–", "–", "–", text["not_shown_now"], "–"]  # fmt: skip
    assert text["not_shown_now"] in set(deck_texts(deck))


def test_a_change_with_many_actions_goes_on_over_slides_inside_them(
    released, earlier, instrument
):
    from reports.texts import team_texts

    before, _actions = earlier
    many = {"guidelines": [{"title": f"Action {i} " + "with a long description " * 3,
                            "owner": None, "status": "planned", "due_on": None,
                            "team": "Care/Ward 3"} for i in range(14)]}  # fmt: skip
    view, book, deck = team_files(released, instrument, "Care/Ward 3", (), (before, many))
    assert_inside(deck)
    text = team_texts(released.lang, released.min_group_size)
    heading = text["since_title"] % {"previous": "Autumn"}
    slides = [s for s in deck.slides if s.shapes.title.text_frame.text == heading]
    assert len(slides) > 2
    written = [
        line
        for slide in slides
        for shape in slide.shapes if shape.has_table
        for row in list(shape.table.rows)[1:]
        for line in row.cells[5].text_frame.text.split("\n") if line.startswith("• Action")
    ]  # fmt: skip
    assert len(written) == 14  # each action once, none cut here
    # every principle is a row, once with its figures
    names = [d.name for d in released.dimensions]
    first_cells = [
        (row.cells[0].text_frame.text, row.cells[1].text_frame.text)
        for slide in slides for shape in slide.shapes if shape.has_table
        for row in list(shape.table.rows)[1:]
    ]  # fmt: skip
    assert [n for n, score in first_cells if score] == names


def test_a_long_or_odd_round_name_makes_a_sheet_excel_opens_and_a_deck_inside_its_slides(
    released, instrument
):
    import io

    import openpyxl
    from pptx import Presentation

    from reports.team_sheets import sheet_name
    from reports.team_slides import team_pptx
    from reports.team_workbook import team_xlsx
    from reports.teams import team_change

    long = sheet_name("Since Autumn [2026]: the long round", [])
    assert long == "Since Autumn 2026 the long roun"
    assert sheet_name("Scores", ["Notes", "scores"]) == "Scores (2)"  # Excel ignores case
    name = "Autumn [2026]: a round with a name as long as a round's name may be " * 3
    before = tree_release(instrument, released.lang, name=name[:200], seed=9)
    change = team_change(released, before, "Care/Ward 3", instrument, {}, 0.05)
    view = team_view_of(released, instrument, "Care/Ward 3", change)
    book = openpyxl.load_workbook(io.BytesIO(team_xlsx(view, released, [])))
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in book.sheetnames)
    assert len(set(map(str.lower, book.sheetnames))) == len(book.sheetnames)
    assert_inside(Presentation(io.BytesIO(team_pptx(view, released, []))))


def test_a_team_without_comments_is_told_why_in_its_files(released, instrument):
    """A round whose people wrote no comment says so; one whose comments HR's report hides says
    that too few answered; neither mixes up the other."""
    import dataclasses

    from reports.texts import team_comments_note, team_texts

    from .test_office import book_texts

    text = team_texts(released.lang, released.min_group_size)
    nobody = dataclasses.replace(released, comments=(), comments_hidden=False, team_comments=())
    view, book, _deck = team_files(nobody, instrument, "Shop")
    assert view.comments_why == "none"
    assert team_comments_note(view, nobody, text) == text["no_comments"]
    assert text["no_comments"] in book_texts(book)
    hidden = dataclasses.replace(nobody, comments_hidden=True)
    view, book, _deck = team_files(hidden, instrument, "Shop")
    assert view.comments_why == "round"
    assert text["comments_round"](released.comment_min_group) in book_texts(book)
