"""The deck's slides that set the round against something: the last round (change), the
organisation (groups), advocacy (drivers) and other organisations (benchmark)."""

from __future__ import annotations

from reports import charts
from reports.numbers import number, percent
from reports.office import heat_colour
from reports.release import Release
from reports.slide_parts import (
    BOTTOM,
    CONTENT_WIDTH,
    MARGIN,
    MUTED,
    ROWS_PER_SLIDE,
    TOP,
    add_table,
    interval_text,
    level_text,
    new_slide,
    rgb,
    score_text,
    statement_chart,
    textbox,
)

__all__ = ["benchmark_slide", "change_slide", "drivers_slide", "heatmap_slides"]


def change_slide(deck, report: Release, text) -> None:
    trend, lang = report.trend, report.lang
    names = {d.key: d.name for d in report.dimensions}
    rows = [
        [
            text["principle"],
            text["before"],
            text["now"],
            f"{text['change']} ({text['interval']})",
            text["matters"],
        ]
    ]
    for row in trend.dimensions:
        change = score_text(row.difference, lang, sign=True)
        low, high = row.difference_ci95 or (None, None)
        if low is not None:
            change += f" ({interval_text(low, high, lang, text, sign=True)})"
        rows.append(
            [
                names.get(row.key, row.key),
                score_text(row.before, lang),
                score_text(row.now, lang),
                change,
                text["verdicts"][row.verdict],
            ]
        )
    slide = new_slide(deck, text["change_since"] % {"previous": trend.previous})
    table = add_table(slide, TOP - 0.4, [3.4, 1.4, 1.4, 3.2, 2.7], rows, 15)
    for r, row in enumerate(trend.dimensions, start=1):
        if row.verdict in ("important", "possibly important"):
            colour = charts.FAVOURABLE if (row.difference or 0) > 0 else charts.UNFAVOURABLE
            for c in (3, 4):
                for run in table.cell(r, c).text_frame.paragraphs[0].runs:
                    run.font.bold = True
                    run.font.color.rgb = rgb(colour)


def heat_cell(cell, difference: float) -> None:
    """A table cell coloured by its difference from the organisation, as the page's heatmap;
    white text on the strong colours."""
    cell.fill.fore_color.rgb = rgb(heat_colour(difference))
    strong = abs(difference) >= 0.6 * charts.HEAT_RANGE
    for run in cell.text_frame.paragraphs[0].runs:
        run.font.color.rgb = rgb("#FFFFFF" if strong else charts.INK)


def heat_table(slide, report: Release, shown, heading: str, organisation: str, groups, names):
    """Groups' scores per principle (a dash where not shown) under the organisation's own row,
    which is bold; each score coloured by its difference from the organisation's."""
    width = (CONTENT_WIDTH - 3.2 - 0.9) / len(shown)
    rows = [
        [heading, "n", *[d.name for d in shown]],
        [organisation, str(report.n_responses), *[score_text(d.score, report.lang) for d in shown]],
    ]
    for name, group in zip(names, groups, strict=True):
        scores = [group.score_of(d.key).score for d in shown]
        cells = [score_text(s, report.lang) if s is not None else "–" for s in scores]
        rows.append([name, str(group.n), *cells])
    table = add_table(slide, TOP - 0.4, [3.2, 0.9, *[width] * len(shown)], rows, 13)
    for cell in table.rows[1].cells:  # what every cell below is set against
        for run in cell.text_frame.paragraphs[0].runs:
            run.font.bold = True
    for r, group in enumerate(groups, start=2):
        for c, dim in enumerate(shown, start=2):
            score = group.score_of(dim.key).score
            if score is not None and dim.score is not None:
                heat_cell(table.cell(r, c), score - dim.score)
    return table


def heatmap_slides(deck, report: Release, breakdown, text) -> None:
    shown = [d for d in report.dimensions if d.shown]
    if not breakdown.groups or not shown:
        return
    segment = breakdown.label or text["segment_names"].get(breakdown.key, breakdown.key)
    heading = text["by_segment"] % {"segment": segment.lower()}
    groups = list(breakdown.groups)
    per_slide = ROWS_PER_SLIDE - 1  # under the organisation's own row
    for start in range(0, len(groups), per_slide):
        chunk = groups[start : start + per_slide]
        slide = new_slide(deck, heading)
        heat_table(slide, report, shown, segment, text["organisation"], chunk,
                   [group.label for group in chunk])  # fmt: skip
        notes = [text["heat_legend"]]
        if breakdown.hidden_groups and start + per_slide >= len(groups):
            notes.append(text["groups_hidden"].format(n=breakdown.hidden_groups))
        textbox(slide, MARGIN, BOTTOM - 0.7, CONTENT_WIDTH, 0.7, notes, 12, MUTED)


def drivers_slide(deck, report: Release, text, labels: list[str]) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
    from pptx.util import Inches, Pt

    outcome, lang = report.outcome, report.lang
    heading = f"{text['advocacy']}: {score_text(outcome.score, lang)}"
    drivers = report.drivers
    if not drivers or not drivers.principles:
        slide = new_slide(deck, heading, level_text(outcome, text))
        if outcome.items:
            statement_chart(slide, outcome.items, text, labels, TOP, BOTTOM - TOP - 0.45)
            textbox(slide, MARGIN, BOTTOM - 0.4, CONTENT_WIDTH, 0.4, text["colours"], 12, MUTED)
        return
    slide = new_slide(deck, heading, text["drivers"])
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
        point.format.fill.fore_color.rgb = rgb(
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
    add_table(slide, TOP, [2.0, 1.1, 1.4, 1.4], rows, 12, left=6.8)  # right of the chart


def benchmark_slide(deck, report: Release, text) -> None:
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
            "d": score_text(row.difference, lang, sign=True)
        }
        rows.append(
            [
                dim.name if dim else row.key,
                score_text(dim.score if dim else None, lang),
                with_interval(row.percentile, row.percentile_ci95, 0),
                with_interval(row.median, row.median_ci95),
                with_interval(row.top25, row.top25_ci95),
                verdict,
            ]
        )
    subtitle = f"{text['organisations']}: {benchmark.organisations}"
    slide = new_slide(deck, text["benchmark"], subtitle)
    table = add_table(slide, TOP, [2.9, 1.5, 1.9, 1.9, 1.9, 2.0], rows, 13)
    for r, row in enumerate(benchmark.dimensions, start=1):
        if row.verdict in ("above", "below"):
            colour = charts.FAVOURABLE if row.verdict == "above" else charts.UNFAVOURABLE
            for run in table.cell(r, 5).text_frame.paragraphs[0].runs:
                run.font.bold = True
                run.font.color.rgb = rgb(colour)
