"""Background jobs on RQ: e-mailing invitations and reminders.

With ``REDIS_URL`` set, jobs go to the ``ambassador`` queue and ``ambassador worker`` runs them
(with retries and back-off for a mail server that is away). Without it — a laptop, ``make run`` —
they run at once, in the request.

A job carries participants' ids and the mailing, never a token: the worker creates the token,
records its hash, sends the mail and marks it sent, so no link rests in Redis, the database or a
log; however often a batch is queued or run, each person gets one link of each mailing
(:mod:`survey.services.sending`).
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import Campaign, CampaignStatus, Participant, today_utc
from survey.services import custody, sending
from survey.services.mail import MailSettings

QUEUE = "ambassador"
RETRY_INTERVALS = (30, 120, 600)  # seconds before the second, third and fourth attempt
KINDS = ("invitation", "reminder")


class QueueUnavailable(Exception):
    """Redis, which holds the mail queue, cannot be reached: nothing was queued."""


def queue():
    """The RQ queue, or None when no Redis is configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    # a Redis that is away or frozen fails the call within seconds (REDIS_*TIMEOUT); the
    # worker's blocking wait for jobs sets its own, longer, read timeout
    options = current_app.config.get("REDIS_OPTIONS") or {}
    return Queue(QUEUE, connection=Redis.from_url(url, **options))


def retry():
    """RQ's retry option for a mail or housekeeping job: once after each of the configured
    intervals (``JOB_RETRY_SECONDS``)."""
    from rq import Retry

    intervals = current_app.config.get("JOB_RETRY_SECONDS") or RETRY_INTERVALS
    return Retry(max=len(intervals), interval=list(intervals))


BATCH = 100  # participants per job: one SMTP connection and one job's overhead for each batch


def send_to_participants(participant_ids: list[int], kind: str, mailing: int = 0) -> int:
    """Queue (or, without Redis, send at once) ``mailing`` to the participants — 0 the
    invitation, 1, 2, … the round's reminders; returns how many were asked for. Queued twice,
    a batch is still sent once: see :mod:`survey.services.sending`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    batches = [participant_ids[i : i + BATCH] for i in range(0, len(participant_ids), BATCH)]
    jobs = queue()
    if jobs is None:
        for batch in batches:
            send_batch(batch, kind, mailing=mailing)
        return len(participant_ids)
    from rq import Queue

    prepared = [
        Queue.prepare_data(
            mail_job,
            (batch, kind, mailing),
            retry=retry(),
            result_ttl=0,
            timeout=600,  # prepare_data's own option: the job timeout (not an argument)
        )
        for batch in batches
    ]
    from redis.exceptions import ConnectionError, TimeoutError

    try:
        for start in range(0, len(prepared), 500):
            jobs.enqueue_many(prepared[start : start + 500])
    except (ConnectionError, TimeoutError) as exc:
        raise QueueUnavailable(
            "the mail queue (Redis) cannot be reached, so nothing more was queued; "
            "please try again in a few minutes (nobody is sent an invitation twice)"
        ) from exc
    return len(participant_ids)


def mail_job(participant_ids: list[int], kind: str, mailing: int | None = None) -> dict[str, int]:
    """The RQ job: runs inside the worker's app context (see ``ambassador worker``). A batch
    that fails on a server that is away is retried whole; who was sent already is skipped."""
    from rq import get_current_job

    job = get_current_job()
    try:
        final = job is None or not job.retries_left
        return send_batch(participant_ids, kind, final=final, mailing=mailing)
    finally:
        db.session.remove()


def send_batch(
    participant_ids: list[int], kind: str, final: bool = True, mailing: int | None = None
) -> dict[str, int]:
    """Send a batch of participants their invitation or reminder over one SMTP connection;
    counts per outcome. (A reminder queued without its number, before numbers were given, is
    the round's next.)"""
    if mailing is None:
        mailing = 0 if kind == "invitation" else _next_reminder_of(participant_ids)
    return sending.send(
        db.session,
        MailSettings.from_config(current_app.config),
        current_app.config["BASE_URL"],
        participant_ids,
        mailing,
        final=final,
        silence=current_app.config["SENDING_SILENCE_SECONDS"],
    )


def _next_reminder_of(participant_ids: list[int]) -> int:
    campaign = db.session.scalar(
        sa.select(Campaign).join(Participant).where(Participant.id.in_(participant_ids)).limit(1)
    )
    return 1 if campaign is None else sending.next_reminder(db.session, campaign)


def send_mail(
    session: Session,
    settings: MailSettings,
    base_url: str,
    participant_id: int,
    kind: str,
    final: bool = True,
) -> str:
    """Send one participant their invitation (or the round's next reminder); say what
    happened."""
    campaign = session.scalar(
        sa.select(Campaign).join(Participant).where(Participant.id == participant_id)
    )
    if campaign is None:
        return "gone"
    mailing = 0 if kind == "invitation" else sending.next_reminder(session, campaign)
    outcomes = sending.send(session, settings, base_url, [participant_id], mailing, final)
    return next(iter(outcomes), "skipped")


def invite(session: Session, campaign: Campaign, participant_ids: list[int] | None = None) -> int:
    """Send the invitations of a round's participants who have none yet (or were failed) —
    only once a second person has approved the list and the round's privacy settings (or the
    organisation's admin turned approval off). Those being sent right now are queued again
    too: whichever sender comes second finds them sent."""
    custody.require_approval_to_send(session, campaign)
    query = sa.select(Participant.id).where(
        Participant.campaign_id == campaign.id, Participant.state != "sent"
    )
    if participant_ids is not None:
        query = query.where(Participant.id.in_(participant_ids))
    ids = list(session.scalars(query))
    session.execute(
        sa.update(Participant)
        .where(Participant.id.in_(ids), Participant.state == "failed")
        .values(state="waiting")
    )
    session.commit()
    return send_to_participants(ids, "invitation")


def remind(session: Session, campaign: Campaign) -> int:
    """Send a reminder to every participant of an open round who has not answered."""
    if campaign.status != CampaignStatus.OPEN:
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
    mailing = sending.next_reminder(session, campaign)
    session.commit()
    return send_to_participants(ids, "reminder", mailing)


def due_reminders(session: Session, day: dt.date | None = None) -> list[tuple[Campaign, int]]:
    """Send the reminders whose day has come, once each; returns (round, reminders sent)."""
    day = day or today_utc()
    done = []
    open_rounds = sa.select(Campaign).where(Campaign.status == CampaignStatus.OPEN)
    for campaign in session.scalars(open_rounds):
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


HOUSEKEEPING_ID = "ambassador-housekeeping"
HOUSEKEEPING_EVERY = dt.timedelta(hours=1)


def housekeeping() -> dict[str, int]:
    """The worker's hourly round: close rounds past their closing date, send the reminders whose
    day has come, keep what the instrument check pools of rounds closed before rounds kept it,
    and purge answers past their retention — each safe to run twice — then schedule the next
    round."""
    from survey.services import lifecycle

    try:
        closed = lifecycle.close_due(db.session)
        reminded = due_reminders(db.session)
        lifecycle.keep_missing_structures(db.session)  # before any purge deletes the answers
        purged = lifecycle.due_for_purge(db.session)
        if purged:
            lifecycle.purge(db.session, purged)
    finally:
        db.session.remove()
        schedule_housekeeping(HOUSEKEEPING_EVERY)
    return {"closed": len(closed), "reminded": len(reminded), "purged": len(purged)}


def schedule_housekeeping(after: dt.timedelta = dt.timedelta(0)) -> None:
    """Put the next housekeeping round on the queue's schedule. Its id names the hour it runs
    in: however many workers schedule one, one runs per hour (a later one replaces an earlier
    one of the same hour), and a running round never shares its id with the next."""
    jobs = queue()
    if jobs is None:
        return
    when = dt.datetime.now(dt.UTC) + after
    job_id = f"{HOUSEKEEPING_ID}-{when:%Y%m%d%H}"
    # RQ's options are named (job_timeout, result_ttl…): any other keyword goes to the function.
    # A round cut short (its worker killed, the database away) runs again: each step is safe twice.
    jobs.enqueue_in(
        after, housekeeping, job_id=job_id, result_ttl=0, job_timeout=3600, retry=retry()
    )


EXPORT_PREFIX = "ambassador-export-"
EXPORT_RETRY_INTERVALS = (5, 60)  # HR waits on the page: the first try again comes soon


def export_job(campaign_id: int, lang: str, kind: str, comment_min_group: int) -> int:
    """The RQ job that builds a closed round's report page, PDF, workbook or deck and keeps it;
    the file's size."""
    from reports.render import render_body
    from survey.services import report_files

    try:
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None:  # deleted while the job waited
            return 0
        if kind == "page":
            report_files.report_page(db.session, campaign, lang, comment_min_group, render_body)
            return 0
        content = report_files.build_file(
            db.session, campaign, lang, kind, comment_min_group, render_body
        )
        return len(content)
    finally:
        db.session.remove()


def request_export(campaign: Campaign, lang: str, kind: str, key: str, retry: bool = False) -> str:
    """Queue the building of a report file once, however many ask for it, and say where it
    stands: ``queued``, ``started`` or ``failed`` (then ``retry`` queues it again)."""
    from redis.exceptions import ConnectionError, TimeoutError
    from rq import Retry
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    jobs = queue()
    job_id = EXPORT_PREFIX + key[:40]
    try:
        try:
            state = Job.fetch(job_id, connection=jobs.connection).get_status(refresh=False)
            state = getattr(state, "value", state)
        except NoSuchJobError:
            state = None
        if state in ("queued", "started", "scheduled", "deferred"):
            return "started" if state == "started" else "queued"
        if state == "failed" and not retry:
            return "failed"
        jobs.enqueue(
            export_job,
            campaign.id,
            lang,
            kind,
            current_app.config["COMMENT_MIN_GROUP_SIZE"],
            job_id=job_id,
            result_ttl=60,
            failure_ttl=600,
            job_timeout=600,
            # a build cut short (its worker killed, the database away) is queued again: a second
            # build of the same key keeps the same file
            retry=Retry(max=len(EXPORT_RETRY_INTERVALS), interval=list(EXPORT_RETRY_INTERVALS)),
        )
    except (ConnectionError, TimeoutError) as exc:
        raise QueueUnavailable("the job queue (Redis) cannot be reached") from exc
    return "queued"
