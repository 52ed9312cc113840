"""Answers collected elsewhere, brought into a round so that every report and comparison can use
them (``ambassador import``).

An imported round holds imported answers only: it must be a draft with no responses, links,
participants or open link, and it is closed by the import. Mixing known rows into a round that
collects answers would let whoever holds them subtract them from a group's figures and learn the
answers of the few real respondents in it (padding a round); a round of imported answers has no
one else's answers to expose. The report says the answers were imported.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.instrument import MISSING, Instrument
from scoring.segments import read_option
from survey.models import Campaign, CampaignStatus, Invitation, Participant, Response, today_utc
from survey.services.errors import InvalidInput
from survey.services.lifecycle import set_status

MAX_PROBLEMS = 50


def offsets_from_points(points: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Stored answers (answer − scale minimum, -1 missing) from a reverse-keyed points matrix."""
    span = instrument.scale.span
    raw = np.where(instrument.reverse_mask, span - points, points)
    return np.where(points < 0, MISSING, raw).astype(np.int8)


def read_segment_columns(path: Path, campaign: Campaign, rows: int) -> list[dict[str, str]]:
    """Each row's answers to the round's segment questions, from the columns named by their key
    (or their name in either language); a value may be an option or its name in either language.
    Every bad value is listed with its line and column; a missing column means "not asked"."""
    try:
        segments, problems = _read_segments(path, campaign)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path}: not a UTF-8 text file (byte {exc.start}); nothing was imported"
        ) from None
    if problems:
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise InvalidInput("; ".join(problems[:MAX_PROBLEMS]) + more + "; nothing was imported")
    if len(segments) != rows:
        raise InvalidInput(
            f"{path}: {len(segments)} rows of segment answers for {rows} rows of answers; "
            "nothing was imported"
        )
    return segments


def _read_segments(path: Path, campaign: Campaign) -> tuple[list[dict[str, str]], list[str]]:
    """The segment answers of every row, and the problems of the bad ones."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        first = fh.readline()
        fh.seek(0)
        delimiter = max(",;\t", key=first.count)  # as the answers reader decides
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            return _segments_of(reader, campaign)
        except csv.Error as exc:  # a field over csv.field_size_limit(), a NUL
            raise InvalidInput(
                f"{path}: line {reader.line_num}: not readable as CSV ({exc}); nothing was imported"
            ) from None


def _segments_of(reader, campaign: Campaign) -> tuple[list[dict[str, str]], list[str]]:
    header = [cell.strip() for cell in next(reader, [])]
    columns = {}
    for question in campaign.segments:
        names = {question["key"], *(question.get("label") or {}).values()}
        found = [i for i, cell in enumerate(header) if cell.lower() in {n.lower() for n in names}]
        if found:
            columns[question["key"]] = (found[0], question)
    segments, problems = [], []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {}
        for key, (index, question) in columns.items():
            value = cells[index].strip() if index < len(cells) else ""
            if not value:
                continue
            option, problem = read_option(question, value, f"line {line}, column '{key}'")
            problems += [problem] if problem else []
            values[key] = option
        segments.append(values)
    return segments, problems


def import_answers(
    session: Session,
    campaign: Campaign,
    instrument: Instrument,
    points: np.ndarray,
    segments: list[dict[str, str]],
) -> int:
    """Store the answers as the round's responses and close it; returns how many."""
    if campaign.status != CampaignStatus.DRAFT:
        raise InvalidInput(f"campaign {campaign.id} is {campaign.status}: import into a new draft")
    if campaign.open_slug is not None:
        raise InvalidInput(f"campaign {campaign.id} has an open link: import into a round without")
    for model in (Response, Invitation, Participant):
        if session.scalar(sa.select(sa.func.count()).where(model.campaign_id == campaign.id)):
            raise InvalidInput(
                f"campaign {campaign.id} has {model.__tablename__} already: imported answers go "
                "into a round of their own"
            )
    if points.shape[0] < campaign.min_group_size:
        raise InvalidInput(
            f"{points.shape[0]} rows: a round needs at least {campaign.min_group_size} to show "
            "anything; nothing was imported"
        )
    offsets = offsets_from_points(points, instrument)
    day, language = today_utc(), campaign.languages[0]
    session.execute(
        sa.insert(Response),
        [
            {
                "campaign_id": campaign.id,
                "submitted_on": day,
                "language": language,
                "segments": segment,
                "answers": row.tobytes(),
            }
            for row, segment in zip(offsets, segments, strict=True)
        ],
    )
    campaign.imported_responses = int(points.shape[0])

    set_status(session, campaign, "closed")
    return int(points.shape[0])
