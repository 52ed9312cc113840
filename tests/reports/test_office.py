"""The workbook (XlsxWriter) and the deck (python-pptx), opened with openpyxl and python-pptx:
the same figures as the page, in the report's language, and nothing the page hides — and, looked
at as their readers open them, every shape within its slide, statements by their text, the
report's colours, numbers as numbers and dates as dates."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re

import numpy as np
import pytest

from reports import charts
from reports.release import Principle
from reports.slides import report_pptx
from reports.workbook import report_xlsx
from scoring.instrument import load_instrument

from .english import english_in
from .test_figures import a_round, report
from .test_report import make_round, report_of

ACTIONS = [
    {"dimension": "guidelines", "text": "Write the guidelines with employees", "owner": "HR",
     "due": "2027-03-01", "status": "in_progress"},
]  # fmt: skip
DUTCH_ACTIONS = [
    {"dimension": "error_tolerance", "text": "Deel elke maand een leerzame misser", "owner": "HR",
     "due": "2027-03-01", "status": "planned"},
    {"dimension": "guidelines", "text": "Schrijf de richtlijnen samen met medewerkers",
     "owner": None, "due": None, "status": "done"},
]  # fmt: skip


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def built(instrument):
    roles = ["Employee"] * 80 + ["Manager"] * 40
    current = a_round(instrument, n=120, roles=roles)
    current.segment_questions.append({"key": "department", "options": ["Sales", "IT", "Legal"]})
    departments = ["Sales"] * 60 + ["IT"] * 57 + ["Legal"] * 3  # Legal: too few to show
    for answers, department in zip(current.segments, departments, strict=True):
        answers["department"] = department
    return report(instrument, current)


def full_round(instrument, lang):
    """A round with everything a report can hold: groups, change since the last round, drivers,
    a benchmark and comments; its groups named in both languages."""
    sizes = {"Sales": 40, "IT": 30, "Finance": 25, "Legal": 3}
    before = make_round(instrument, sizes, seed=5, name="Voorjaar 2025")
    comments = [f"opmerking {i}" for i in range(12)]
    now = make_round(instrument, sizes, seed=6, name="Voorjaar 2026", comments=comments)
    for question in now.segment_questions:
        if question["key"] == "role_level":
            question["option_labels"] = {"nl": ["Medewerker", "Leidinggevende"]}
    pool = [
        {
            "external": False,
            "dimensions": {
                d.key: {"n": 50, "mean": 40 + i * 2.0, "sd": 20.0, "bins": []}
                for d in instrument.dimensions
            },
        }
        for i in range(12)
    ]
    return report_of(
        instrument, now, organisation="Acme", lang=lang, previous=before, pool=pool,
        pool_version="1",
    )  # fmt: skip


@pytest.fixture(scope="module", params=["en", "nl"])
def full(request, instrument):
    return full_round(instrument, request.param)


@pytest.fixture(scope="module")
def dutch(instrument):
    return full_round(instrument, "nl")


def deck_of(release, instrument, actions=ACTIONS):
    from pptx import Presentation

    labels = list(instrument.scale.labels[release.lang])
    return Presentation(io.BytesIO(report_pptx(release, labels, actions)))


def workbook(built, instrument, lang="en", actions=ACTIONS):
    import openpyxl

    built = dataclasses.replace(built, lang=lang) if built.lang != lang else built
    labels = list(instrument.scale.labels[lang])
    return openpyxl.load_workbook(io.BytesIO(report_xlsx(built, labels, actions)))


def deck_texts(deck):
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield shape.text_frame.text
            if shape.has_table:
                yield from (cell.text for row in shape.table.rows for cell in row.cells)
            if shape.has_chart:
                for plot in shape.chart.plots:
                    yield from (str(category) for category in plot.categories)
                    yield from (series.name for series in plot.series)


def book_texts(book):
    yield from book.sheetnames
    for sheet in book:
        for row in sheet.iter_rows(values_only=True):
            yield from (value for value in row if isinstance(value, str))
        for chart in sheet._charts:  # the titles: the series' names are cells, read above
            if chart.title and chart.title.tx and chart.title.tx.rich:
                for paragraph in chart.title.tx.rich.p:
                    yield "".join(run.t for run in paragraph.r or ())


def test_the_workbook_holds_the_pages_figures(built, instrument):
    book = workbook(built, instrument)
    assert book.sheetnames[:4] == ["Overview", "Principles", "Statements", "Groups"]
    assert book.sheetnames[-1] == "Actions" and "Advocacy" in book.sheetnames
    principles = book["Principles"]
    rows = list(principles.iter_rows(min_row=2, values_only=True))
    shown = [d for d in built.dimensions if d.shown]
    assert [row[0] for row in rows] == [d.name for d in built.dimensions]
    for row, d in zip(rows, shown, strict=True):
        assert row[1] == d.n and row[2] == pytest.approx(d.score, abs=1e-12)
        assert (row[3], row[4]) == pytest.approx(tuple(d.ci95), abs=1e-12)
    assert principles["C2"].number_format == "0.0" and principles["G2"].number_format == "0%"
    assert principles._charts, "a native bar chart of the scores"
    statements = list(book["Statements"].iter_rows(min_row=2, values_only=True))
    first = shown[0].items[0]
    assert statements[0][0] == shown[0].name  # the principle's name, not its key
    assert statements[0][1] == first.text and statements[0][2:-2] == first.counts[1:]
    assert statements[0][-2] == first.counts[0]  # "don't know", then its share
    assert statements[0][-1] == pytest.approx(first.dont_know, abs=1e-12)
    assert book["Statements"].cell(1, len(statements[0]) - 1).value == "Don't know"
    # each principle's "don't know" share and the reliability with the n it rests on, named
    header = next(principles.iter_rows(max_row=1, values_only=True))
    assert header[9:] == (
        "Don't know (share)",
        "Cronbach's alpha",
        "People who answered every statement (alpha and omega rest on them)",
        "Omega",
        "Which omega",
    )
    for row, d in zip(rows, shown, strict=True):
        assert row[9] == pytest.approx(d.dont_know) and row[11] == d.alpha_n
        assert row[13] == ("McDonald's omega of the scores as given" if d.omega else None)
    overview = book["Overview"]
    assert overview["B3"].value == 120
    assert overview["B4"].value == pytest.approx(built.overall.score)
    assert overview["B5"].value == f"{built.overall.level} · {built.overall.level_name}"
    actions = list(book["Actions"].iter_rows(min_row=2, values_only=True))
    assert actions == [
        ("Clear guidelines", ACTIONS[0]["text"], "HR", datetime.datetime(2027, 3, 1),
         "in progress"),
    ]  # fmt: skip


def test_priorities_are_numbers_with_two_decimals_and_principles_named(built, instrument):
    overview = workbook(built, instrument)["Overview"]
    header = [c.value for c in overview[7]]
    assert header[:3] == ["Principle", "Where to start", "Priority"]
    names = {d.key: d.name for d in built.dimensions}
    for row, recommendation in zip(overview.iter_rows(min_row=8), built.recommendations,
                                   strict=True):  # fmt: skip
        assert row[0].value == names[recommendation.dimension]
        assert row[2].value == pytest.approx(recommendation.priority)
        assert row[2].number_format == "0.00"


def test_groups_the_page_hides_stay_out_of_the_workbook(built, instrument):
    groups = [g.label for b in built.breakdowns for g in b.groups]
    assert "Legal" not in groups  # the page hides it …
    cells = [c for row in workbook(built, instrument)["Groups"].iter_rows(values_only=True)
             for c in row]  # fmt: skip
    assert "Legal" not in cells and "Sales" in cells  # … and so does the workbook
    assert any(isinstance(c, str) and "hidden to protect anonymity" in c for c in cells)


def test_the_workbook_holds_change_advocacy_drivers_benchmark_and_comments(full, instrument):
    book = workbook(full, instrument, full.lang)
    text = __import__("reports.texts", fromlist=["office_texts"]).office_texts(full.lang)
    for sheet in ("trend", "advocacy", "benchmark", "comments"):
        assert text[sheet][:31] in book.sheetnames
    drivers = book[text["drivers"].split(":")[0]]
    rows = list(drivers.iter_rows(min_row=2, max_row=1 + len(full.drivers.principles),
                                  values_only=True))  # fmt: skip
    names = {d.key: d.name for d in full.dimensions}
    for row, weight in zip(rows, full.drivers.principles, strict=True):
        assert row[0] == names[weight.key]
        assert row[1:4] == pytest.approx((weight.share, weight.share_low, weight.share_high))
        assert row[5] == (text["yes"] if weight.beyond_chance else text["not_clearly"])
    assert drivers["B2"].number_format == "0%"
    benchmark = list(book[text["benchmark"][:31]].iter_rows(min_row=2, values_only=True))
    for row, mark in zip(benchmark, full.benchmark.dimensions, strict=True):
        assert row[0] == names[mark.key] and row[6] == pytest.approx(mark.median)
        assert row[7:9] == pytest.approx(mark.median_ci95)
        assert row[10:12] == pytest.approx(mark.top25_ci95)
        assert row[4:6] == pytest.approx([end / 100 for end in mark.percentile_ci95])
    comments = [row[0] for row in book[text["comments"]].iter_rows(min_row=2, values_only=True)]
    assert comments == list(full.comments)  # the release's order
    charted = [name for name in book.sheetnames if book[name]._charts]
    assert len(charted) >= 5, charted  # scores, statements, change, advocacy, drivers, benchmark


def test_dates_are_dates(dutch, instrument):
    book = workbook(dutch, instrument, "nl", DUTCH_ACTIONS)
    sheet = book[book.sheetnames[-1]]
    due = sheet["D2"]
    assert due.is_date and due.value == datetime.datetime(2027, 3, 1)
    assert "d" in due.number_format and "y" in due.number_format
    assert sheet["D3"].value is None  # no due date: an empty cell, not a text
    deck = deck_of(dutch, instrument, DUTCH_ACTIONS)
    assert "1 mrt 2027" in set(deck_texts(deck))


def test_the_dutch_files_are_wholly_dutch(dutch, instrument):
    book = workbook(dutch, instrument, "nl", DUTCH_ACTIONS)
    assert book.sheetnames[:5] == ["Overzicht", "Principes", "Stellingen", "Groepen", "Verloop"]
    assert book["Stellingen"]["C1"].value == instrument.scale.labels["nl"][0]
    assert [row[4] for row in book["Acties"].iter_rows(min_row=2, values_only=True)] == [
        "gepland",
        "afgerond",
    ]
    assert english_in(book_texts(book)) == set()
    deck = deck_of(dutch, instrument, DUTCH_ACTIONS)
    texts = list(deck_texts(deck))
    assert english_in(texts) == set()
    assert any(name in t for t in texts for name in ("In ontwikkeling", "Ingericht", "Verankerd"))


def test_the_english_word_list_finds_todays_english(dutch, instrument):
    """The check above would fail on a deck that mixes in the product's English."""
    level = dataclasses.replace(dutch.overall, level_name="Defined")
    assert english_in([f"Niveau 3 {level.level_name}", "error_tolerance", "bezig"]) == {
        "'Defined' in 'Niveau 3 Defined'", "'error_tolerance' in 'error_tolerance'"
    }  # fmt: skip


def test_every_shape_lies_within_its_slide(full, instrument):
    from pptx.util import Emu

    many = [dict(ACTIONS[0], text=f"Action {i} " + "with a long description " * 4)
            for i in range(13)]  # fmt: skip
    deck = deck_of(full, instrument, many)
    width, height = deck.slide_width, deck.slide_height
    assert (Emu(width).inches, Emu(height).inches) == pytest.approx((13.333, 7.5), abs=1e-3)
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            where = f"slide {number}, {shape.name}"
            assert shape.left >= 0 and shape.top >= 0, where
            assert shape.left + shape.width <= width, where
            assert shape.top + shape.height <= height, where
            if shape.has_table:
                columns = sum(column.width for column in shape.table.columns)
                assert shape.left + columns <= width, where
                rows = sum(row.height for row in shape.table.rows)
                assert shape.top + rows <= height, where
        title = slide.shapes.title
        below = [s for s in slide.shapes if s.shape_id != title.shape_id]
        for shape in below:  # nothing runs into the title
            assert shape.top >= title.top + title.height, f"slide {number}, {shape.name}"


def test_statement_charts_carry_the_statements_texts(full, instrument):
    deck = deck_of(full, instrument)
    for dim in full.dimensions:
        slide = next(s for s in deck.slides if s.shapes.title.text.startswith(dim.name + ":"))
        chart = next(s for s in slide.shapes if s.has_chart).chart
        categories = [" ".join(str(c).split()) for c in chart.plots[0].categories]
        assert len(categories) == len(dim.items)
        for category, item in zip(reversed(categories), dim.items, strict=True):
            assert not re.fullmatch(r"[A-Z]\d", category)
            shown = category.removesuffix(" …")
            assert item.text.startswith(shown) or shown.startswith(item.text), category
            assert len(shown) >= min(len(item.text), 100)


def test_the_deck_wears_the_reports_colours(full, instrument):
    deck = deck_of(full, instrument)
    dim = full.dimensions[0]
    slide = next(s for s in deck.slides if s.shapes.title.text.startswith(dim.name + ":"))
    plot = next(s for s in slide.shapes if s.has_chart).chart.plots[0]
    fills = [f"#{series.format.fill.fore_color.rgb}".lower() for series in plot.series]
    assert fills[:5] == charts.LIKERT
    # a reverse-keyed statement: agreeing is coloured unfavourable
    reverse = [i for i, item in enumerate(reversed(dim.items)) if item.reverse]
    assert reverse, "the guidelines hold a reverse-keyed statement"
    agree = plot.series[4].points[reverse[0]].format.fill.fore_color.rgb
    assert f"#{agree}".lower() == charts.UNFAVOURABLE


def test_the_heatmaps_cells_follow_the_sign_of_the_difference(full, instrument):
    from reports.office import heat_colour
    from reports.slide_parts import score_text
    from reports.texts import office_texts

    deck = deck_of(full, instrument)
    breakdown = full.breakdowns[0]
    table = next(
        shape.table for slide in deck.slides for shape in slide.shapes
        if shape.has_table and shape.table.cell(2, 0).text == breakdown.groups[0].label
    )  # fmt: skip
    assert table.cell(1, 0).text == office_texts(full.lang)["organisation"]
    shown = [d for d in full.dimensions if d.shown]
    checked = 0
    for c, dim in enumerate(shown, start=2):
        assert table.cell(1, c).text == score_text(dim.score, full.lang)
    for r, group in enumerate(breakdown.groups, start=2):
        for c, dim in enumerate(shown, start=2):
            score = group.score_of(dim.key).score
            if score is None:
                continue
            fill = f"#{table.cell(r, c).fill.fore_color.rgb}".lower()
            assert fill == heat_colour(score - dim.score)
            red, blue = int(fill[1:3], 16), int(fill[5:7], 16)
            assert (blue > red) == (score > dim.score)  # purple above, orange below
            checked += 1
    assert checked


def test_a_change_slide_exists_exactly_when_there_is_a_trend(full, built, instrument):
    def changes(release):
        from reports.texts import office_texts

        heading = office_texts(release.lang)["change_since"].split("%")[0]
        return [s for s in deck_of(release, instrument).slides
                if s.shapes.title.text.startswith(heading)]  # fmt: skip

    assert built.trend is None and changes(built) == []
    slides = changes(full)
    assert len(slides) == 1
    table = next(s for s in slides[0].shapes if s.has_table).table
    words = {t.verdict for t in full.trend.dimensions}
    verdicts = {table.cell(r, 4).text for r in range(1, len(full.trend.dimensions) + 1)}
    from reports.texts import office_texts

    assert verdicts == {office_texts(full.lang)["verdicts"][w] for w in words}


def test_the_deck_has_a_slide_per_principle_with_editable_charts(built, instrument):
    from pptx.enum.chart import XL_CHART_TYPE

    labels = list(instrument.scale.labels["en"])
    deck = deck_of(built, instrument)
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[0] == "Social media culture: Acme"
    assert titles[1].startswith("Overall score: ") and titles[-1] == "Actions"
    assert "Where to start" in titles
    for d in built.dimensions:
        assert any(t.startswith(d.name) for t in titles)
    radar = next(s for s in deck.slides[1].shapes if s.has_chart).chart
    assert radar.chart_type == XL_CHART_TYPE.RADAR_MARKERS
    values = list(radar.plots[0].series[0].values)
    assert values == pytest.approx([d.score for d in built.dimensions if d.shown])
    principle = next(s for s in deck.slides[2].shapes if s.has_chart).chart
    assert [series.name for series in principle.plots[0].series][: len(labels)] == labels
    first = built.dimensions[0].items[0]  # the first statement on top: the last category
    assert [s.values[-1] for s in principle.plots[0].series][: len(labels)] == list(
        first.counts[1:]
    )


def test_a_hidden_principle_has_no_number_on_its_slide(built, instrument):
    from pptx import Presentation

    saved = built.dimensions[0]
    hidden = Principle(saved.key, saved.name, "", shown=False)
    without = dataclasses.replace(built, dimensions=(hidden, *built.dimensions[1:]))
    deck = Presentation(io.BytesIO(report_pptx(without, ["a", "b", "c", "d", "e"], [])))
    slide = next(s for s in deck.slides if s.shapes.title.text == saved.name)
    texts = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert "too few people" in texts and not any(ch.isdigit() for ch in texts)
    assert np.isfinite(saved.score)


def test_the_workbooks_groups_are_coloured_as_the_deck_says(full, instrument):
    from reports.office import heat_colour
    from reports.texts import office_texts

    sheet = workbook(full, instrument, full.lang)[office_texts(full.lang)["groups"]]
    shown = [d for d in full.dimensions if d.shown]
    rows = {row[0].value: row for row in sheet.iter_rows()}
    organisation = rows[office_texts(full.lang)["organisation"]]
    assert [cell.value for cell in organisation[2:]] == pytest.approx([d.score for d in shown])
    checked = 0
    for group in full.breakdowns[0].groups:
        for cell, dim in zip(rows[group.label][2:], shown, strict=True):
            score = group.score_of(dim.key).score
            if score is None:
                continue
            fill = "#" + cell.fill.fgColor.rgb[-6:].lower()
            assert fill == heat_colour(score - dim.score, strength=0.45)
            assert cell.number_format == "0.0"
            checked += 1
    assert checked
