"""Sending a mailing — the invitation, or one of the reminders — to a round's participants, so
that each person gets one e-mail of it and holds one link from it, however many senders work on
the same people and however often they are stopped halfway.

Claimed once
    A sender works only on participants no other sender is working on. On PostgreSQL it holds a
    transaction-level advisory lock per participant, taken with ``pg_try_advisory_xact_lock`` on
    a connection of its own: a participant another sender holds is skipped, and a sender that
    dies lets go with its connection. The locks block nothing else — a person answering while
    their reminder goes out is not kept waiting. On SQLite, which takes one writer at a time
    anyway, one sender at a time holds a lock on a file beside the database.

Recorded before it goes
    Under that claim every link of the batch is created and its hash recorded, as not sent yet,
    in one transaction before the first e-mail goes; each is marked sent once the mail server
    took its e-mail. The database keeps one link per participant and mailing (a unique
    constraint), so not even a sender that ignored the claim could make a second.

Resumed, never repeated
    A sender stopped halfway — killed, or cut off from the database — leaves links it recorded
    but did not send. The next sender gives each of them a new token (so the person never holds
    two links of one mailing) and sends it, and skips everyone whose e-mail went. What no design
    closes is the instant between the mail server taking an e-mail and the mark: a sender killed
    exactly then makes the next one send that person a second e-mail, whose link replaces the
    first one's.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from survey.models import Campaign, CampaignStatus, Invitation, Participant
from survey.services.mail import (
    WORDING_FAILED,
    MailError,
    MailSettings,
    Wording,
    WordingError,
    deliver,
    mail_connection,
)
from survey.services.responses import hash_token, new_token

__all__ = ["Claim", "SendingInterrupted", "claim", "next_reminder", "send"]

# the first key of the advisory locks that claim participants ("mail"); the second is the id
SENDING_LOCK = 0x6D61696C
# how long a sender keeps trying to mark an e-mail sent when the database went away just after
# the mail server took it: marked, the e-mail is never sent twice
MARK_PATIENCE = (0.5, 1, 2, 4, 8, 15, 30, 60)


class SendingInterrupted(Exception):
    """The database went away while e-mails went out; what was sent is marked, the rest is for
    the queue to resume (nothing is marked failed: the addresses are fine)."""


class Claim:
    """The participants a sender holds, and how it marks their links sent. On SQLite through
    the sender's session; on PostgreSQL through the connection that holds the locks, whose
    commits do not wait for the disk: a mark survives the sender being killed, and only a crash
    of the database server in the same fraction of a second could lose one — and with it make
    the next sender replace that link with a second e-mail. Waiting for the disk on every
    e-mail would halve the speed of sending."""

    def __init__(self, ids: list[int], connection: sa.Connection | Session):
        self.ids, self._connection = ids, connection

    def mark_sent(self, link: int) -> None:
        self._connection.execute(
            sa.update(Invitation).where(Invitation.id == link).values(sent=True)
        )
        self._connection.commit()


@contextmanager
def claim(session: Session, participant_ids: list[int]) -> Iterator[Claim]:
    """Those of ``participant_ids`` that no other sender is working on; they stay this
    sender's until the block ends, or its process does."""
    engine = session.get_bind()
    ids = sa.select(Participant.id).where(Participant.id.in_(participant_ids))
    if engine.dialect.name != "postgresql":
        with _one_sender(engine.url.database):
            held = list(session.scalars(ids.order_by(Participant.id)))
            session.commit()
            yield Claim(held, session)
        return
    holder = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        holder.execute(sa.text("SET synchronous_commit TO OFF"))
        locked = sa.func.pg_try_advisory_lock(SENDING_LOCK, Participant.id)
        rows = holder.execute(ids.add_columns(locked).order_by(Participant.id)).all()
        yield Claim([participant_id for participant_id, mine in rows if mine], holder)
    finally:
        try:
            holder.execute(sa.text("SELECT pg_advisory_unlock_all()"))
            holder.execute(sa.text("RESET synchronous_commit"))
            holder.close()
        except DBAPIError:  # the connection went, and its locks with it
            holder.invalidate()


_IN_MEMORY = threading.Lock()


@contextmanager
def _one_sender(database: str | None) -> Iterator[None]:
    """One sender at a time on a SQLite database: a lock on a file beside it, which the
    operating system lets go when the process holding it ends."""
    if not database or database == ":memory:":
        with _IN_MEMORY:
            yield
        return
    with open(f"{database}-sending", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def next_reminder(session: Session, campaign: Campaign) -> int:
    """The mailing number of a new reminder of ``campaign``: one after the last that began.
    Asked twice before the first reminder's links were recorded, it answers the same number,
    and the two reminders are one."""
    last = session.scalar(
        sa.select(sa.func.max(Invitation.mailing)).where(Invitation.campaign_id == campaign.id)
    )
    return (last or 0) + 1


@dataclass(frozen=True)
class _Person:
    id: int
    campaign_id: int
    email: str
    language: str
    unsent: int | None  # a link of this mailing recorded by a sender that stopped before sending


def _due(session: Session, participant_ids: list[int], mailing: int) -> list[_Person]:
    """Who of the participants is to get ``mailing`` now: in an open round, not answered,
    invited (for a reminder) or waiting for the invitation, and not sent this mailing yet."""
    this_mailing = sa.and_(
        Invitation.participant_id == Participant.id, Invitation.mailing == mailing
    )
    state = "waiting" if mailing == 0 else "sent"
    rows = session.execute(
        sa.select(
            Participant.id,
            Participant.campaign_id,
            Participant.email,
            Participant.language,
            Invitation.id,
            Invitation.sent,
        )
        .join(Campaign, Campaign.id == Participant.campaign_id)
        .outerjoin(Invitation, this_mailing)
        .where(
            Participant.id.in_(participant_ids),
            Participant.state == state,
            Participant.answered.is_(False),
            Campaign.status == CampaignStatus.OPEN,
        )
        .order_by(Participant.id)
    ).all()
    return [
        _Person(person_id, campaign_id, email, language, link)
        for person_id, campaign_id, email, language, link, sent in rows
        if not sent
    ]


def send(
    session: Session,
    settings: MailSettings,
    base_url: str,
    participant_ids: list[int],
    mailing: int,
    final: bool = True,
) -> dict[str, int]:
    """Send ``mailing`` (0 the invitation, else a reminder) to those of ``participant_ids`` who
    are due it, over one SMTP connection; how many per outcome.

    A mail server that is away raises :class:`MailError` for the queue to try again later,
    unless ``final``: then those it could not reach are marked failed for HR.
    """
    outcomes: Counter[str] = Counter()
    with claim(session, participant_ids) as held:
        outcomes["busy"] = len(set(participant_ids)) - len(held.ids)  # another sender has them
        due = _due(session, held.ids, mailing)
        outcomes["skipped"] = len(held.ids) - len(due)
        due, unworded = _worded(session, due)
        outcomes["failed"] += _mark_failed(session, unworded)
        batch = _Batch(session, held, settings, base_url, mailing)
        try:
            with mail_connection(settings) as connection:
                batch.record(due)
                for person, wording in due:
                    outcomes[batch.send(person, wording, connection, final)] += 1
        except MailError as exc:
            if not final:
                raise  # the queue tries again later; whoever was sent is skipped then
            failed = {p: str(exc) for p, _w in due if p.id not in batch.sent | batch.failed}
            outcomes["failed"] += _mark_failed(session, failed)
        finally:
            batch.close()
    return {outcome: n for outcome, n in outcomes.items() if n}


def _worded(session: Session, due: list[_Person]):
    """Each of ``due`` with their round's e-mail in their language, worked out once per round
    and language; and those whose e-mail cannot be worded, with the reason (HR's text was saved
    with a placeholder the e-mail does not fill in, say) — for HR, who can correct it."""
    wordings: dict[tuple[int, str], Wording | WordingError] = {}
    worded: list[tuple[_Person, Wording]] = []
    unworded: dict[_Person, str] = {}
    for person in due:
        key = (person.campaign_id, person.language)
        if key not in wordings:
            campaign = session.get(Campaign, person.campaign_id)
            lang = person.language if person.language in campaign.languages else None
            try:
                wordings[key] = Wording.of(campaign, lang or campaign.languages[0])
            except WordingError as exc:
                wordings[key] = exc
        wording = wordings[key]
        if isinstance(wording, WordingError):
            unworded[person] = f"{WORDING_FAILED}: {wording}"
        else:
            worded.append((person, wording))
    session.commit()
    return worded, unworded


def _mark_failed(session: Session, failed: dict[_Person, str]) -> int:
    """List people for HR with what went wrong."""
    for person, error in failed.items():
        session.execute(
            sa.update(Participant)
            .where(Participant.id == person.id)
            .values(state="failed", failures=Participant.failures + 1, error=error[:300])
        )
    session.commit()
    return len(failed)


class _Batch:
    """One batch's e-mails: their links recorded before the first goes, each marked sent as it
    goes, those not sent forgotten at the end."""

    def __init__(
        self, session: Session, held: Claim, settings: MailSettings, base_url: str, mailing: int
    ):
        self.session, self.held, self.settings, self.base_url = session, held, settings, base_url
        self.mailing = mailing
        self.kind = "invitation" if mailing == 0 else "reminder"
        self.links: dict[int, tuple[int, str]] = {}  # person → (its link's id, token)
        self.sent: set[int] = set()
        self.failed: set[int] = set()

    def record(self, due: list[tuple[_Person, Wording]]) -> None:
        """Create the batch's links and record their hashes, not sent yet, in one transaction.
        A link that a stopped sender recorded gets a new token: nobody holds the old one, or
        its e-mail is the one this one replaces."""
        tokens = {person.id: new_token() for person, _wording in due}
        replaced = {}
        for person, _wording in due:
            if person.unsent is None:
                continue
            updated = self.session.execute(
                sa.update(Invitation)
                .where(Invitation.id == person.unsent, Invitation.sent.is_(False))
                .values(token_hash=hash_token(tokens[person.id]))
            ).rowcount
            if updated:
                replaced[person.id] = person.unsent
        new = [person for person, _wording in due if person.unsent is None]
        if new:
            ids = self.session.scalars(
                sa.insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True),
                [
                    {
                        "campaign_id": person.campaign_id,
                        "participant_id": person.id,
                        "mailing": self.mailing,
                        "token_hash": hash_token(tokens[person.id]),
                        "redeemed": False,
                        "sent": False,
                    }
                    for person in new
                ],
            ).all()
            replaced.update(zip([person.id for person in new], ids, strict=True))
        self.session.commit()
        self.links = {person: (link, tokens[person]) for person, link in replaced.items()}

    def send(self, person: _Person, wording: Wording, connection, final: bool) -> str:
        if person.id not in self.links:
            return "skipped"  # sent meanwhile by a sender that had lost its claim
        link, token = self.links[person.id]
        message = wording.raw(
            f"{self.base_url}/s/{token}", self.kind, person.email, self.settings.sender
        )
        try:
            deliver(message, self.settings, connection)
        except MailError as exc:
            if not (exc.permanent or final):
                raise
            self.failed.add(person.id)
            _mark_failed(self.session, {person: str(exc)})
            return "failed"
        self.sent.add(person.id)
        self._mark_sent(link)
        return "sent"

    def _mark_sent(self, link: int) -> None:
        """The mail server took the e-mail: mark its link sent. If the database went away
        meanwhile, keep trying for a while; once marked, stop the batch — this sender's claim
        may have gone with its connection — for the queue to resume it."""
        try:
            self.held.mark_sent(link)
            return
        except DBAPIError:
            pass
        for pause in MARK_PATIENCE:
            time.sleep(pause)
            try:
                Claim([], self.session).mark_sent(link)
                break
            except DBAPIError:
                self.session.rollback()
        raise SendingInterrupted("the database went away while e-mails went out")

    def close(self) -> None:
        """Forget the links recorded but not sent, and bring the people's state up to date —
        also of those a stopped sender had sent to."""
        unsent = [link for person, (link, _t) in self.links.items() if person not in self.sent]
        sent_links = sa.select(sa.func.count()).where(
            Invitation.participant_id == Participant.id, Invitation.sent.is_(True)
        )
        invited = sa.exists().where(
            Invitation.participant_id == Participant.id,
            Invitation.mailing == 0,
            Invitation.sent.is_(True),
        )
        try:
            if unsent:
                self.session.execute(
                    sa.delete(Invitation).where(
                        Invitation.id.in_(unsent), Invitation.sent.is_(False)
                    )
                )
            self.session.execute(
                sa.update(Participant)
                .where(
                    Participant.id.in_(self.held.ids),
                    (Participant.state == "waiting") | Participant.id.in_(self.sent),
                    invited,
                )
                .values(state="sent", error=None, mails_sent=sent_links.scalar_subquery())
            )
            self.session.commit()
        except DBAPIError:  # the database is away: the next sender brings them up to date
            self.session.rollback()
