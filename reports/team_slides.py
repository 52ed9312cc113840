"""A manager's team as a PowerPoint deck (python-pptx): a title slide, the team's scores against
the unit above and the organisation, its change since the earlier round with what it planned
then, the units under it, where it might start, its actions and its comments — the team page's
content, in its words, on the slides of HR's deck (:mod:`reports.slides`).

Every figure is a row of the release's audited tree breakdown (:class:`reports.teams.TeamView`)
or the organisation's own score; a score the audit does not publish is a dash, a unit it does not
show is only counted, and each slide says so beside its figures.
"""

from __future__ import annotations

import io
from typing import Any

from reports.comparison_slides import heat_cell, heat_table
from reports.office import display_date
from reports.release import Release
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
    new_slide,
    place,
    score_text,
    textbox,
    write,
)
from reports.team_slide_sections import change_slides, comment_slides
from reports.teams import TeamView
from reports.texts import team_texts

__all__ = ["team_pptx"]

DASH = "–"


def team_pptx(view: TeamView, report: Release, planned: list[dict[str, Any]]) -> bytes:
    """The deck's bytes. ``planned`` are the team's actions (team, dimension, text, owner, due,
    status), those of the teams under it included."""
    from pptx import Presentation
    from pptx.util import Inches

    text = team_texts(report.lang, report.min_group_size)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_WIDTH), Inches(SLIDE_HEIGHT)
    shown = [d for d in report.dimensions if d.shown] if report.enough else []
    _title_slide(deck, view, report, text)
    _scores(deck, view, report, shown, text)
    if view.change is not None:
        change_slides(deck, view, report, text)
    if view.units or view.hidden_units:
        _units(deck, view, report, shown, text)
    if view.recommendations:
        _where_to_start(deck, view, report, text)
    _actions(deck, view, report, planned, text)
    comment_slides(deck, view, report, text)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _title_slide(deck, view: TeamView, report: Release, text) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    place(title, 0.9, 2.0, SLIDE_WIDTH - 1.8, 1.8)
    place(subtitle, 0.9, 4.0, SLIDE_WIDTH - 1.8, 1.2)
    write(title.text_frame, text["team_title"] % {"team": view.name}, 40, bold=True)
    parts = [report.organisation, report.campaign]
    if view.row is not None:
        parts.append(text["n_people"].format(n=view.row.n))
    write(subtitle.text_frame, " · ".join(parts), 22, MUTED)


def _scores(deck, view: TeamView, report: Release, shown, text) -> None:
    slide = new_slide(deck, text["scores"])
    if view.row is None or not shown:
        message = text["team_hidden"] if view.row is None else text["no_figures"]
        textbox(slide, MARGIN, TOP, CONTENT_WIDTH, 1.2, message, 18)
        return
    columns = [(text["your_team"], view.row)]
    if view.parent is not None:
        columns.append((view.parent.group.rsplit("/", 1)[-1], view.parent))
    lang = report.lang
    header = [text["principle"], *(f"{name} ({row.n})" for name, row in columns)]
    header += [f"{text['organisation']} ({report.n_responses})", text["difference"]]
    rows = [header]
    differences = []
    for dim in shown:
        cells = [row.score_of(dim.key).score for _name, row in columns]
        own = cells[0]
        differences.append(None if own is None else own - dim.score)
        rows.append(
            [
                dim.name,
                *(DASH if s is None else score_text(s, lang) for s in cells),
                score_text(dim.score, lang),
                DASH if own is None else score_text(own - dim.score, lang, sign=True),
            ]
        )
    wide = CONTENT_WIDTH - 3.6
    widths = [3.6, *[wide / (len(columns) + 2)] * (len(columns) + 2)]
    table = add_table(slide, TOP - 0.4, widths, rows, 15)
    last = len(header) - 1
    for r, difference in enumerate(differences, start=1):
        for c in range(1, last + 1):
            table.cell(r, c).text_frame.paragraphs[0].alignment = 3  # right: numbers line up
        if difference is None:
            continue
        heat_cell(table.cell(r, last), difference)
    textbox(slide, MARGIN, BOTTOM - 0.7, CONTENT_WIDTH, 0.7, text["dash"], 12, MUTED)


def _units(deck, view: TeamView, report: Release, shown, text) -> None:
    units = list(view.units) if shown else []
    notes = [text["units_legend"]] if units else []
    if view.hidden_units:
        notes.append(text["units_hidden"](view.hidden_units))
    if not units:
        slide = new_slide(deck, text["units"])
        textbox(slide, MARGIN, TOP, CONTENT_WIDTH, 1.2, notes, 18)
        return
    per_slide = ROWS_PER_SLIDE - 1  # under the organisation's own row
    for start in range(0, len(units), per_slide):
        chunk = units[start : start + per_slide]
        slide = new_slide(deck, text["units"])
        names = []
        for unit in chunk:
            name, depth = view.unit_label(unit)
            names.append("   " * depth + name)
        heat_table(slide, report, shown, text["team"], text["organisation"], chunk, names)
        last = start + per_slide >= len(units)
        textbox(slide, MARGIN, BOTTOM - 0.7, CONTENT_WIDTH, 0.7,
                notes if last else notes[:1], 12, MUTED)  # fmt: skip


def _where_to_start(deck, view: TeamView, report: Release, text) -> None:
    from pptx.util import Pt

    slide = new_slide(deck, text["team_start"])
    names = {d.key: d.name for d in report.dimensions}
    lines = [
        f"{i}. {names.get(r.dimension, r.dimension)}: {r.text}"
        for i, r in enumerate(view.recommendations, start=1)
    ]
    box = textbox(slide, MARGIN, TOP - 0.3, CONTENT_WIDTH, BOTTOM - TOP - 0.5, lines, 18)
    for paragraph in box.text_frame.paragraphs:
        paragraph.space_after = Pt(14)
    textbox(slide, MARGIN, BOTTOM - 0.7, CONTENT_WIDTH, 0.7, text["chosen"], 12, MUTED)


def _actions(deck, view: TeamView, report: Release, planned, text) -> None:
    if not planned:
        slide = new_slide(deck, text["team_actions"])
        textbox(slide, MARGIN, TOP, CONTENT_WIDTH, 1, text["no_actions"], 18)
        return
    names = {d.key: d.name for d in report.dimensions}
    header = [text["action"], text["principle"], text["team"], text["owner"], text["due"],
              text["state"]]  # fmt: skip
    for start in range(0, len(planned), ROWS_PER_SLIDE):
        rows = [header]
        for action in planned[start : start + ROWS_PER_SLIDE]:
            team = action["team"]
            rows.append(
                [
                    action["text"],
                    names.get(action["dimension"], action["dimension"] or ""),
                    view.name if team == view.node else team.rsplit("/", 1)[-1],
                    action["owner"] or "",
                    display_date(action["due"], report.lang),
                    text["status"].get(action["status"], ""),
                ]
            )
        slide = new_slide(deck, text["team_actions"])
        add_table(slide, TOP - 0.4, [4.1, 2.1, 1.7, 1.3, 1.6, 1.3], rows, 13)
