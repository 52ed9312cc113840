"""The report as an Excel workbook (XlsxWriter): one sheet per part — overview, principles,
statements, groups, change, advocacy, drivers, benchmark, comments, actions — with native Excel
charts, number formats and dates.

It is built from the :class:`reports.release.Release` that the page shows, so it holds exactly the
figures that passed disclosure control there and nothing more: hidden principles and groups stay
empty, statement answers are the merged counts of the page, comments are those the page shows in
its order, and no sheet has a row per person. Scores are stored unrounded and *shown* with one
decimal; Excel shows the decimal separator of the reader's own locale, the labels are in the
report's language.
"""

from __future__ import annotations

import io
from typing import Any

from reports.comparison_sheets import benchmark_sheet, drivers_sheet, trend_sheet
from reports.office import as_date, heat_colour
from reports.release import Release
from reports.texts import office_texts
from reports.workbook_parts import (
    SCORES,
    bar_chart,
    base_formats,
    statement_rows,
    statement_sheet,
    write_table,
)

__all__ = ["report_xlsx"]


def report_xlsx(report: Release, labels: list[str], actions: list[dict[str, Any]]) -> bytes:
    """The workbook's bytes. ``labels`` are the scale's answer labels in the report's language;
    ``actions`` the round's action plan (dimension, text, owner, due, status)."""
    import xlsxwriter

    text = office_texts(report.lang)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    book.set_properties({"title": f"{report.organisation} — {report.campaign}"})
    formats = base_formats(book, report.lang) | {
        "priority": book.add_format({"num_format": "0.00"}),
        "share": book.add_format({"num_format": "0%"}),
        "r": book.add_format({"num_format": "0.00"}),
    }
    names = {d.key: d.name for d in report.dimensions}
    _overview(book, report, text, formats, names)
    if report.enough:
        _principles(book, report, text, formats)
        _statements(book, report, text, formats, labels)
        _groups(book, report, text, formats)
        trend_sheet(book, report, text, formats, names)
        _advocacy(book, report, text, formats, labels)
        drivers_sheet(book, report, text, formats, names)
        benchmark_sheet(book, report, text, formats, names)
        _comments(book, report, text, formats)
    _actions(book, actions, text, formats, names)
    book.close()
    return buffer.getvalue()


def _overview(book, report: Release, text, formats, names) -> None:
    sheet = book.add_worksheet(text["overview"])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 14)
    sheet.write(0, 0, f"{report.organisation} — {report.campaign}", formats["title"])
    sheet.write(2, 0, text["responses"])
    # the figures beside their labels: the column is wide for the recommendations below
    left = book.add_format({"align": "left"})
    sheet.write(2, 1, report.n_responses, left)
    if not report.enough:
        sheet.write(4, 0, text["no_figures"])
        return
    if report.overall and report.overall.score is not None:
        sheet.write(3, 0, text["overall"])
        sheet.write(3, 1, report.overall.score, book.add_format({**SCORES, "align": "left"}))
        sheet.write(4, 0, text["level"])
        level = report.overall
        name = text["level_names"].get(level.level_name, level.level_name)
        sheet.write(4, 1, f"{level.level} · {name}" if name else level.level, left)
    recommendations = [
        [names.get(r.dimension, r.dimension), r.text, r.priority] for r in report.recommendations
    ]
    if recommendations:
        header = [text["principle"], text["where_to_start"], text["priority"]]
        write_table(sheet, 6, header, recommendations, formats, {1: "wrap", 2: "priority"}, {1: 85})
        sheet.set_column(1, 1, 80)


def _principles(book, report: Release, text, formats) -> None:
    sheet = book.add_worksheet(text["principles"])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 13, 12)
    sheet.set_row(0, 45)
    header = [
        text["principle"],
        "n",
        text["score"],
        text["ci_low"],
        text["ci_high"],
        text["level"],
        text["favourable"],
        text["neutral"],
        text["unfavourable"],
        text["dont_know_share"],
        text["alpha"],
        text["alpha_n"],
        text["omega"],
        text["omega_method"],
    ]
    rows = []
    for d in report.dimensions:
        if not d.shown:
            rows.append([d.name, None, None, None, None, text["hidden"], *[None] * 8])
            continue
        low, high = d.ci95 or (None, None)
        method = text["omega_methods"].get(d.omega_method) if d.omega_method else None
        rows.append(
            [
                d.name,
                d.n,
                d.score,
                low,
                high,
                d.level,
                d.favourable,
                d.neutral,
                d.unfavourable,
                d.dont_know,
                d.alpha,
                d.alpha_n,
                d.omega,
                method,
            ]
        )
    last = write_table(
        sheet,
        0,
        header,
        rows,
        formats,
        {
            2: "score",
            3: "score",
            4: "score",
            6: "share",
            7: "share",
            8: "share",
            9: "share",
            10: "r",
            12: "r",
        },
    )
    chart = bar_chart(book, sheet, 1, last, 2, text["score"])
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def _statements(book, report: Release, text, formats, labels: list[str]) -> None:
    sheet = book.add_worksheet(text["statements"])
    rows = [row for d in report.dimensions for row in statement_rows(d)]
    statement_sheet(book, sheet, rows, text, formats, labels)


def _groups(book, report: Release, text, formats) -> None:
    shown = [d for d in report.dimensions if d.shown]
    sheet = book.add_worksheet(text["groups"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 1 + len(shown), 16)
    heat = {}
    bold, bold_score = book.add_format({"bold": True}), book.add_format({**SCORES, "bold": True})
    row = 0
    for breakdown in report.breakdowns:
        segment = breakdown.label or text["segment_names"].get(breakdown.key, breakdown.key)
        header = [segment, "n", *[d.name for d in shown]]
        sheet.write_row(row, 0, header, formats["head"])
        row += 1  # the organisation's own scores: what each group's colour is set against
        sheet.write(row, 0, text["organisation"], bold)
        sheet.write(row, 1, report.n_responses, bold)
        for col, dim in enumerate(shown, start=2):
            sheet.write(row, col, dim.score, bold_score)
        for group in breakdown.groups:
            row += 1
            sheet.write(row, 0, group.label)
            sheet.write(row, 1, group.n)
            for col, dim in enumerate(shown, start=2):
                score = group.score_of(dim.key).score
                if score is None:
                    sheet.write(row, col, "–")
                    continue
                colour = heat_colour(score - dim.score, strength=0.45)  # the number stays readable
                if colour not in heat:
                    heat[colour] = book.add_format({**SCORES, "bg_color": colour})
                sheet.write(row, col, score, heat[colour])
        row += 1
        if breakdown.hidden_groups:
            sheet.write(row, 0, text["groups_hidden"].format(n=breakdown.hidden_groups))
            row += 1
        row += 1
    if report.breakdowns:
        sheet.write(row, 0, text["heat_legend"])


def _advocacy(book, report: Release, text, formats, labels) -> None:
    outcome = report.outcome
    if not outcome or not outcome.shown:
        return
    sheet = book.add_worksheet(text["advocacy"])
    sheet.write(0, 0, text["advocacy"], formats["title"])
    low, high = outcome.ci95 or (None, None)
    figures = [
        ("n", outcome.n, None),
        (text["score"], outcome.score, "score"),
        (text["ci_low"], low, "score"),
        (text["ci_high"], high, "score"),
        (text["favourable"], outcome.favourable, "share"),
        (text["unfavourable"], outcome.unfavourable, "share"),
    ]
    for row, (label, value, style) in enumerate(figures, start=1):
        sheet.write(row, 0, label)
        if value is not None:
            sheet.write(row, 1, value, formats.get(style))
    rows = list(statement_rows(outcome))
    statement_sheet(book, sheet, rows, text, formats, labels, top=len(figures) + 2)


def _comments(book, report: Release, text, formats) -> None:
    if not report.comments:
        return
    sheet = book.add_worksheet(text["comments"])
    sheet.set_column(0, 0, 100)
    comments = [[c] for c in report.comments]
    write_table(sheet, 0, [text["comment"]], comments, formats, {0: "wrap"}, {0: 105})


def _actions(book, actions: list[dict[str, Any]], text, formats, names) -> None:
    sheet = book.add_worksheet(text["actions"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 4, 16)
    rows = [
        [
            names.get(a["dimension"], a["dimension"]),
            a["text"],
            a["owner"],
            as_date(a["due"]),
            text["status"].get(a["status"], ""),
        ]
        for a in actions
    ]
    header = [text["principle"], text["action"], text["owner"], text["due"], text["state"]]
    write_table(sheet, 0, header, rows, formats, {1: "wrap", 3: "date"})
