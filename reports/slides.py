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
import textwrap
from typing import Any

from reports import charts
from reports.numbers import number, percent
from reports.office import blend, display_date, heat_colour
from reports.release import Principle, Release
from reports.texts import office_texts

__all__ = ["report_pptx"]

SLIDE_WIDTH, SLIDE_HEIGHT = 13.333, 7.5  # inches
MARGIN = 0.6
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
TOP = 1.9  # below the title and its subtitle
BOTTOM = SLIDE_HEIGHT - 0.35
ROWS_PER_SLIDE = 10
MUTED = "#4a525c"


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
            _change(deck, report, text)
        for dim in report.dimensions:
            _principle(deck, report, dim, text, labels)
        for breakdown in report.breakdowns:
            _heatmap(deck, report, breakdown, text)
        if report.outcome and report.outcome.shown:
            _drivers(deck, report, text, labels)
        if report.benchmark and report.benchmark.dimensions:
            _benchmark(deck, report, text)
        _where_to_start(deck, report, text)
    _actions(deck, report, actions, text)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def _place(shape, left: float, top: float, width: float, height: float) -> None:
    from pptx.util import Inches

    shape.left, shape.top = Inches(left), Inches(top)
    shape.width, shape.height = Inches(width), Inches(height)


def _write(frame, lines, size: int, colour: str = charts.INK, bold: bool = False) -> None:
    """``lines`` into a text frame, one paragraph each, wrapped inside the frame."""
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Pt

    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    lines = [lines] if isinstance(lines, str) else list(lines)
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = _rgb(colour)


def _textbox(slide, left, top, width, height, lines, size=16, colour=charts.INK):
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    _write(box.text_frame, lines, size, colour)
    return box


def _slide(deck, heading: str, subtitle: str | None = None):
    """A slide with its title on top and, below it and clear of it, a subtitle."""
    from pptx.enum.text import MSO_ANCHOR

    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    title = slide.shapes.title
    _place(title, MARGIN, 0.3, CONTENT_WIDTH, 0.9)
    title.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    _write(title.text_frame, heading, 30 if len(heading) <= 60 else 24, bold=True)
    title.text_frame.paragraphs[0].alignment = 1  # left
    if subtitle:
        _textbox(slide, MARGIN, 1.25, CONTENT_WIDTH, 0.55, subtitle, 15, MUTED)
    return slide


def _number(value, lang: str, sign: bool = False) -> str:
    return number(value, 1, lang, sign)


def _level(dim, text) -> str:
    """ "Level 3 · Defined", with the level's name in the report's language."""
    if dim.level is None:
        return ""
    name = text["level_names"].get(dim.level_name, dim.level_name)
    return " · ".join(filter(None, (text["level_n"] % {"n": dim.level}, name)))


def _interval(low, high, lang: str, text, sign: bool = False) -> str:
    if low is None or high is None:
        return ""
    return f"{_number(low, lang, sign)} {text['to']} {_number(high, lang, sign)}"


def _title_slide(deck, report: Release, text) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    _place(title, 0.9, 2.0, SLIDE_WIDTH - 1.8, 1.8)
    _place(subtitle, 0.9, 4.0, SLIDE_WIDTH - 1.8, 1.2)
    _write(title.text_frame, f"{text['title']}: {report.organisation}", 40, bold=True)
    _write(
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
        heading += f": {_number(overall.score, report.lang)}"
        subtitle = _level(overall, text)
        low, high = overall.ci95 or (None, None)
        if low is not None:
            subtitle += f" · {text['interval']} {_interval(low, high, report.lang, text)}"
    slide = _slide(deck, heading, subtitle)
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
        series.format.line.color.rgb = _rgb(colour)
        series.format.line.width = Pt(2.25)
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = _rgb(colour)
        series.marker.format.line.color.rgb = _rgb(colour)
        series.smooth = False
    chart.has_legend = bool(medians)
    if medians:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    axis = chart.value_axis
    axis.minimum_scale, axis.maximum_scale = 0, 100
    chart.font.size = Pt(12)
    chart.font.color.rgb = _rgb(charts.INK)


def _table(slide, top, widths: list[float], rows: list[list[str]], size=13, left=MARGIN):
    """A table of ``rows`` (the first its header) exactly ``sum(widths)`` inches wide."""
    from pptx.util import Inches

    height = min(0.45 * len(rows), BOTTOM - top)
    shape = slide.shapes.add_table(
        len(rows), len(widths), Inches(left), Inches(top), Inches(sum(widths)), Inches(height)
    )
    table = shape.table
    for col, width in enumerate(widths):
        table.columns[col].width = Inches(width)
    for row in table.rows:
        row.height = Inches(height / len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.08)
            _write(cell.text_frame, str(value), size, "#FFFFFF" if r == 0 else charts.INK, r == 0)
            if r == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(charts.FAVOURABLE)
            else:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb("#FFFFFF" if r % 2 else "#F3F1F7")
    return table


def _change(deck, report: Release, text) -> None:
    trend, lang = report.trend, report.lang
    names = {d.key: d.name for d in report.dimensions}
    rows = [
        [
            text["principle"],
            text["before"],
            text["now"],
            f"{text['change']} ({text['interval']})",
            text["real"],
        ]
    ]
    for row in trend.dimensions:
        change = _number(row.difference, lang, sign=True)
        low, high = row.difference_ci95 or (None, None)
        if low is not None:
            change += f" ({_interval(low, high, lang, text, sign=True)})"
        rows.append(
            [
                names.get(row.key, row.key),
                _number(row.before, lang),
                _number(row.now, lang),
                change,
                text["verdicts"][row.verdict],
            ]
        )
    slide = _slide(deck, text["change_since"] % {"previous": trend.previous})
    table = _table(slide, TOP - 0.4, [3.4, 1.4, 1.4, 3.2, 2.7], rows, 15)
    for r, row in enumerate(trend.dimensions, start=1):
        if row.verdict in ("important", "possibly important"):
            colour = charts.FAVOURABLE if (row.difference or 0) > 0 else charts.UNFAVOURABLE
            for c in (3, 4):
                for run in table.cell(r, c).text_frame.paragraphs[0].runs:
                    run.font.bold = True
                    run.font.color.rgb = _rgb(colour)


def _statement_label(item, text) -> str:
    """The statement's text in at most three lines of the chart's axis."""
    words = item.text + (f" {text['reverse']}" if item.reverse else "")
    lines = textwrap.wrap(words, 58)
    if len(lines) > 3:
        lines = lines[:3]
        lines[2] = textwrap.shorten(lines[2], 55, placeholder="") + " …"
    return "\n".join(lines)


def _palette(points: int) -> list[str]:
    if points == len(charts.LIKERT):
        return list(charts.LIKERT)
    return [
        blend(charts.UNFAVOURABLE, charts.FAVOURABLE, i / max(points - 1, 1)) for i in range(points)
    ]


def _principle(deck, report: Release, dim: Principle, text, labels: list[str]) -> None:
    if not dim.shown:
        slide = _slide(deck, dim.name)
        _textbox(slide, MARGIN, TOP, CONTENT_WIDTH, 1, text["hidden"], 18)
        return
    low, high = dim.ci95 or (None, None)
    subtitle = [_level(dim, text), f"n = {dim.n}"]
    if low is not None:
        subtitle.append(f"{text['interval']} {_interval(low, high, report.lang, text)}")
    slide = _slide(deck, f"{dim.name}: {_number(dim.score, report.lang)}", " · ".join(subtitle))
    if dim.items:
        _statement_chart(slide, dim.items, text, labels, TOP, BOTTOM - TOP - 0.45)
        _textbox(slide, MARGIN, BOTTOM - 0.4, CONTENT_WIDTH, 0.4, text["colours"], 12, MUTED)


def _statement_chart(slide, items, text, labels, top: float, height: float) -> None:
    """Stacked 100 % bars of the statements' answers as given, each part coloured by what it
    means: for a reverse-keyed statement agreeing is orange (unfavourable)."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    data = CategoryChartData(number_format="0")
    # a bar chart draws its first category at the bottom: reversed, the first statement is on top
    shown = list(reversed(items))
    data.categories = [_statement_label(item, text) for item in shown]
    palette = _palette(len(labels))
    for position, label in enumerate(labels, start=1):
        data.add_series(label, [item.counts[position] for item in shown])
    dont_know = any(item.counts[0] for item in shown)
    if dont_know:
        data.add_series(text["dont_know"], [item.counts[0] for item in shown])
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_STACKED_100,
        Inches(MARGIN),
        Inches(top),
        Inches(CONTENT_WIDTH),
        Inches(height),
        data,
    )
    chart = frame.chart
    plot = chart.plots[0]
    plot.gap_width = 60
    for s, series in enumerate(plot.series):
        colour = palette[s] if s < len(labels) else "#FFFFFF"
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(colour)
        series.format.line.color.rgb = _rgb("#FFFFFF" if s < len(labels) else charts.NEUTRAL)
        for p, item in enumerate(shown):
            if item.reverse and s < len(labels):
                point = series.points[p]
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = _rgb(palette[len(labels) - 1 - s])
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.font.size = Pt(11)
    chart.font.color.rgb = _rgb(charts.INK)


def _heatmap(deck, report: Release, breakdown, text) -> None:
    shown = [d for d in report.dimensions if d.shown]
    if not breakdown.groups or not shown:
        return
    segment = breakdown.label or text["segment_names"].get(breakdown.key, breakdown.key)
    heading = text["by_segment"] % {"segment": segment.lower()}
    width = (CONTENT_WIDTH - 3.2 - 0.9) / len(shown)
    groups = list(breakdown.groups)
    for start in range(0, len(groups), ROWS_PER_SLIDE):
        chunk = groups[start : start + ROWS_PER_SLIDE]
        slide = _slide(deck, heading)
        rows = [[segment, "n", *[d.name for d in shown]]]
        for group in chunk:
            scores = [group.score_of(d.key).score for d in shown]
            rows.append(
                [
                    group.label,
                    str(group.n),
                    *[_number(s, report.lang) if s is not None else "–" for s in scores],
                ]
            )
        table = _table(slide, TOP - 0.4, [3.2, 0.9, *[width] * len(shown)], rows, 13)
        for r, group in enumerate(chunk, start=1):
            for c, dim in enumerate(shown, start=2):
                score = group.score_of(dim.key).score
                if score is None or dim.score is None:
                    continue
                cell = table.cell(r, c)
                difference = score - dim.score
                cell.fill.fore_color.rgb = _rgb(heat_colour(difference))
                strong = abs(difference) >= 0.6 * charts.HEAT_RANGE
                for run in cell.text_frame.paragraphs[0].runs:
                    run.font.color.rgb = _rgb("#FFFFFF" if strong else charts.INK)
        notes = [text["heat_legend"]]
        if breakdown.hidden_groups and start + ROWS_PER_SLIDE >= len(groups):
            notes.append(text["groups_hidden"].format(n=breakdown.hidden_groups))
        _textbox(slide, MARGIN, BOTTOM - 0.7, CONTENT_WIDTH, 0.7, notes, 12, MUTED)


def _drivers(deck, report: Release, text, labels: list[str]) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
    from pptx.util import Inches, Pt

    outcome, lang = report.outcome, report.lang
    heading = f"{text['advocacy']}: {_number(outcome.score, lang)}"
    drivers = report.drivers
    if not drivers or not drivers.principles:
        slide = _slide(deck, heading, _level(outcome, text))
        if outcome.items:
            _statement_chart(slide, outcome.items, text, labels, TOP, BOTTOM - TOP - 0.45)
            _textbox(slide, MARGIN, BOTTOM - 0.4, CONTENT_WIDTH, 0.4, text["colours"], 12, MUTED)
        return
    slide = _slide(deck, heading, text["drivers"])
    names = {d.key: d.name for d in report.dimensions}
    weights = list(reversed(drivers.principles))  # the strongest on top
    data = CategoryChartData(number_format="0%")
    data.categories = [names.get(w.key, w.key) for w in weights]
    data.add_series(text["share"], [w.share for w in weights])
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        Inches(MARGIN),
        Inches(TOP),
        Inches(5.9),
        Inches(BOTTOM - TOP),
        data,
    )
    chart = frame.chart
    chart.has_legend = chart.has_title = False
    chart.font.size = Pt(12)
    plot = chart.plots[0]
    plot.gap_width = 50
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = "0%", False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    chart.value_axis.minimum_scale = 0
    chart.value_axis.tick_labels.number_format = "0%"
    chart.value_axis.tick_labels.number_format_is_linked = False
    for p, weight in enumerate(weights):
        point = plot.series[0].points[p]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(
            charts.FAVOURABLE if weight.beyond_chance else charts.NEUTRAL
        )
    rows = [[text["principle"], text["share"], text["interval"], text["beyond_chance"]]]
    for weight in drivers.principles:
        span = ""
        if weight.share_low is not None and weight.share_high is not None:
            span = f"{percent(weight.share_low, lang)}–{percent(weight.share_high, lang)}"
        rows.append(
            [
                names.get(weight.key, weight.key),
                percent(weight.share, lang),
                span,
                text["yes"] if weight.beyond_chance else text["not_clearly"],
            ]
        )
    _table(slide, TOP, [2.0, 1.1, 1.4, 1.4], rows, 12, left=6.8)  # right of the chart


def _benchmark(deck, report: Release, text) -> None:
    benchmark, lang = report.benchmark, report.lang
    names = {d.key: d for d in report.dimensions}
    rows = [
        [
            text["principle"],
            text["score"],
            text["percentile"],
            text["median"],
            text["top25"],
            text["against_median"],
        ]
    ]

    def with_interval(value, interval, digits=1):
        shown = number(value, digits, lang)
        if interval and interval[0] is not None and interval[1] is not None:
            shown += f" ({number(interval[0], digits, lang)}–{number(interval[1], digits, lang)})"
        return shown

    for row in benchmark.dimensions:
        dim = names.get(row.key)
        verdict = text["benchmark_verdicts"][row.verdict] % {
            "d": _number(row.difference, lang, sign=True)
        }
        rows.append(
            [
                dim.name if dim else row.key,
                _number(dim.score if dim else None, lang),
                with_interval(row.percentile, row.percentile_ci95, 0),
                with_interval(row.median, row.median_ci95),
                with_interval(row.top25, row.top25_ci95),
                verdict,
            ]
        )
    subtitle = f"{text['organisations']}: {benchmark.organisations}"
    slide = _slide(deck, text["benchmark"], subtitle)
    table = _table(slide, TOP, [2.9, 1.5, 1.9, 1.9, 1.9, 2.0], rows, 13)
    for r, row in enumerate(benchmark.dimensions, start=1):
        if row.verdict in ("above", "below"):
            colour = charts.FAVOURABLE if row.verdict == "above" else charts.UNFAVOURABLE
            for run in table.cell(r, 5).text_frame.paragraphs[0].runs:
                run.font.bold = True
                run.font.color.rgb = _rgb(colour)


def _where_to_start(deck, report: Release, text) -> None:
    if not report.recommendations:
        return
    slide = _slide(deck, text["where_to_start"])
    names = {d.key: d.name for d in report.dimensions}
    lines = [
        f"{i}. {names.get(r.dimension, r.dimension)}: {r.text}"
        for i, r in enumerate(report.recommendations, start=1)
    ]
    box = _textbox(slide, MARGIN, TOP - 0.3, CONTENT_WIDTH, BOTTOM - TOP + 0.3, lines, 18)
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
        slide = _slide(deck, text["actions"])
        _table(slide, TOP - 0.4, [5.0, 2.4, 1.8, 1.5, 1.4], rows, 13)
