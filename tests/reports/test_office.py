"""The workbook (XlsxWriter) and the deck (python-pptx), opened with openpyxl and python-pptx:
the same figures as the page, in the report's language, and nothing the page hides."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest

from reports.release import Principle
from reports.slides import report_pptx
from reports.workbook import report_xlsx
from scoring.instrument import load_instrument

from .test_figures import a_round, report

ACTIONS = [
    {"dimension": "guidelines", "text": "Write the guidelines with employees", "owner": "HR",
     "due": "2027-03-01", "status": "in_progress"},
]


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


def workbook(built, instrument, lang="en"):
    import openpyxl

    built = dataclasses.replace(built, lang=lang)
    labels = list(instrument.scale.labels[lang])
    return openpyxl.load_workbook(io.BytesIO(report_xlsx(built, labels, ACTIONS)))


def test_the_workbook_holds_the_pages_figures(built, instrument):
    book = workbook(built, instrument)
    assert book.sheetnames == ["Overview", "Principles", "Statements", "Groups", "Actions"]
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
    assert statements[0][1] == first.text and statements[0][2:-2] == first.counts[1:]
    assert statements[0][-2] == first.counts[0]  # "don't know", then its share
    assert statements[0][-1] == pytest.approx(first.dont_know, abs=1e-12)
    assert book["Statements"].cell(1, len(statements[0]) - 1).value == "Don't know"
    # each principle's "don't know" share and the reliability with the n it rests on, named
    header = next(principles.iter_rows(max_row=1, values_only=True))
    assert header[9:] == (
        "Don't know (share)", "Cronbach's alpha",
        "People who answered every statement (alpha and omega rest on them)", "Omega",
        "Which omega",
    )
    for row, d in zip(rows, shown, strict=True):
        assert row[9] == pytest.approx(d.dont_know) and row[11] == d.alpha_n
        assert row[13] == ("McDonald's omega of the scores as given" if d.omega else None)
    overview = book["Overview"]
    assert overview["B3"].value == 120
    assert overview["B4"].value == pytest.approx(built.overall.score)
    actions = list(book["Actions"].iter_rows(min_row=2, values_only=True))
    assert actions == [("guidelines", ACTIONS[0]["text"], "HR", "2027-03-01", "in progress")]


def test_groups_the_page_hides_stay_out_of_the_workbook(built, instrument):
    groups = [g.label for b in built.breakdowns for g in b.groups]
    assert "Legal" not in groups  # the page hides it …
    cells = [c for row in workbook(built, instrument)["Groups"].iter_rows(values_only=True)
             for c in row]
    assert "Legal" not in cells and "Sales" in cells  # … and so does the workbook
    assert any(isinstance(c, str) and "hidden to protect anonymity" in c for c in cells)


def test_the_workbook_speaks_dutch(built, instrument):
    book = workbook(built, instrument, lang="nl")
    assert book.sheetnames == ["Overzicht", "Principes", "Stellingen", "Groepen", "Acties"]
    assert book["Stellingen"]["C1"].value == instrument.scale.labels["nl"][0]
    assert book["Acties"]["E2"].value == "bezig"


def test_the_deck_has_a_slide_per_principle_with_editable_charts(built, instrument):
    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE

    labels = list(instrument.scale.labels["en"])
    deck = Presentation(io.BytesIO(report_pptx(built, labels, ACTIONS)))
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
    assert [series.name for series in principle.plots[0].series] == labels
    first = built.dimensions[0].items[0]
    assert [s.values[0] for s in principle.plots[0].series] == list(first.counts[1:])


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
