"""Sending a mailing — the invitation, or one of the reminders — to a round's participants, so
that each person gets one e-mail of it and holds one link from it, however many senders work on
the same people and however often they are stopped halfway.

Claimed once
    A sender works only on participants no other sender is working on
    (:mod:`survey.services.claims`): a participant another sender holds is skipped, and a sender
    that dies lets go.

Recorded before it goes
    Under that claim every link of the batch is created and its hash recorded, as not sent yet,
    in one transaction before the first e-mail goes; each is marked sent as soon as the mail
    server took its e-mail. The database keeps one link per participant and mailing (a unique
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

import time
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from survey.models import Campaign, CampaignStatus, Invitation, Participant
from survey.services.claims import Claim, claim
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

__all__ = ["SendingInterrupted", "next_reminder", "send"]

# how long a sender keeps trying to mark an e-mail sent when the database went away just after
# the mail server took it: marked, the e-mail is never sent twice
MARK_PATIENCE = (0.5, 1, 2, 4, 8, 15, 30, 60)


class SendingInterrupted(Exception):
    """The database went away while e-mails went out; what was sent is marked, the rest is for
    the queue to resume (nothing is marked failed: the addresses are fine)."""


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


def _due(
    session: Session, participant_ids: list[int], mailing: int
) -> tuple[list[_Person], list[int]]:
    """Who of the participants is to get ``mailing`` now: in an open round, not answered,
    invited (for a reminder) or waiting for the invitation, and not sent this mailing yet; and
    who is waiting for an invitation that was sent (by a sender stopped before it said so)."""
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
    due = [
        _Person(person_id, campaign_id, email, language, link)
        for person_id, campaign_id, email, language, link, sent in rows
        if not sent
    ]
    return due, [person_id for person_id, *_person, sent in rows if sent]


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
        due, stuck = _due(session, held.ids, mailing)
        outcomes["skipped"] = len(held.ids) - len(due)
        due, unworded = _worded(session, due)
        outcomes["failed"] += _mark_failed(session, unworded)
        batch = _Batch(session, held, settings, base_url, mailing)
        batch.stuck = stuck if mailing == 0 else []
        try:
            with mail_connection(settings) as connection:
                batch.record(due)
                for person, wording in due:
                    outcomes[batch.send(person, wording, connection, final)] += 1
                batch.settle()
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
        self.marking: int | None = None  # the link whose mark may be under way
        self.stuck: list[int] = []  # sent their invitation by a stopped sender

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
            self.session.execute(
                sa.insert(Invitation),
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
            )
            created = self.session.execute(
                sa.select(Invitation.participant_id, Invitation.id).where(
                    Invitation.participant_id.in_([person.id for person in new]),
                    Invitation.mailing == self.mailing,
                )
            )
            replaced.update((person, link) for person, link in created)
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
        meanwhile, keep trying for a while (this link, and the one whose mark was under way);
        once marked, stop the batch — this sender's claim may have gone with its connection —
        for the queue to resume it."""
        try:
            self.held.mark_sent(link)
        except DBAPIError:
            self._mark_patiently([self.marking, link])
        self.marking = link

    def _mark_patiently(self, links: list[int | None]) -> None:
        for pause in MARK_PATIENCE:
            time.sleep(pause)
            try:
                self.session.execute(
                    sa.update(Invitation)
                    .where(Invitation.id.in_([link for link in links if link is not None]))
                    .values(sent=True)
                )
                self.session.commit()
                break
            except DBAPIError:
                self.session.rollback()
        raise SendingInterrupted("the database went away while e-mails went out")

    def settle(self) -> None:
        """Wait for the last mark under way."""
        try:
            self.held.settle()
        except DBAPIError:
            self._mark_patiently([self.marking])

    def close(self) -> None:
        """Forget the links recorded but not sent, and bring the people's state up to date —
        also of those a stopped sender had sent to."""
        try:
            self.held.settle()
        except DBAPIError:  # the database is away: the next sender replaces what is unmarked
            pass
        unsent = [link for person, (link, _t) in self.links.items() if person not in self.sent]
        try:
            if unsent:
                self.session.execute(
                    sa.delete(Invitation).where(
                        Invitation.id.in_(unsent), Invitation.sent.is_(False)
                    )
                )
            self.session.execute(
                sa.update(Participant)
                .where(Participant.id.in_(self.sent))
                .values(state="sent", error=None, mails_sent=Participant.mails_sent + 1)
            )
            if self.stuck:
                _catch_up(self.session, self.stuck)
            self.session.commit()
        except DBAPIError:  # the database is away: the next sender brings them up to date
            self.session.rollback()


def _catch_up(session: Session, participant_ids: list[int]) -> None:
    """People a stopped sender sent their invitation to, before it could say so: sent."""
    session.execute(
        sa.update(Participant)
        .where(Participant.id.in_(participant_ids), Participant.state == "waiting")
        .values(
            state="sent",
            error=None,
            mails_sent=sa.select(sa.func.count())
            .where(Invitation.participant_id == Participant.id, Invitation.sent.is_(True))
            .scalar_subquery(),
        )
    )
