"""A manager's team as an Excel workbook (XlsxWriter): the team's scores against the unit above
and the organisation, its change since the earlier round with what it planned then, the units
under it, where it might start, its actions, its comments, and a sheet that says what is not
shown and why — the team page's content, in its words.

Every figure is a row of the release's audited tree breakdown (:class:`reports.teams.TeamView`)
or the organisation's own score: a score the audit does not publish is a dash, a unit it does
not show is only counted. Scores are stored unrounded and shown with one decimal, as in HR's
workbook (:mod:`reports.workbook`), whose styles and parts this one shares.
"""

from __future__ import annotations

import io
from typing import Any

from reports import charts
from reports.office import as_date, heat_colour
from reports.release import Release
from reports.team_sheets import DIFFERENCE, change_sheet, comments_sheet, pvalue_format
from reports.teams import TeamView
from reports.texts import team_comments_note, team_texts
from reports.workbook_parts import SCORES, base_formats, write_table

__all__ = ["team_xlsx"]

DASH = "–"


def team_xlsx(view: TeamView, report: Release, planned: list[dict[str, Any]]) -> bytes:
    """The workbook's bytes. ``planned`` are the team's actions (team, dimension, text, owner,
    due, status), those of the teams under it included."""
    import xlsxwriter

    text = team_texts(report.lang, report.min_group_size)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    heading = text["team_title"] % {"team": view.name}
    book.set_properties({"title": f"{report.organisation} — {report.campaign} — {heading}"})
    formats = base_formats(book, report.lang) | {
        "difference": book.add_format(DIFFERENCE),
        "bold": book.add_format({"bold": True}),
        "bold_score": book.add_format({**SCORES, "bold": True}),
        "dash": book.add_format({"align": "right"}),
        "pvalue": book.add_format(pvalue_format(report.lang)),
    }
    shown = [d for d in report.dimensions if d.shown] if report.enough else []
    _scores(book, view, report, shown, text, formats, heading)
    if view.change is not None:
        change_sheet(book, view, report, text, formats)
    if view.units or view.hidden_units:
        _units(book, view, report, shown, text, formats)
    if view.recommendations:
        _where_to_start(book, view, report, text, formats)
    _actions(book, view, report, planned, text, formats)
    comments_sheet(book, view, report, text, formats)
    _notes(book, view, report, text, formats)
    for sheet in book.worksheets():  # printed: each sheet one page wide
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
    book.close()
    return buffer.getvalue()


def _scores(book, view: TeamView, report: Release, shown, text, formats, heading) -> None:
    sheet = book.add_worksheet(text["scores"])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 4, 16)
    sheet.write(0, 0, heading, formats["title"])
    sheet.write(1, 0, f"{report.organisation} — {report.campaign}")
    if view.row is None or not shown:
        sheet.write(3, 0, text["team_hidden"] if view.row is None else text["no_figures"])
        return
    columns = [(text["your_team"], view.row)]
    if view.parent is not None:
        columns.append((view.parent.group.rsplit("/", 1)[-1], view.parent))
    header = [text["principle"], *(name for name, _row in columns), text["organisation"]]
    header.append(text["difference"])
    sheet.set_row(3, 30)
    sheet.write_row(3, 0, header, formats["head"])
    sheet.write(4, 0, "n", formats["bold"])
    for col, (_name, row) in enumerate(columns, start=1):
        sheet.write(4, col, row.n, formats["bold"])
    org = len(columns) + 1
    sheet.write(4, org, report.n_responses, formats["bold"])
    complete = True
    for r, dim in enumerate(shown, start=5):
        sheet.write(r, 0, dim.name)
        for col, (_name, row) in enumerate(columns, start=1):
            score = row.score_of(dim.key).score
            if score is None:
                sheet.write(r, col, DASH, formats["dash"])
                complete = False
            else:
                sheet.write(r, col, score, formats["score"])
        sheet.write(r, org, dim.score, formats["score"])
        own = view.row.score_of(dim.key).score
        if own is None:
            sheet.write(r, org + 1, DASH, formats["dash"])
        else:
            sheet.write(r, org + 1, own - dim.score, formats["difference"])
    last = 4 + len(shown)
    sheet.write(last + 2, 0, text["dash"])
    if complete:  # a dash would be drawn as a zero: no chart then, the table says it all
        chart = _chart(book, sheet, columns, org, last, text)
        sheet.insert_chart(last + 4, 0, chart, {"x_scale": 1.6, "y_scale": 1.3})


def _chart(book, sheet, columns, org: int, last: int, text):
    """Bars of the team beside the unit above and the organisation, in the report's colours."""
    chart = book.add_chart({"type": "bar"})
    colours = [charts.FAVOURABLE, charts.LIKERT[3]][: len(columns)] + [charts.NEUTRAL]
    for col, colour in enumerate(colours, start=1):
        chart.add_series(
            {
                "name": [sheet.name, 3, col],
                "categories": [sheet.name, 5, 0, last, 0],
                "values": [sheet.name, 5, col, last, col],
                "fill": {"color": colour},
                "gap": 60,
            }
        )
    chart.set_x_axis({"min": 0, "max": 100, "num_format": "0"})
    chart.set_y_axis({"reverse": True})  # the first principle on top, as in the table
    chart.set_legend({"position": "bottom"})
    chart.set_title({"name": text["scores"], "name_font": {"size": 12}})
    return chart


def _units(book, view: TeamView, report: Release, shown, text, formats) -> None:
    sheet = book.add_worksheet(text["units"])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 1 + len(shown), 16)
    row = 0
    if view.units and shown:
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, [text["team"], "n", *[d.name for d in shown]], formats["head"])
        row = 1  # the organisation's own scores: what each unit's colour is set against
        sheet.write(row, 0, text["organisation"], formats["bold"])
        sheet.write(row, 1, report.n_responses, formats["bold"])
        for col, dim in enumerate(shown, start=2):
            sheet.write(row, col, dim.score, formats["bold_score"])
        heat, indents = {}, {}
        for unit in view.units:
            row += 1
            name, depth = view.unit_label(unit)
            if depth not in indents:
                indents[depth] = book.add_format({"indent": depth})
            sheet.write(row, 0, name, indents[depth])
            sheet.write(row, 1, unit.n)
            for col, dim in enumerate(shown, start=2):
                score = unit.score_of(dim.key).score
                if score is None:
                    sheet.write(row, col, DASH, formats["dash"])
                    continue
                colour = heat_colour(score - dim.score, strength=0.45)  # the number stays readable
                if colour not in heat:
                    heat[colour] = book.add_format({**SCORES, "bg_color": colour})
                sheet.write(row, col, score, heat[colour])
        row += 2
        sheet.write(row, 0, text["units_legend"])
        row += 1
    if view.hidden_units:
        sheet.write(row, 0, text["units_hidden"](view.hidden_units))


def _where_to_start(book, view: TeamView, report: Release, text, formats) -> None:
    sheet = book.add_worksheet(text["team_start"])
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 90)
    names = {d.key: d.name for d in report.dimensions}
    rows = [[names.get(r.dimension, r.dimension), r.text] for r in view.recommendations]
    last = write_table(
        sheet, 0, [text["principle"], text["where_to_start"]], rows, formats, {1: "wrap"}, {1: 95}
    )
    sheet.write(last + 2, 0, text["chosen"])


def _actions(book, view: TeamView, report: Release, planned, text, formats) -> None:
    sheet = book.add_worksheet(text["team_actions"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 5, 16)
    if not planned:
        sheet.write(0, 0, text["no_actions"])
        return
    names = {d.key: d.name for d in report.dimensions}
    rows = [
        [
            names.get(a["dimension"], a["dimension"]),
            a["text"],
            view.name if a["team"] == view.node else a["team"].rsplit("/", 1)[-1],
            a["owner"] or None,
            as_date(a["due"]),
            text["status"].get(a["status"], ""),
        ]
        for a in planned
    ]
    header = [text["principle"], text["action"], text["team"], text["owner"], text["due"],
              text["state"]]  # fmt: skip
    write_table(sheet, 0, header, rows, formats, {1: "wrap", 4: "date"}, {1: 75})


def _notes(book, view: TeamView, report: Release, text, formats) -> None:
    """What the page says beside its figures: what is not shown, and why."""
    sheet = book.add_worksheet(text["notes"])
    sheet.set_column(0, 0, 110)
    lines = [text["about"]]
    if view.row is None:
        lines.append(text["team_hidden"])
    lines.append(text["dash"])
    if view.hidden_units:
        lines.append(text["units_hidden"](view.hidden_units))
    if view.units:
        lines.append(text["units_legend"])
    if view.recommendations:
        lines.append(text["chosen"])
    if view.change is not None:
        lines.append(text["change_notes"][0])
    lines.append(team_comments_note(view, report, text))
    for row, line in enumerate(lines):
        sheet.set_row(row, 15 * max(1, -(-len(line) // 105)))
        sheet.write(row, 0, line, formats["wrap"])
