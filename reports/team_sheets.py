"""The sheets of a manager's team workbook that follow the page's sections "Your team since …"
and "Comments" (``templates/manager/_team_change.html``, ``_team_comments.html``): the team's
change since the earlier round published to managers, beside what it planned then, and the
team's comments as the release publishes them — in the page's words.

The change's figures are those of :func:`reports.teams.team_change` (both rounds' audited rows of
the team, judged as the round's change), stored unrounded as in HR's change sheet
(:func:`reports.comparison_sheets.trend_sheet`). The comments are ``TeamView.comments``, in the
order of HR's list, or the page's sentence saying why none are shown.
"""

from __future__ import annotations

import re

from reports.release import Release
from reports.teams import TeamChange, TeamChangeRow, TeamView
from reports.texts import team_change_notes, team_comments_note
from reports.workbook_parts import SCORES, write_table

__all__ = ["action_lines", "change_sheet", "comments_sheet", "sheet_name"]

DASH = "–"
DIFFERENCE = {"num_format": "+0.0;-0.0;0.0"}
SHEET_NAME = 31  # Excel's longest sheet name


def sheet_name(name: str, taken: list[str]) -> str:
    """``name`` as Excel takes a sheet's name: none of ``[]:*?/\\``, at most 31 characters, no
    ``'`` at either end, and none of ``taken`` (Excel compares them ignoring case)."""
    name = " ".join(re.sub(r"[\[\]:*?/\\]", " ", name).split())[:SHEET_NAME].strip(" '") or "–"
    used = {t.lower() for t in taken}
    candidate, number = name, 1
    while candidate.lower() in used:
        number += 1
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME - len(suffix)] + suffix
    return candidate


def action_lines(row: TeamChangeRow, view: TeamView, text) -> list[str]:
    """What the team planned for the principle in the earlier round, as the page lists it: the
    action, its status and — for a team under the manager's — that team."""
    lines = []
    for action in row.actions:
        about = [text["status"].get(action.status, action.status)]
        if action.team and action.team != view.node:
            about.append(action.team.rsplit("/", 1)[-1])
        lines.append(f"{action.title} ({' · '.join(about)})")
    return lines


def why_not(row: TeamChangeRow, change: TeamChange, text) -> str:
    """Which round did not show the team's score, as the page says it."""
    if row.why == "before":
        return text["not_shown_before"] % {"previous": change.previous}
    return text["not_shown_now"]


def change_sheet(book, view: TeamView, report: Release, text, formats) -> None:
    """Per principle: the team's score then and now, the change with its 95 % interval, the
    verdict and its corrected p-value, and the actions the team planned then."""
    change = view.change
    names = {d.key: d.name for d in report.dimensions}
    title = text["since"] % {"previous": change.previous}
    sheet = book.add_worksheet(sheet_name(title, [s.name for s in book.worksheets()]))
    widths = [28, 12, 12, 12, 12, 12, 30, 14, 60]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write(0, 0, text["since_title"] % {"previous": change.previous}, formats["title"])
    sheet.write(1, 0, f"{report.organisation} — {report.campaign}")
    header = [
        text["principle"], change.previous, text["now"], text["change"], text["ci_low"],
        text["ci_high"], text["matters"], text["p_corrected"], text["planned_then"],
    ]  # fmt: skip
    rows, planned = [], []
    for t in change.dimensions:
        lines = action_lines(t, view, text)
        planned.append(lines)
        scores = [DASH if s is None else s for s in (t.before, t.now)]
        if t.why:
            judged = [DASH, DASH, DASH, why_not(t, change, text), DASH]
        else:
            judged = [t.difference, *t.difference_ci95, text["verdicts"][t.verdict], t.pvalue_bh]
        rows.append([names.get(t.key, t.key), *scores, *judged, "\n".join(lines) or DASH])
    # rows grow with their actions: every cell of a row starts at its top
    top_of = {name: book.add_format({**style, "valign": "top"}) for name, style in (
        ("name", {}), ("score", SCORES), ("difference", DIFFERENCE),
        ("pvalue", pvalue_format(report.lang)), ("wrap", {"text_wrap": True}),
    )}  # fmt: skip
    columns = {0: "name", 1: "score", 2: "score", 3: "difference", 4: "difference",
               5: "difference", 6: "wrap", 7: "pvalue", 8: "wrap"}  # fmt: skip
    top = 3
    sheet.set_row(top, 45)
    last = write_table(sheet, top, header, rows, {**formats, **top_of}, columns)
    for r, (row, lines) in enumerate(zip(rows, planned, strict=True), start=top + 1):
        # a row as high as its longest text: each action its own lines, in a column of 60
        needed = sum(-(-len(line) // 58) for line in lines) if lines else 1
        needed = max(needed, -(-len(str(row[6])) // 28))
        if needed > 1:
            sheet.set_row(r, 15 * needed)
    for offset, note in enumerate(team_change_notes(view.change, text, report.lang), start=2):
        sheet.merge_range(last + offset, 0, last + offset, len(widths) - 1, note, formats["wrap"])
        sheet.set_row(last + offset, 15 * max(1, -(-len(note) // 170)))


def pvalue_format(lang: str) -> dict:
    """A p-value with three decimals, and below 0.001 as ``< 0.001`` (never 0.000), as the
    page writes it; the cell keeps the unrounded value."""
    smallest = "0,001" if lang == "nl" else "0.001"
    return {"num_format": f'[<0.001]"< {smallest}";0.000'}


def comments_sheet(book, view: TeamView, report: Release, text, formats) -> None:
    """The team's comments in the order of HR's list, as the page shows them, or the page's
    sentence saying why there are none."""
    sheet = book.add_worksheet(text["comments"])
    sheet.set_column(0, 0, 110)
    note = team_comments_note(view, report, text)
    if not view.comments:
        sheet.write(0, 0, note, formats["wrap"])
        sheet.set_row(0, 15 * max(1, -(-len(note) // 105)))
        return
    comments = [[c] for c in view.comments]
    last = write_table(sheet, 0, [text["comment"]], comments, formats, {0: "wrap"}, {0: 105})
    sheet.write(last + 2, 0, note, formats["wrap"])
    sheet.set_row(last + 2, 15 * max(1, -(-len(note) // 105)))
