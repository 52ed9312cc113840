"""The report as an Excel workbook (XlsxWriter): one sheet per part — overview, principles,
statements, groups, trend, actions — with native Excel charts and number formats.

It is built from the :class:`reports.release.Release` that the page shows, so it holds exactly the
figures that passed disclosure control there and nothing more: hidden principles and groups stay
empty, statement answers are the merged counts of the page, and no sheet has a row per person.
Scores are stored unrounded and *shown* with one decimal; Excel shows the decimal separator of
the reader's own locale, the labels are in the report's language.
"""

from __future__ import annotations

import io
from typing import Any

from reports.release import Release
from reports.texts import office_texts

__all__ = ["report_xlsx"]


def report_xlsx(report: Release, labels: list[str], actions: list[dict[str, Any]]) -> bytes:
    """The workbook's bytes. ``labels`` are the scale's answer labels in the report's language;
    ``actions`` the round's action plan (dimension, text, owner, due, status)."""
    import xlsxwriter

    text = office_texts(report.lang)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    book.set_properties({"title": f"{report.organisation} — {report.campaign}"})
    formats = {
        "head": book.add_format({"bold": True, "bg_color": "#EDE7F6", "border": 1}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "score": book.add_format({"num_format": "0.0"}),
        "share": book.add_format({"num_format": "0%"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    _overview(book, report, text, formats)
    if report.enough:
        _principles(book, report, text, formats)
        _statements(book, report, text, formats, labels)
        _groups(book, report, text, formats)
        _trend(book, report, text, formats)
    _actions(book, actions, text, formats)
    book.close()
    return buffer.getvalue()


def _table(sheet, row: int, header: list[str], rows: list[list], formats, columns=None) -> int:
    sheet.write_row(row, 0, header, formats["head"])
    for offset, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            style = formats.get((columns or {}).get(col))
            if value is None:
                sheet.write_blank(row + offset, col, None, style)
            else:
                sheet.write(row + offset, col, value, style)
    return row + len(rows)


def _overview(book, report: Release, text, formats) -> None:
    sheet = book.add_worksheet(text["overview"])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 14)
    sheet.write(0, 0, f"{report.organisation} — {report.campaign}", formats["title"])
    sheet.write(2, 0, text["responses"])
    sheet.write(2, 1, report.n_responses)
    if not report.enough:
        sheet.write(4, 0, text["no_figures"])
        return
    if report.overall and report.overall.score is not None:
        sheet.write(3, 0, text["overall"])
        sheet.write(3, 1, report.overall.score, formats["score"])
        sheet.write(4, 0, text["level"])
        sheet.write(4, 1, f'{report.overall.level} {report.overall.level_name or ""}')
    recommendations = [[r.text, r.priority] for r in report.recommendations]
    if recommendations:
        _table(
            sheet, 6, [text["where_to_start"], text["priority"]], recommendations, formats,
            {0: "wrap"},
        )
        sheet.set_column(0, 0, 80)


def _principles(book, report: Release, text, formats) -> None:
    sheet = book.add_worksheet(text["principles"])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 13, 12)
    header = [
        text["principle"], "n", text["score"], text["ci_low"], text["ci_high"], text["level"],
        text["favourable"], text["neutral"], text["unfavourable"], text["dont_know_share"],
        text["alpha"], text["alpha_n"], text["omega"], text["omega_method"],
    ]
    rows = []
    for d in report.dimensions:
        if not d.shown:
            rows.append([d.name, None, None, None, None, text["hidden"], *[None] * 8])
            continue
        low, high = d.ci95 or (None, None)
        method = text["omega_methods"].get(d.omega_method) if d.omega_method else None
        rows.append([
            d.name, d.n, d.score, low, high, d.level,
            d.favourable, d.neutral, d.unfavourable, d.dont_know,
            d.alpha, d.alpha_n, d.omega, method,
        ])
    last = _table(
        sheet, 0, header, rows, formats,
        {2: "score", 3: "score", 4: "score", 6: "share", 7: "share", 8: "share", 9: "share"},
    )
    chart = book.add_chart({"type": "bar"})
    chart.add_series({
        "name": text["score"],
        "categories": [sheet.name, 1, 0, last, 0],
        "values": [sheet.name, 1, 2, last, 2],
        "data_labels": {"value": True, "num_format": "0.0"},
    })
    chart.set_x_axis({"min": 0, "max": 100, "name": text["score"]})
    chart.set_legend({"none": True})
    chart.set_title({"name": text["principles"]})
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def _statements(book, report: Release, text, formats, labels: list[str]) -> None:
    sheet = book.add_worksheet(text["statements"])
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 70)
    header = [
        text["principle"], text["statement"], *labels, text["dont_know"], text["dont_know_share"]
    ]
    rows = []
    for d in report.dimensions:
        for item in d.items if d.shown else ():
            # the page's counts, over the principle's n: answers (and "don't know") given by
            # 1 … k−1 people are merged there already
            rows.append([d.key, item.text, *item.counts[1:], item.counts[0], item.dont_know])
    share = 2 + len(labels) + 1
    _table(sheet, 0, header, rows, formats, {1: "wrap", share: "share"})


def _groups(book, report: Release, text, formats) -> None:
    shown = [d for d in report.dimensions if d.shown]
    sheet = book.add_worksheet(text["groups"])
    sheet.set_column(0, 1, 24)
    row = 0
    for breakdown in report.breakdowns:
        header = [breakdown.label, "n", *[d.name for d in shown]]
        rows = [
            [g.label, g.n, *[g.score_of(d.key).score for d in shown]]
            for g in breakdown.groups
        ]
        columns = {c: "score" for c in range(2, 2 + len(shown))}
        row = _table(sheet, row, header, rows, formats, columns) + 1
        if breakdown.hidden_groups:
            sheet.write(row, 0, text["groups_hidden"].format(n=breakdown.hidden_groups))
            row += 1
        row += 1


def _trend(book, report: Release, text, formats) -> None:
    if not report.trend:
        return
    sheet = book.add_worksheet(text["trend"])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 5, 14)
    names = {d.key: d.name for d in report.dimensions}
    header = [
        text["principle"], report.trend.previous, report.campaign, text["difference"],
        text["ci_low"], text["ci_high"], text["real"],
    ]
    rows = [
        [
            names.get(r.key, r.key), r.before, r.now, r.difference,
            *r.difference_ci95, text["verdicts"][r.verdict],
        ]
        for r in report.trend.dimensions
    ]
    last = _table(sheet, 0, header, rows, formats, {c: "score" for c in range(1, 6)})
    chart = book.add_chart({"type": "column"})
    for col in (1, 2):
        chart.add_series({
            "name": [sheet.name, 0, col],
            "categories": [sheet.name, 1, 0, last, 0],
            "values": [sheet.name, 1, col, last, col],
        })
    chart.set_y_axis({"min": 0, "max": 100})
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6})


def _actions(book, actions: list[dict[str, Any]], text, formats) -> None:
    sheet = book.add_worksheet(text["actions"])
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 4, 16)
    rows = [
        [a["dimension"], a["text"], a["owner"], a["due"], text["status"].get(a["status"], "")]
        for a in actions
    ]
    header = [text["principle"], text["action"], text["owner"], text["due"], text["state"]]
    _table(sheet, 0, header, rows, formats, {1: "wrap"})
