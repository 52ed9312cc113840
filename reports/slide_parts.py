"""The parts the deck's slides are made of: a slide with its title and subtitle, text boxes,
tables and the statements' chart, placed inside the 16:9 slide (13.333 × 7.5 inches) in the
report's colours (:mod:`reports.charts`)."""

from __future__ import annotations

import textwrap

from reports import charts
from reports.numbers import number

__all__ = [
    "add_table",
    "interval_text",
    "level_text",
    "new_slide",
    "place",
    "rgb",
    "score_text",
    "statement_chart",
    "statement_label",
    "textbox",
    "write",
]

SLIDE_WIDTH, SLIDE_HEIGHT = 13.333, 7.5  # inches
MARGIN = 0.6
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
TOP = 1.9  # below the title and its subtitle
BOTTOM = SLIDE_HEIGHT - 0.35
ROWS_PER_SLIDE = 10
MUTED = "#4a525c"


def rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def place(shape, left: float, top: float, width: float, height: float) -> None:
    from pptx.util import Inches

    shape.left, shape.top = Inches(left), Inches(top)
    shape.width, shape.height = Inches(width), Inches(height)


def write(frame, lines, size: int, colour: str = charts.INK, bold: bool = False) -> None:
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
            run.font.color.rgb = rgb(colour)


def textbox(slide, left, top, width, height, lines, size=16, colour=charts.INK):
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    write(box.text_frame, lines, size, colour)
    return box


def new_slide(deck, heading: str, subtitle: str | None = None):
    """A slide with its title on top and, below it and clear of it, a subtitle."""
    from pptx.enum.text import MSO_ANCHOR

    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    title = slide.shapes.title
    place(title, MARGIN, 0.3, CONTENT_WIDTH, 0.9)
    title.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    write(title.text_frame, heading, 30 if len(heading) <= 60 else 24, bold=True)
    title.text_frame.paragraphs[0].alignment = 1  # left
    if subtitle:
        textbox(slide, MARGIN, 1.25, CONTENT_WIDTH, 0.55, subtitle, 15, MUTED)
    return slide


def score_text(value, lang: str, sign: bool = False) -> str:
    return number(value, 1, lang, sign)


def level_text(dim, text) -> str:
    """ "Level 3 · Defined", with the level's name in the report's language."""
    if dim.level is None:
        return ""
    name = text["level_names"].get(dim.level_name, dim.level_name)
    return " · ".join(filter(None, (text["level_n"] % {"n": dim.level}, name)))


def interval_text(low, high, lang: str, text, sign: bool = False) -> str:
    if low is None or high is None:
        return ""
    return f"{score_text(low, lang, sign)} {text['to']} {score_text(high, lang, sign)}"


def add_table(slide, top, widths: list[float], rows: list[list[str]], size=13, left=MARGIN):
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
            write(cell.text_frame, str(value), size, "#FFFFFF" if r == 0 else charts.INK, r == 0)
            if r == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = rgb(charts.FAVOURABLE)
            else:
                cell.fill.solid()
                cell.fill.fore_color.rgb = rgb("#FFFFFF" if r % 2 else "#F3F1F7")
    return table


def statement_label(item, text) -> str:
    """The statement's text in at most three lines of the chart's axis."""
    words = item.text + (f" {text['reverse']}" if item.reverse else "")
    lines = textwrap.wrap(words, 58)
    if len(lines) > 3:
        lines = lines[:3]
        lines[2] = textwrap.shorten(lines[2], 55, placeholder="") + " …"
    return "\n".join(lines)


def statement_chart(slide, items, text, labels, top: float, height: float) -> None:
    """Stacked 100 % bars of the statements' answers as given, each part coloured by what it
    means: for a reverse-keyed statement agreeing is orange (unfavourable)."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    data = CategoryChartData(number_format="0")
    # a bar chart draws its first category at the bottom: reversed, the first statement is on top
    shown = list(reversed(items))
    data.categories = [statement_label(item, text) for item in shown]
    palette = charts.likert_palette(len(labels))
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
        series.format.fill.fore_color.rgb = rgb(colour)
        series.format.line.color.rgb = rgb("#FFFFFF" if s < len(labels) else charts.NEUTRAL)
        for p, item in enumerate(shown):
            if item.reverse and s < len(labels):
                point = series.points[p]
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = rgb(palette[len(labels) - 1 - s])
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.font.size = Pt(11)
    chart.font.color.rgb = rgb(charts.INK)
