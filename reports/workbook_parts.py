"""The parts the workbook's sheets are made of: tables with styled columns and rows as high as
their text, bar charts in the report's colours (:mod:`reports.charts`), the statements' table
and chart."""

from __future__ import annotations

import math

from reports import charts

__all__ = [
    "SCORES",
    "bar_chart",
    "interval_ends",
    "statement_rows",
    "statement_sheet",
    "write_table",
]

SCORES = {"num_format": "0.0"}


def base_formats(book, lang: str) -> dict:
    """The formats every workbook shares: table heads, titles, scores, dates in the reader's
    way, wrapped text."""
    return {
        "head": book.add_format(
            {"bold": True, "bg_color": "#EDE7F6", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "score": book.add_format(SCORES),
        "date": book.add_format({"num_format": "yyyy-mm-dd" if lang == "en" else "d-m-yyyy"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }


def write_table(sheet, row: int, header, rows, formats, columns=None, wrapped=None) -> int:
    """``rows`` under ``header`` from ``row`` on, styled per column; ``wrapped`` maps a wrapped
    column to its width in characters, so that each row is as high as its longest text needs
    (neither Excel nor LibreOffice grows a written row on opening)."""
    sheet.write_row(row, 0, header, formats["head"])
    for offset, values in enumerate(rows, start=1):
        lines = max(
            (
                math.ceil(len(str(values[col] or "")) / chars)
                for col, chars in (wrapped or {}).items()
            ),
            default=1,
        )
        if lines > 1:
            sheet.set_row(row + offset, 15 * lines)
        for col, value in enumerate(values):
            style = formats.get((columns or {}).get(col))
            if value is None:
                sheet.write_blank(row + offset, col, None, style)
            elif style is formats["date"]:
                sheet.write_datetime(row + offset, col, value, style)
            else:
                sheet.write(row + offset, col, value, style)
    return row + len(rows)


def bar_chart(book, sheet, first: int, last: int, column: int, title: str, percent=False):
    """A horizontal bar chart of one column (names in column 0), in the report's purple."""
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": title,
            "categories": [sheet.name, first, 0, last, 0],
            "values": [sheet.name, first, column, last, column],
            "data_labels": {"value": True, "num_format": "0%" if percent else "0.0"},
            "fill": {"color": charts.FAVOURABLE},
            "gap": 60,
        }
    )
    chart.set_x_axis(
        {"min": 0, **({} if percent else {"max": 100}), "num_format": "0%" if percent else "0"}
    )
    chart.set_y_axis({"reverse": True})  # the first row on top, as in the table
    chart.set_legend({"none": True})
    chart.set_title({"name": title, "name_font": {"size": 12}})
    return chart


def statement_rows(dim):
    for item in dim.items if dim.shown else ():
        # the page's counts, over the principle's n: answers (and "don't know") given by
        # 1 … k−1 people are merged there already
        yield [dim.name, item.text, *item.counts[1:], item.counts[0], item.dont_know]


def statement_sheet(book, sheet, rows, text, formats, labels, top: int = 0) -> None:
    """The statements' answers, and a stacked 100 % chart of them in the report's colours."""
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 2 + len(labels) + 1, 12)
    header = [
        text["principle"],
        text["statement"],
        *labels,
        text["dont_know"],
        text["dont_know_share"],
    ]
    share = 2 + len(labels) + 1
    last = write_table(sheet, top, header, rows, formats, {1: "wrap", share: "share"}, {1: 75})
    if not rows:
        return
    chart = book.add_chart({"type": "bar", "subtype": "percent_stacked"})
    palette = charts.LIKERT if len(labels) == len(charts.LIKERT) else [None] * len(labels)
    for col, colour in enumerate([*palette, "#FFFFFF"], start=2):
        chart.add_series(
            {
                "name": [sheet.name, top, col],
                "categories": [sheet.name, top + 1, 1, last, 1],
                "values": [sheet.name, top + 1, col, last, col],
                **({"fill": {"color": colour}} if colour else {}),
                "border": {"color": charts.NEUTRAL if colour == "#FFFFFF" else "#FFFFFF"},
                "gap": 50,
            }
        )
    chart.set_y_axis({"reverse": True, "num_font": {"size": 8}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 1000, "height": 60 + 34 * len(rows)})
    sheet.insert_chart(last + 2, 1, chart)


def interval_ends(interval, scale: float = 1.0) -> list:
    if not interval or interval[0] is None or interval[1] is None:
        return [None, None]
    return [interval[0] / scale, interval[1] / scale]
