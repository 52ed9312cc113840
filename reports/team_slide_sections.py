"""The slides of a manager's team deck that follow the page's sections "Your team since …" and
"Comments" (``templates/manager/_team_change.html``, ``_team_comments.html``): the team's change
since the earlier round beside what it planned then, and the team's comments as the release
publishes them — in the page's words, on the slides of HR's deck (:mod:`reports.slide_parts`).

A slide does not grow with its text, so long text is measured before it is placed: wrapped at a
width that an average glyph of the font (a little over half its size) cannot exceed, and what does
not fit goes on the next slide — whole comments and table rows where they fit, a longer one cut
between lines and marked with "…" on both sides.
"""

from __future__ import annotations

import textwrap

from reports import charts
from reports.numbers import p_equals
from reports.release import Release
from reports.slide_parts import (
    BOTTOM,
    CONTENT_WIDTH,
    MARGIN,
    MUTED,
    TOP,
    add_table,
    interval_text,
    new_slide,
    rgb,
    score_text,
    textbox,
    write,
)
from reports.team_sheets import action_lines, why_not
from reports.teams import TeamView
from reports.texts import team_change_notes, team_comments_note

__all__ = ["change_slides", "characters", "comment_slides", "lines_of", "take_lines"]

DASH = "–"
GLYPH = 0.56  # an average glyph's width, in font sizes: a little wider than most fonts'
LINE = 1.2  # a line's height, in font sizes
CUT = "…"


def characters(width: float, size: int) -> int:
    """How many characters surely fit on a line ``width`` inches wide at ``size`` points."""
    return max(8, int(width * 72 / (size * GLYPH)))


def lines_of(paragraph: str, chars: int) -> list[str]:
    """``paragraph`` as the lines it takes: wrapped at ``chars``, and broken where it breaks."""
    return [
        line
        for part in paragraph.splitlines() or [""]
        for line in textwrap.wrap(part, chars, break_on_hyphens=False) or [""]
    ]


def take_lines(paragraphs, chars: int, room: float, gap: float = 0.0):
    """As many of ``paragraphs`` as fit in ``room`` lines of ``chars`` characters (each followed
    by ``gap`` lines of space), and those left; a paragraph that fits nowhere whole is cut
    between lines, its first part ending and its rest starting with "…". Returns the paragraphs
    taken, the lines they fill, and the paragraphs left."""
    taken, used = [], 0.0
    paragraphs = list(paragraphs)
    for i, paragraph in enumerate(paragraphs):
        lines = lines_of(paragraph, chars - 2)  # room for a "…" at either end
        if used + len(lines) <= room:
            taken.append(paragraph)
            used += len(lines) + gap
            continue
        free = int(room - used)
        if free < 2 or (taken and len(lines) <= room):
            return taken, used, paragraphs[i:]  # it fits whole on the next slide
        head, rest = " ".join(lines[:free]), " ".join(lines[free:])
        return [*taken, f"{head} {CUT}"], used + free, [f"{CUT} {rest}", *paragraphs[i + 1 :]]
    return taken, used, []


def _height(lines: float, size: int) -> float:
    return lines * size * LINE / 72


def comment_slides(deck, view: TeamView, report: Release, text) -> None:
    """The team's comments, one paragraph each, on as many slides as they need; or the page's
    sentence saying why none are shown."""
    from pptx.util import Pt

    note = team_comments_note(view, report, text)
    if not view.comments:
        slide = new_slide(deck, text["comments"])
        textbox(slide, MARGIN, TOP, CONTENT_WIDTH, 1.6, note, 18)
        return
    size, gap = 16, 0.4
    top, bottom = TOP - 0.3, BOTTOM - 0.8
    chars = characters(CONTENT_WIDTH - 0.2, size)  # a text box keeps 0.1 inch on either side
    room = (bottom - top - 0.1) / _height(1, size)
    left = [f"• {comment}" for comment in view.comments]
    while left:
        taken, _used, left = take_lines(left, chars, room, gap)
        slide = new_slide(deck, text["comments"])
        box = textbox(slide, MARGIN, top, CONTENT_WIDTH, bottom - top, taken, size)
        for paragraph in box.text_frame.paragraphs:
            paragraph.space_after = Pt(gap * size * LINE)
        textbox(slide, MARGIN, BOTTOM - 0.7, CONTENT_WIDTH, 0.7, note, 12, MUTED)


WIDTHS = [2.5, 1.25, 1.25, 2.45, 2.2, 2.48]  # principle, then, now, change, verdict, planned
SIZE = 13
MARGINS = 0.1  # a cell's text keeps 0.05 inch above and below
NOTES = 0.95  # the notes under the table


def change_slides(deck, view: TeamView, report: Release, text) -> None:
    """The change table: per principle the team's score then and now, the change with its
    95 % interval, the verdict with its corrected p-value, and what the team planned then — on
    as many slides as the actions need."""
    change, lang = view.change, report.lang
    names = {d.key: d.name for d in report.dimensions}
    # a round's name (up to 200 characters) heads a narrow column: its start is enough there
    then = textwrap.shorten(change.previous, 40, placeholder=" …")
    header = [
        text["principle"], then, text["now"],
        f"{text['change']} ({text['interval']})", text["matters"], text["planned_then"],
    ]  # fmt: skip
    rows = []
    for t in change.dimensions:
        cells = [names.get(t.key, t.key), score_text(t.before, lang), score_text(t.now, lang)]
        if t.why:
            cells += [DASH, why_not(t, change, text)]
        else:
            difference = score_text(t.difference, lang, sign=True)
            low, high = t.difference_ci95
            if low is not None:
                difference += f" ({interval_text(low, high, lang, text, sign=True)})"
            verdict = text["verdicts"][t.verdict]
            if t.pvalue_bh is not None:
                verdict += f" ({p_equals(t.pvalue_bh, lang)})"
            cells += [difference, verdict]
        rows.append((t, cells, [f"• {a}" for a in action_lines(t, view, text)] or [DASH]))
    room = BOTTOM - NOTES - (TOP - 0.4)
    actions = characters(WIDTHS[-1] - 0.16, SIZE)
    pages, page, used = [], [], _row_height(header)
    for t, cells, planned in rows:
        while planned:
            lines = sum(len(lines_of(p, actions - 2)) for p in planned)
            need = max(_row_height(cells), _height(lines, SIZE) + MARGINS)
            if used + need <= room:
                page.append((t, cells, planned, need))
                used += need
                break
            if page:  # try it on a slide of its own
                pages.append(page)
                page, used = [], _row_height(header)
                continue
            # taller than a slide: its actions go on, under its name, on the next
            room_lines = (room - used - MARGINS) / _height(1, SIZE)
            taken, filled, planned = take_lines(planned, actions, room_lines)
            if not taken:
                raise ValueError("a slide holds no line of the table")
            tall = max(_row_height(cells), _height(filled, SIZE) + MARGINS)
            pages.append([(t, cells, taken, tall)])
            cells = [cells[0], "", "", "", ""]
            used = _row_height(header)
    if page:
        pages.append(page)
    for page in pages:
        _change_slide(deck, change, header, page, text, report.lang)


def _row_height(cells) -> float:
    """The height of a table row whose cells hold ``cells`` (the last one left out when it
    is the actions', which are measured by themselves)."""
    lines = max(
        len(lines_of(str(cell), characters(width - 0.16, SIZE)))  # 0.08 inch either side
        for cell, width in zip(cells, WIDTHS, strict=False)
    )
    return _height(lines, SIZE) + MARGINS


def _change_slide(deck, change, header, page, text, lang: str) -> None:
    from pptx.util import Inches

    heading = text["since_title"] % {"previous": change.previous}
    slide = new_slide(deck, heading)
    if len(heading) > 40:  # one line where it can: the table needs the room
        write(slide.shapes.title.text_frame, heading, 24, bold=True)
        slide.shapes.title.text_frame.paragraphs[0].alignment = 1  # left
    rows = [header, *[[*cells, ""] for _t, cells, _taken, _h in page]]
    top = TOP - 0.4
    table = add_table(slide, top, WIDTHS, rows, SIZE)
    heights = [_row_height(header), *[h for *_rest, h in page]]
    for row, h in zip(table.rows, heights, strict=True):
        row.height = Inches(h)
    slide.shapes[-1].height = Inches(sum(heights))
    for r, (t, _cells, taken, _h) in enumerate(page, start=1):
        write(table.cell(r, len(WIDTHS) - 1).text_frame, taken, SIZE)
        for c in range(1, 4):
            table.cell(r, c).text_frame.paragraphs[0].alignment = 3  # right: numbers line up
        if t.verdict in ("important", "possibly important") and _cells[3]:
            colour = charts.FAVOURABLE if (t.difference or 0) > 0 else charts.UNFAVOURABLE
            for c in (3, 4):
                for run in table.cell(r, c).text_frame.paragraphs[0].runs:
                    run.font.bold = True
                    run.font.color.rgb = rgb(colour)
    textbox(slide, MARGIN, BOTTOM - NOTES + 0.1, CONTENT_WIDTH, NOTES - 0.1,
            " ".join(team_change_notes(change, text, lang)), 11, MUTED)  # fmt: skip
