"""The report as a PowerPoint deck (python-pptx) for a management team: a title slide, the
overall score with a radar of the principles, one slide per principle, where to start, and the
action plan — with native charts that stay editable in PowerPoint.

Like the workbook it is built from the :class:`reports.release.Release` that the page shows, so it
holds only figures that passed disclosure control; a hidden principle gets a slide that says so
and no number.
"""

from __future__ import annotations

import io
from typing import Any

from reports.numbers import number
from reports.release import Principle, Release
from reports.texts import office_texts

__all__ = ["report_pptx"]


def report_pptx(report: Release, labels: list[str], actions: list[dict[str, Any]]) -> bytes:
    """The deck's bytes; ``labels`` are the scale's answer labels in the report's language,
    ``actions`` the round's action plan."""
    from pptx import Presentation
    from pptx.util import Inches

    text = office_texts(report.lang)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = f"{text['title']}: {report.organisation}"
    title.placeholders[1].text = (
        f"{report.campaign} · {text['n_people'].format(n=report.n_responses)}"
    )
    if report.enough:
        _overall(deck, report, text)
        for dim in report.dimensions:
            _principle(deck, report, dim, text, labels)
        _where_to_start(deck, report, text)
    _actions(deck, actions, text)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _slide(deck, heading: str):
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = heading
    return slide


def _number(value, lang: str) -> str:
    return number(value, 1, lang)


def _overall(deck, report: Release, text) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches, Pt

    overall = report.overall
    heading = text["overall"]
    if overall is not None and overall.score is not None:
        heading += f": {_number(overall.score, report.lang)}"
        heading += f" · {text['level']} {overall.level} {overall.level_name or ''}"
    slide = _slide(deck, heading.strip())
    shown = [d for d in report.dimensions if d.shown]
    data = CategoryChartData(number_format="0.0")
    data.categories = [d.name for d in shown]
    data.add_series(text["score"], [d.score for d in shown])
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.RADAR_MARKERS, Inches(2.5), Inches(1.5), Inches(8.3), Inches(5.7), data
    )
    chart = frame.chart
    chart.has_legend = False
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale = 0, 100
    chart.font.size = Pt(12)


def _principle(deck, report: Release, dim: Principle, text, labels: list[str]) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    if not dim.shown:
        slide = _slide(deck, dim.name)
        body = slide.shapes.add_textbox(Inches(0.8), Inches(1.8), Inches(11.5), Inches(1))
        body.text_frame.text = text["hidden"]
        return
    low, high = dim.ci95 or (None, None)
    heading = f"{dim.name}: {_number(dim.score, report.lang)}"
    slide = _slide(deck, heading)
    box = slide.shapes.add_textbox(Inches(0.8), Inches(1.4), Inches(11.5), Inches(0.8))
    lines = [f"{text['level']} {dim.level} {dim.level_name or ''} · n = {dim.n}"]
    if low is not None:
        lines.append(
            f"{text['ci_low'].split(',')[0]}: "
            f"{_number(low, report.lang)}–{_number(high, report.lang)}"
        )
    box.text_frame.text = "   ".join(lines)
    items = dim.items or []
    if not items:
        return
    data = CategoryChartData(number_format="0")
    data.categories = [item.key for item in items]
    for position, label in enumerate(labels, start=1):
        data.add_series(label, [item.counts[position] for item in items])
    if any(item.counts[0] for item in items):
        data.add_series(text["dont_know"], [item.counts[0] for item in items])
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_STACKED_100, Inches(0.8), Inches(2.3), Inches(11.7), Inches(4.9), data
    )
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.font.size = Pt(11)


def _where_to_start(deck, report: Release, text) -> None:
    from pptx.util import Inches, Pt

    if not report.recommendations:
        return
    slide = _slide(deck, text["where_to_start"])
    box = slide.shapes.add_textbox(Inches(0.8), Inches(1.5), Inches(11.7), Inches(5.5))
    frame = box.text_frame
    frame.word_wrap = True
    for i, recommendation in enumerate(report.recommendations):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = f"{i + 1}. {recommendation.text}"
        paragraph.font.size = Pt(18)
        paragraph.space_after = Pt(12)


def _actions(deck, actions: list[dict[str, Any]], text) -> None:
    from pptx.util import Inches, Pt

    if not actions:
        return
    slide = _slide(deck, text["actions"])
    rows, cols = len(actions) + 1, 4
    table = slide.shapes.add_table(
        rows, cols, Inches(0.6), Inches(1.5), Inches(12.1), Inches(0.4) * rows
    ).table
    for col, head in enumerate((text["action"], text["owner"], text["due"], text["state"])):
        table.cell(0, col).text = head
    for row, action in enumerate(actions, start=1):
        values = (action["text"], action["owner"], action["due"] or "",
                  text["status"].get(action["status"], ""))
        for col, value in enumerate(values):
            cell = table.cell(row, col)
            cell.text = str(value)
            cell.text_frame.paragraphs[0].font.size = Pt(12)
    table.columns[0].width = Inches(7.1)
