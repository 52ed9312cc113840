"""Background jobs on RQ: e-mailing invitations and reminders.

With ``REDIS_URL`` set, jobs go to the ``ambassador`` queue and ``ambassador worker`` runs them
(with retries and back-off for a mail server that is away). Without it — a laptop, ``make run`` —
they run at once, in the request.

A job carries a participant's id, never a token: the worker creates the token, sends the mail and
keeps only the token's hash, so no link rests in Redis, the database or a log.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import Campaign, Invitation, Participant, today_utc
from survey.services.mail import MailError, MailSettings, compose, deliver
from survey.services.responses import hash_token, new_token

QUEUE = "ambassador"
RETRY_INTERVALS = (30, 120, 600)  # seconds before the second, third and fourth attempt
KINDS = ("invitation", "reminder")


def queue():
    """The RQ queue, or None when no Redis is configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


def send_to_participants(participant_ids: list[int], kind: str) -> int:
    """Queue (or, without Redis, send at once) one e-mail per participant; returns how many."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    jobs = queue()
    if jobs is None:
        settings = MailSettings.from_config(current_app.config)
        for participant_id in participant_ids:
            send_mail(db.session, settings, current_app.config["BASE_URL"], participant_id, kind)
        return len(participant_ids)
    from rq import Queue, Retry

    prepared = [
        Queue.prepare_data(
            mail_job,
            (participant_id, kind),
            retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
            result_ttl=0,
            timeout=120,
        )
        for participant_id in participant_ids
    ]
    for start in range(0, len(prepared), 1000):
        jobs.enqueue_many(prepared[start : start + 1000])
    return len(prepared)


def mail_job(participant_id: int, kind: str) -> str:
    """The RQ job: runs inside the worker's app context (see ``ambassador worker``)."""
    from rq import get_current_job

    job = get_current_job()
    last_attempt = job is None or not job.retries_left
    try:
        return send_mail(
            db.session,
            MailSettings.from_config(current_app.config),
            current_app.config["BASE_URL"],
            participant_id,
            kind,
            final=last_attempt,
        )
    finally:
        db.session.remove()


def send_mail(
    session: Session,
    settings: MailSettings,
    base_url: str,
    participant_id: int,
    kind: str,
    final: bool = True,
) -> str:
    """Create a token, send it to the participant, keep its hash; say what happened.

    A temporary failure is raised again (the queue retries it) unless ``final``; a refused address
    is marked failed at once, for HR to correct.
    """
    participant = session.get(Participant, participant_id)
    if participant is None:
        return "gone"
    campaign = session.get(Campaign, participant.campaign_id)
    if campaign.status != "open" or participant.answered:
        return "skipped"
    if kind == "invitation" and participant.state == "sent":
        return "sent already"  # a retried or repeated job never sends an invitation twice
    if kind == "reminder" and participant.state != "sent":
        return "skipped"
    token = new_token()
    message = compose(
        campaign, participant.language, f"{base_url}/s/{token}", kind, participant.email,
        settings.sender,
    )  # fmt: skip
    try:
        deliver(message, settings)
    except MailError as exc:
        participant.failures += 1
        participant.error = str(exc)[:300]
        if exc.permanent or final:
            participant.state = "failed"
        session.commit()
        if not (exc.permanent or final):
            raise
        return "failed"
    session.add(
        Invitation(
            campaign_id=campaign.id,
            token_hash=hash_token(token),
            participant_id=participant.id,
            redeemed=False,
        )
    )
    participant.state, participant.error = "sent", None
    participant.mails_sent += 1
    session.commit()
    return "sent"


def invite(session: Session, campaign: Campaign, participant_ids: list[int] | None = None) -> int:
    """Send the invitations of a round's participants who have none yet (or were failed)."""
    query = sa.select(Participant.id).where(
        Participant.campaign_id == campaign.id, Participant.state != "sent"
    )
    if participant_ids is not None:
        query = query.where(Participant.id.in_(participant_ids))
    ids = list(session.scalars(query))
    session.execute(sa.update(Participant).where(Participant.id.in_(ids)).values(state="waiting"))
    session.commit()
    return send_to_participants(ids, "invitation")


def remind(session: Session, campaign: Campaign) -> int:
    """Send a reminder to every participant of an open round who has not answered."""
    if campaign.status != "open":
        return 0
    ids = list(
        session.scalars(
            sa.select(Participant.id).where(
                Participant.campaign_id == campaign.id,
                Participant.state == "sent",
                Participant.answered.is_(False),
            )
        )
    )
    return send_to_participants(ids, "reminder")


def due_reminders(session: Session, day: dt.date | None = None) -> list[tuple[Campaign, int]]:
    """Send the reminders whose day has come, once each; returns (round, reminders sent)."""
    day = day or today_utc()
    done = []
    for campaign in session.scalars(sa.select(Campaign).where(Campaign.status == "open")):
        schedule = [dict(entry) for entry in campaign.reminder_days or []]
        due = [e for e in schedule if not e.get("sent") and dt.date.fromisoformat(e["day"]) <= day]
        if not due:
            continue
        for entry in due:
            entry["sent"] = True
        # marked first, and only if nobody marked it meanwhile: two runs never both send
        claimed = session.execute(
            sa.update(Campaign)
            .where(
                Campaign.id == campaign.id,
                sa.cast(Campaign.reminder_days, sa.Text) == json.dumps(campaign.reminder_days),
            )
            .values(reminder_days=schedule)
        ).rowcount
        session.commit()
        if claimed == 1:
            done.append((campaign, remind(session, campaign)))
    return done
