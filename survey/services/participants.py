"""Participant lists: who the system e-mails a round's links to, with the attributes (department,
role, …) their responses take over instead of asking.

A list comes as CSV or XLSX: an ``email`` column, an optional ``language`` column (one of the
round's languages) and one column per segment question of the round, holding one of its options
(blank: not known). A directory export names its columns its own way (``mail``,
``userPrincipalName``, ``preferredLanguage``) and is read the same. The whole file is checked
first; every bad row is reported with its line and column, and nothing is imported until the
file is clean. Addresses are compared as mailboxes: the same mailbox twice is refused
(:func:`survey.services.custody.mailbox`).

What a list stores is no more than its responses may carry: the attributes are coarsened at
import so that every combination is shared by at least k participants
(:func:`scoring.disclosure.generalise_attributes`); the preview says what will not be recorded.
A list needs a second person's approval before its links go out (:mod:`survey.services.custody`).

A list may carry the organisation's hierarchy: a ``team`` column with each person's team as a
path (``Care/Ward 3/Nights``), or a ``manager`` column with their manager's address (the tree is
then the chain of managers; :mod:`scoring.teams`). A team with fewer than k people invited is
merged into its parent at import — the preview shows the tree and says where — so no stored team
names fewer than k. The round then has a segment question of kind ``"tree"`` (key ``team``),
never asked on the open link, whose options are the teams people are recorded in.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.disclosure import generalise_attributes
from scoring.segments import read_option
from scoring.teams import (
    MANAGER,
    TEAM,
    TeamError,
    is_tree,
    merge_small_teams,
    parse_path,
    path_text,
    paths_from_managers,
    tree_options,
    tree_question,
)
from survey.models import Campaign, CampaignStatus, Invitation, Participant
from survey.services import custody, mail
from survey.services.errors import InvalidInput
from survey.services.participation import round_participation

MAX_ROWS = 100_000
MAX_ERRORS_SHOWN = 20
# a plain address: a dot-atom local part without quotes, escapes or the routing characters % and !
# (a quoted "j.devries" or legal%acme.example@ reaches the same mailbox as a plain one), and a
# domain of letters, digits and hyphens without a trailing dot
EMAIL_PATTERN = re.compile(
    r"^[a-z0-9#$&'*+/=?^_`{|}~-]+(\.[a-z0-9#$&'*+/=?^_`{|}~-]+)*"
    r"@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}$"
)


class ParticipantFileError(InvalidInput):
    """A participant list that cannot be imported; ``problems`` names every bad row and column."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        tail = f" (and {more} more)" if more else ""
        super().__init__("; ".join(shown) + tail + "; nothing was imported")


class AlreadyListed(ParticipantFileError):
    """People of the list are on the round's list already (imported earlier, or by another
    request at the same moment: *Import* pressed twice)."""


@dataclass(frozen=True)
class ParticipantRow:
    email: str
    language: str
    attributes: dict[str, str]  # with a tree: "team" as the list gives it, before merging


@dataclass(frozen=True)
class TeamRow:
    """A team of the list's tree in the preview: people invited in it, and where they are
    recorded (itself, a parent it is merged into, or None: not recorded)."""

    path: str
    invited: int
    recorded_as: str | None

    @property
    def depth(self) -> int:
        return self.path.count("/")


@dataclass
class ParticipantList:
    """A checked list, ready to import, with its counts per attribute group for the preview."""

    rows: list[ParticipantRow]
    groups: dict[str, Counter] = field(default_factory=dict)
    # attributes the import will not record, per question: their combination is shared by
    # fewer than k of the round's participants
    coarsened: dict[str, int] = field(default_factory=dict)
    tree: list[TeamRow] = field(default_factory=list)  # filled by the preview

    def __len__(self) -> int:
        return len(self.rows)


def read_participant_file(content: bytes, filename: str, campaign: Campaign) -> ParticipantList:
    """Parse and check a CSV or XLSX participant list for ``campaign``."""
    table = _xlsx_rows(content) if content[:4] == b"PK\x03\x04" else _csv_rows(content, filename)
    return check_rows(table, campaign)


def _csv_rows(content: bytes, filename: str) -> list[list[str]]:
    if b"\x00" in content[:4096]:
        raise ParticipantFileError(
            [f"{filename}: not a CSV or XLSX file (it contains binary data)"]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParticipantFileError([f"{filename}: not a UTF-8 CSV or an XLSX file"]) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return list(reader)
    except csv.Error as exc:  # a field over csv.field_size_limit(), a stray quote or NUL
        too_long = "field limit" in str(exc)
        problem = "a field is too long" if too_long else f"cannot be read as CSV ({exc})"
        raise ParticipantFileError([f"{filename}: line {reader.line_num}: {problem}"]) from None


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    # openpyxl raises many kinds for a broken file, and some only while the rows are read (a
    # number cell holding "NaN", a shared string past the table's end)
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        if sheet is None:
            raise ValueError("no worksheet")
        return [
            ["" if cell is None else str(cell).strip() for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    except Exception:
        raise ParticipantFileError(["not a readable XLSX file"]) from None


def check_rows(table: list[list[str]], campaign: Campaign) -> ParticipantList:
    """Check every row of a list (its first row the header) against the round."""
    if not table or not any(cell.strip() for cell in table[0]):
        raise ParticipantFileError(["line 1: the header row is missing"])
    # the organisation's tree is read from its own column (team or manager), not as an option
    questions = {q["key"]: q for q in campaign.segments if not is_tree(q)}
    header = [_column_key(cell, campaign.segments) for cell in table[0]]
    problems = _header_problems(header, questions)
    if problems:
        raise ParticipantFileError(problems)
    if len(table) - 1 > MAX_ROWS:
        raise ParticipantFileError([f"{len(table) - 1:,} rows: a list holds at most {MAX_ROWS:,}"])
    rows, seen, managers = [], {}, []
    for line, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        record = dict(zip(header, [c.strip() for c in cells], strict=False))
        row, row_problems = _row(record, line, campaign, questions)
        problems += row_problems
        manager = record.get(MANAGER, "").lower()
        if manager and (not EMAIL_PATTERN.match(manager) or len(manager) > 254):
            problems.append(f"line {line}, column 'manager': '{manager}' is not an e-mail address")
        if row is not None:
            managers.append(manager)
            box = custody.mailbox(row.email)
            if box in seen:
                first, address = seen[box]
                same = (
                    "is on" if address == row.email else f"reaches the same mailbox as {address} on"
                )
                problems.append(f"line {line}, column 'email': {row.email} {same} line {first} too")
            seen.setdefault(box, (line, row.email))
            rows.append(row)
    if not rows and not problems:
        problems.append("the list has no participants")
    if problems:
        raise ParticipantFileError(problems)
    if MANAGER in header:
        if any(is_tree(q) for q in campaign.segments):
            raise ParticipantFileError(
                [
                    "column 'manager': this round has its teams already; add people with a "
                    "'team' column that gives their team's path as the round's tree shows it"
                ]
            )
        rows = _teams_from_managers(rows, managers)
    groups = {key: Counter(r.attributes.get(key) or "–" for r in rows) for key in questions}
    return ParticipantList(rows, groups)


def _teams_from_managers(rows: list[ParticipantRow], managers: list[str]) -> list[ParticipantRow]:
    """The rows with their team from the ``manager`` column: the chain of managers above them."""
    try:
        paths = paths_from_managers(
            {row.email: manager for row, manager in zip(rows, managers, strict=True)}
        )
    except TeamError as exc:
        raise ParticipantFileError([f"column 'manager': {exc}"]) from None
    return [
        ParticipantRow(
            row.email, row.language, row.attributes | {TEAM: path_text(paths[row.email])}
        )
        for row in rows
    ]


# the directory exports' names for our columns: Entra ID's (mail, userPrincipalName,
# preferredLanguage) and Google Workspace's user download (Email Address [Required], Manager Email)
DIRECTORY_COLUMNS = {
    "mail": "email",
    "userprincipalname": "email",
    "email address [required]": "email",
    "preferredlanguage": "language",
    "manager email": "manager",
    "manageremail": "manager",
}


def _column_key(name: str, questions: list[dict]) -> str:
    """A header cell as a column key: a question's name in any language stands for its key, a
    directory's name for the address or language for ours."""
    name = name.strip().lower()
    name = DIRECTORY_COLUMNS.get(name, name)
    for question in questions:
        names = [question["key"], *(question.get("label") or {}).values()]
        if name in (n.strip().lower() for n in names):
            return question["key"]
    return name


def _header_problems(header: list[str], questions: dict) -> list[str]:
    problems = []
    if "email" not in header:
        problems.append("line 1: the column 'email' is missing")
    for position, name in enumerate(header, start=1):
        if name not in ("email", "language", TEAM, MANAGER, *questions):
            known = ", ".join(["email", "language", *questions, TEAM, MANAGER])
            problems.append(f"line 1, column {position} ('{name}'): unknown column ({known})")
    duplicated = [name for name, count in Counter(header).items() if count > 1]
    problems += [f"line 1: the column '{name}' appears twice" for name in duplicated]
    if TEAM in header and MANAGER in header:
        problems.append(
            "line 1: the columns 'team' and 'manager' both give the hierarchy: keep one of them"
        )
    return problems


def _row(record: dict, line: int, campaign: Campaign, questions: dict):
    problems = []
    email = record.get("email", "").lower()
    if not email.isascii() or not EMAIL_PATTERN.match(email) or len(email) > 254:
        problems.append(f"line {line}, column 'email': '{email}' is not an e-mail address")
    language = record.get("language", "").lower() or campaign.languages[0]
    if language not in campaign.languages:
        offered = ", ".join(campaign.languages)
        problems.append(f"line {line}, column 'language': '{language}' is not one of {offered}")
    attributes = {}
    for key, question in questions.items():
        value = record.get(key, "")
        if not value:
            continue
        option, problem = read_option(question, value, f"line {line}, column '{key}'")
        problems += [problem] if problem else []
        attributes[key] = option
    try:
        team = parse_path(record.get(TEAM, ""))
    except TeamError as exc:
        problems.append(f"line {line}, column 'team': {exc}")
    else:
        if team:
            attributes[TEAM] = path_text(team)
    return (None if problems else ParticipantRow(email, language, attributes)), problems


def _listed(session: Session, campaign: Campaign) -> list[Participant]:
    """The round's participants, those already sent an invitation first (their attributes may
    be on answers already, so a later import never coarsens them)."""
    listed = session.scalars(
        sa.select(Participant)
        .where(Participant.campaign_id == campaign.id)
        .order_by(Participant.id)
    ).all()
    return sorted(listed, key=lambda p: p.mails_sent == 0)


def _invited(listed: list[Participant]) -> int:
    return sum(p.mails_sent > 0 for p in listed)


def _standing_out(exc: ValueError, campaign: Campaign) -> str:
    return (
        f"{exc} (the people invited already keep theirs): nobody may stand out, so add people "
        "together with others who share their department and role, or once at least "
        f"{campaign.min_group_size} people on the list have none recorded"
    )


def coarsened(session: Session, campaign: Campaign, checked: ParticipantList) -> dict[str, int]:
    """Per question, how many of the list's people the import will record without their
    answer: with the round's participants, their combination is shared by fewer than k."""
    listed = _listed(session, campaign)
    existing = [dict(p.attributes) for p in listed]
    new, checked.tree = place_teams(existing, checked.rows, campaign.min_group_size)
    keys = _attribute_keys(campaign, existing + new)
    try:
        stored = generalise_attributes(
            existing + new, keys, campaign.min_group_size, fixed=_invited(listed)
        )[len(existing) :]
    except ValueError as exc:
        raise ParticipantFileError([_standing_out(exc, campaign)]) from None
    lost = Counter(
        key
        for row, kept in zip(new, stored, strict=True)
        for key in keys
        if row.get(key) and key not in kept
    )
    # the tree as it will be recorded: a team whose people lose it in the coarsening above
    # (their combination shared by fewer than k) is not recorded either
    final: dict[str, set] = {}
    for row, kept in zip(checked.rows, stored, strict=True):
        if row.attributes.get(TEAM):
            final.setdefault(row.attributes[TEAM], set()).add(kept.get(TEAM))
    checked.tree = [
        TeamRow(t.path, t.invited, next(iter(final[t.path])) if len(final[t.path]) == 1 else None)
        if t.path in final
        else t
        for t in checked.tree
    ]
    return {key: lost[key] for key in keys if lost[key]}


def place_teams(
    existing: list[dict], rows: list[ParticipantRow], k: int
) -> tuple[list[dict], list[TeamRow]]:
    """The new rows' attributes with each team as it will be recorded — merged into its parent
    while fewer than k people are invited in it, counting the round's participants already
    listed at their recorded teams — and the tree for the preview."""
    invited = Counter(
        parse_path(a[TEAM]) for a in [*existing, *(r.attributes for r in rows)] if a.get(TEAM)
    )
    home = merge_small_teams(invited, k)
    placed = []
    for row in rows:
        attributes = dict(row.attributes)
        if attributes.get(TEAM):
            where = home[parse_path(attributes[TEAM])]
            if where is None:
                del attributes[TEAM]
            else:
                attributes[TEAM] = path_text(where)
        placed.append(attributes)
    tree = [
        TeamRow(path_text(path), invited[path], None if where is None else path_text(where))
        for path, where in sorted(home.items())
    ]
    return placed, tree


def _attribute_keys(campaign: Campaign, attributes: list[dict]) -> list[str]:
    """The keys a list's attributes are coarsened over: the team first — kept longest, as
    :func:`scoring.disclosure.generalise_attributes` drops the last key first."""
    keys = [q["key"] for q in campaign.segments if not is_tree(q)]
    if any(a.get(TEAM) for a in attributes):
        keys.insert(0, TEAM)
    return keys


def _with_tree(campaign: Campaign, teams: set[str]) -> None:
    """The round's tree question, its options every team people are recorded in (those of earlier
    lists kept: responses may carry them)."""
    if not teams:
        return
    questions = [dict(q) for q in campaign.segments]
    tree = next((q for q in questions if is_tree(q)), None)
    if tree is None:
        tree = tree_question([])
        questions.append(tree)
    known = set(tree["options"]) | teams
    tree["options"] = tree_options(tuple(t.split("/")) for t in known)
    campaign.segments = questions


def import_participants(
    session: Session,
    campaign: Campaign,
    checked: ParticipantList,
    uploaded_by: str = "cli",
    source: str = "hr",
) -> list[int]:
    """Add a checked list to a round, all or nothing; returns the new participants' ids.

    From then on the system holds the round's personal links: HR can no longer create any. The
    whole list's attributes are coarsened again so that every combination stays shared by k,
    and the list needs approval again before links go out.
    """
    if campaign.is_closed:
        raise InvalidInput(f"campaign {campaign.id} is closed")
    handed_out = session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.campaign_id == campaign.id, Invitation.participant_id.is_(None))
    )
    if campaign.link_custody == "organisation" and handed_out:
        raise InvalidInput(
            f"campaign {campaign.id} has {handed_out} personal links your organisation handed out "
            "itself; a participant list needs a round whose links only the system sends"
        )
    listed = _listed(session, campaign)
    existing = {custody.mailbox(p.email): p.email for p in listed}
    again = [
        f"{row.email} is on the round's list already"
        if existing[custody.mailbox(row.email)] == row.email
        else f"{row.email} reaches the same mailbox as {existing[custody.mailbox(row.email)]}, "
        "on the round's list already"
        for row in checked.rows
        if custody.mailbox(row.email) in existing
    ]
    if again:
        raise AlreadyListed(again)
    existing = [dict(p.attributes) for p in listed]
    new, _tree = place_teams(existing, checked.rows, campaign.min_group_size)
    try:
        stored = generalise_attributes(
            existing + new,
            _attribute_keys(campaign, existing + new),
            campaign.min_group_size,
            fixed=_invited(listed),
        )
    except ValueError as exc:
        raise ParticipantFileError([_standing_out(exc, campaign)]) from None
    for person, attributes in zip(listed, stored, strict=False):
        person.attributes = attributes
    after_open = campaign.status == CampaignStatus.OPEN
    rows = [
        {
            "campaign_id": campaign.id,
            "email": row.email,
            "mailbox": custody.mailbox(row.email),
            "language": row.language,
            "attributes": attributes,
            "added_after_open": after_open,
        }
        for row, attributes in zip(checked.rows, stored[len(listed) :], strict=True)
    ]
    _with_tree(campaign, {a[TEAM] for a in stored if a.get(TEAM)})
    campaign.link_custody = "system"
    custody.list_changed(campaign, uploaded_by, source)
    if after_open:  # the report says how many joined the round once it was running
        campaign.invitations_after_open += len(rows)
    try:
        session.flush()  # the round and the earlier participants' attributes
        # one executemany and one SELECT of the ids, not an object per person each reloaded
        # after the commit: 100,000 people well within a proxy's 60-second timeout
        session.execute(sa.insert(Participant), rows)
        ids_by_mailbox = dict(
            session.execute(
                sa.select(Participant.mailbox, Participant.id).where(
                    Participant.campaign_id == campaign.id
                )
            ).all()
        )
        session.commit()
    except IntegrityError:  # the same mailbox imported meanwhile by another request
        session.rollback()
        raise AlreadyListed(
            [
                "another import added people of this list to the round meanwhile (was Import "
                "pressed twice?): they are already on the round's list"
            ]
        ) from None
    return [ids_by_mailbox[row["mailbox"]] for row in rows]


def list_figures(session: Session, campaign: Campaign) -> dict:
    """What HR sees of a round's list: totals, added after opening, failed addresses, and its
    participation as :mod:`survey.services.participation` allows it — never who answered."""
    participants = session.scalars(
        sa.select(Participant).where(Participant.campaign_id == campaign.id)
    ).all()
    failed = [(p.email, p.error or "") for p in participants if p.state == "failed"]
    return {
        "invited": len(participants),
        "sent": sum(p.state == "sent" for p in participants),
        "waiting": sum(p.state == "waiting" for p in participants),
        "after_open": sum(p.added_after_open for p in participants),
        "failed": failed,
        "participation": round_participation(session, campaign, per_group=True),
    }


MAX_REMINDERS = 3


def schedule_reminders(session: Session, campaign: Campaign, days: list) -> list:
    """Set up to three reminder days (each after today, before the closing date)."""
    from survey.models import today_utc

    days = sorted({day for day in days if day is not None})
    if len(days) > MAX_REMINDERS:
        raise InvalidInput(f"at most {MAX_REMINDERS} reminders")
    for day in days:
        if day <= today_utc():
            raise InvalidInput(f"the reminder day {day.isoformat()} is not after today")
        if campaign.closes_on is not None and day > campaign.closes_on:
            raise InvalidInput(f"the reminder day {day.isoformat()} is after the closing date")
    sent = {e["day"] for e in campaign.reminder_days or [] if e.get("sent")}
    campaign.reminder_days = [{"day": d.isoformat(), "sent": d.isoformat() in sent} for d in days]
    session.commit()
    return campaign.reminder_days


def set_invitation_texts(session: Session, campaign: Campaign, texts: dict) -> None:
    """HR's own subject and introduction per language (blank: the standard text), refused when
    the e-mail could not be sent with them: a placeholder it does not fill in, a lone brace, a
    line break in the subject."""
    cleaned = {}
    for lang, fields in texts.items():
        if lang not in campaign.languages:
            raise InvalidInput(f"the round is not in {lang!r}")
        cleaned[lang] = {
            key: (fields.get(key) or "").strip() for key in ("invitation_subject", "intro")
        }
        problems = [
            replace(problem, lang=lang, field=key)
            for key, text in cleaned[lang].items()
            for problem in mail.text_problems(text, subject=key == "invitation_subject")
        ]
        if problems:
            raise InvalidInput("; ".join(str(problem) for problem in problems))
    campaign.invitation_texts = cleaned
    session.commit()


@dataclass(frozen=True)
class WordingTrouble:
    """Why invitations of a round could not go out for its wording: how many people it failed
    for, and what is wrong with the wording now (nothing, once HR corrected it)."""

    failed: int
    problems: list[mail.WordingProblem]


def wording_trouble(session: Session, campaign: Campaign) -> WordingTrouble | None:
    """What HR is to be told on the round's page about its e-mail's wording; None when all is
    well."""
    problems = mail.wording_problems(campaign)
    failed = session.scalar(
        sa.select(sa.func.count()).where(
            Participant.campaign_id == campaign.id,
            Participant.state == "failed",
            Participant.error.startswith(mail.WORDING_FAILED),
        )
    )
    if not failed and not (problems and campaign.link_custody == "system"):
        return None
    return WordingTrouble(failed, problems)
