"""The audit log: sign-ins, failed sign-ins, role changes and changes of settings.

Who (the account's e-mail address, or the address typed at a failed sign-in), what, when, in which
organisation — never an answer, a comment, a personal link or a password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from reports.exports import table_csv
from survey.models import AuditEvent, Organisation, User
from survey.policy import AUDIT_RETENTION_DAYS

EVENTS = {
    "sign_in": "signed in",
    "sign_in_failed": "sign-in failed",
    "sign_out": "signed out",
    "second_factor_enrolled": "second factor set up",
    "second_factor_removed": "second factor removed",
    "recovery_code_used": "recovery code used",
    "account_created": "account created",
    "role_changed": "role changed",
    "settings_changed": "settings changed",
    "list_approved": "participant list approved",
    "list_returned": "participant list sent back",
    "team_results_published": "results published to managers",
    "team_report_read": "team results read by their manager",
}
PAGE_SIZE = 100


def record(
    session: Session,
    event: str,
    *,
    user: User | None = None,
    actor: str | None = None,
    organisation: Organisation | int | None = None,
    detail: str = "",
    commit: bool = True,
) -> AuditEvent:
    """Add an event to the log (and commit, unless the caller commits with its own change)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    organisation_id = organisation.id if isinstance(organisation, Organisation) else organisation
    row = AuditEvent(
        at=dt.datetime.now(dt.UTC),
        event=event,
        actor=(actor if actor is not None else (user.email if user else ""))[:254],
        user_id=user.id if user is not None else None,
        organisation_id=organisation_id,
        detail=detail[:1000],
    )
    session.add(row)
    if commit:
        session.commit()
    return row


def setting_changed(
    session: Session, organisation: Organisation, detail: str, actor: User | None = None
) -> AuditEvent:
    """A change of an organisation's settings, by an admin (or on the command line); the caller
    commits it with the change."""
    return record(
        session,
        "settings_changed",
        user=actor,
        actor=actor.email if actor else "cli",
        organisation=organisation,
        detail=detail,
        commit=False,
    )


def purge_old(session: Session, now: dt.datetime | None = None) -> int:
    """Delete the events older than ``AUDIT_RETENTION_DAYS``; how many."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=AUDIT_RETENTION_DAYS)
    deleted = session.execute(sa.delete(AuditEvent).where(AuditEvent.at < cutoff)).rowcount
    session.commit()
    return deleted


def events(
    session: Session, *, event: str | None = None, actor: str | None = None, page: int = 1
) -> list[AuditEvent]:
    """The newest events first, a page at a time, optionally of one kind or one person."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if event:
        query = query.where(AuditEvent.event == event)
    if actor:
        query = query.where(AuditEvent.actor == actor.strip().lower())
    page = max(1, page)
    return list(session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))


def organisation_names(session: Session, rows: Iterable[AuditEvent]) -> dict[int, str]:
    ids = {row.organisation_id for row in rows if row.organisation_id is not None}
    if not ids:
        return {}
    found = session.execute(
        sa.select(Organisation.id, Organisation.slug).where(Organisation.id.in_(ids))
    )
    return {organisation_id: slug for organisation_id, slug in found}


def audit_csv(session: Session) -> str:
    """Every event, oldest first, as CSV (UTC times to the second); a text that a spreadsheet
    would run as a formula (an address typed at a failed sign-in is whatever was typed) is
    written as text."""
    rows = list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)))
    names = organisation_names(session, rows)
    return table_csv(
        ["at_utc", "event", "actor", "organisation", "detail"],
        (
            [
                utc(row.at).strftime("%Y-%m-%dT%H:%M:%SZ"),
                row.event,
                row.actor,
                names.get(row.organisation_id, ""),
                row.detail,
            ]
            for row in rows
        ),
    )


def utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive times; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
