"""The report as a PowerPoint deck (python-pptx) for a management team: a title slide, the
overall score with a radar of the principles, the change since the last round, one slide per
principle, the groups, what drives advocacy, the benchmark, where to start and the action plan —
with native charts that stay editable in PowerPoint.

Like the workbook it is built from the :class:`reports.release.Release` that the page shows, so it
holds only figures that passed disclosure control; a hidden principle gets a slide that says so
and no number. Every shape is placed inside the 16:9 slide (13.333 × 7.5 inches), in the report's
colours (:mod:`reports.charts`) and words.
"""

from __future__ import annotations

import io
from typing import Any

from reports import charts
from reports.comparison_slides import benchmark_slide, change_slide, drivers_slide, heatmap_slides
from reports.office import display_date
from reports.release import Principle, Release
from reports.slide_parts import (
    BOTTOM,
    CONTENT_WIDTH,
    MARGIN,
    MUTED,
    ROWS_PER_SLIDE,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    TOP,
    add_table,
    interval_text,
    level_text,
    new_slide,
    place,
    rgb,
    score_text,
    statement_chart,
    textbox,
    write,
)
from reports.texts import office_texts

__all__ = ["report_pptx"]


def report_pptx(report: Release, labels: list[str], actions: list[dict[str, Any]]) -> bytes:
    """The deck's bytes; ``labels`` are the scale's answer labels in the report's language,
    ``actions`` the round's action plan."""
    from pptx import Presentation
    from pptx.util import Inches

    text = office_texts(report.lang)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_WIDTH), Inches(SLIDE_HEIGHT)
    _title_slide(deck, report, text)
    if report.enough:
        _overall(deck, report, text)
        if report.trend:
            change_slide(deck, report, text)
        for dim in report.dimensions:
            _principle(deck, report, dim, text, labels)
        for breakdown in report.breakdowns:
            heatmap_slides(deck, report, breakdown, text)
        if report.outcome and report.outcome.shown:
            drivers_slide(deck, report, text, labels)
        if report.benchmark and report.benchmark.dimensions:
            benchmark_slide(deck, report, text)
        _where_to_start(deck, report, text)
    _actions(deck, report, actions, text)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _title_slide(deck, report: Release, text) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    place(title, 0.9, 2.0, SLIDE_WIDTH - 1.8, 1.8)
    place(subtitle, 0.9, 4.0, SLIDE_WIDTH - 1.8, 1.2)
    write(title.text_frame, f"{text['title']}: {report.organisation}", 40, bold=True)
    write(
        subtitle.text_frame,
        f"{report.campaign} · {text['n_people'].format(n=report.n_responses)}",
        22,
        MUTED,
    )


def _overall(deck, report: Release, text) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    overall = report.overall
    heading, subtitle = text["overall"], None
    if overall is not None and overall.score is not None:
        heading += f": {score_text(overall.score, report.lang)}"
        subtitle = level_text(overall, text)
        low, high = overall.ci95 or (None, None)
        if low is not None:
            subtitle += f" · {text['interval']} {interval_text(low, high, report.lang, text)}"
    slide = new_slide(deck, heading, subtitle)
    shown = [d for d in report.dimensions if d.shown]
    data = CategoryChartData(number_format="0.0")
    data.categories = [d.name for d in shown]
    data.add_series(text["score"], [d.score for d in shown])
    medians = {}
    if report.benchmark:
        medians = {row.key: row.median for row in report.benchmark.dimensions}
        data.add_series(
            f"{text['benchmark']}: {text['median'].lower()}", [medians.get(d.key) for d in shown]
        )
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.RADAR_MARKERS,
        Inches(2.4),
        Inches(TOP),
        Inches(8.5),
        Inches(BOTTOM - TOP),
        data,
    )
    chart = frame.chart
    for series, colour in zip(
        chart.plots[0].series, (charts.FAVOURABLE, charts.UNFAVOURABLE), strict=False
    ):
        series.format.line.color.rgb = rgb(colour)
        series.format.line.width = Pt(2.25)
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = rgb(colour)
        series.marker.format.line.color.rgb = rgb(colour)
        series.smooth = False
    chart.has_legend = bool(medians)
    if medians:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale = 0, 100
    chart.font.size = Pt(12)
    chart.font.color.rgb = rgb(charts.INK)


def _principle(deck, report: Release, dim: Principle, text, labels: list[str]) -> None:
    if not dim.shown:
        slide = new_slide(deck, dim.name)
        textbox(slide, MARGIN, TOP, CONTENT_WIDTH, 1, text["hidden"], 18)
        return
    low, high = dim.ci95 or (None, None)
    subtitle = [level_text(dim, text), f"n = {dim.n}"]
    if low is not None:
        subtitle.append(f"{text['interval']} {interval_text(low, high, report.lang, text)}")
    slide = new_slide(
        deck, f"{dim.name}: {score_text(dim.score, report.lang)}", " · ".join(subtitle)
    )
    if dim.items:
        statement_chart(slide, dim.items, text, labels, TOP, BOTTOM - TOP - 0.45)
        textbox(slide, MARGIN, BOTTOM - 0.4, CONTENT_WIDTH, 0.4, text["colours"], 12, MUTED)


def _where_to_start(deck, report: Release, text) -> None:
    if not report.recommendations:
        return
    slide = new_slide(deck, text["where_to_start"])
    names = {d.key: d.name for d in report.dimensions}
    lines = [
        f"{i}. {names.get(r.dimension, r.dimension)}: {r.text}"
        for i, r in enumerate(report.recommendations, start=1)
    ]
    box = textbox(slide, MARGIN, TOP - 0.3, CONTENT_WIDTH, BOTTOM - TOP + 0.3, lines, 18)
    from pptx.util import Pt

    for paragraph in box.text_frame.paragraphs:
        paragraph.space_after = Pt(14)


def _actions(deck, report: Release, actions: list[dict[str, Any]], text) -> None:
    if not actions:
        return
    names = {d.key: d.name for d in report.dimensions}
    header = [text["action"], text["principle"], text["owner"], text["due"], text["state"]]
    for start in range(0, len(actions), ROWS_PER_SLIDE):
        rows = [header]
        for action in actions[start : start + ROWS_PER_SLIDE]:
            rows.append(
                [
                    action["text"],
                    names.get(action["dimension"], action["dimension"] or ""),
                    action["owner"] or "",
                    display_date(action["due"], report.lang),
                    text["status"].get(action["status"], ""),
                ]
            )
        slide = new_slide(deck, text["actions"])
        add_table(slide, TOP - 0.4, [5.0, 2.4, 1.8, 1.5, 1.4], rows, 13)
