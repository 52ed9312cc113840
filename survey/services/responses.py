"""Service layer of the survey: invitations, submitting a response, reading answers back.

Functions take a SQLAlchemy session and plain values and raise the domain exceptions below; views
and CLI commands map those to HTTP statuses and messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scoring.instrument import MISSING, Instrument
from scoring.teams import is_tree
from survey.models import (
    Campaign,
    CampaignStatus,
    ClosedLink,
    Comment,
    FormKey,
    Invitation,
    Participant,
    Response,
    new_uuid,
    today_utc,
)
from survey.services.campaigns import campaign_instrument
from survey.services.errors import InvalidInput

COMMENT_MAX_LENGTH = 2000
TOKEN_BYTES = 24  # 192 bits: not guessable, and short enough for a link in an e-mail


class SurveyError(Exception):
    """Base of the survey's domain errors."""


class UnknownLink(SurveyError):
    """No invitation or open link with this token or slug (404)."""


class TokenAlreadyUsed(SurveyError):
    """The invitation has been used already (409); ``contact`` is whom its round says to ask."""

    def __init__(self, contact: str | None = None):
        super().__init__(contact)
        self.contact = contact


class CampaignClosed(SurveyError):
    """The round has closed (410)."""


class CampaignNotOpen(SurveyError):
    """The round has not opened yet (404)."""


class AnswersReceived(SurveyError):
    """This very form was stored already — a double click, or a person sending again because
    the confirmation never reached them: nothing is stored twice, and they are told their
    answers arrived. ``campaign_id`` is the round's."""

    def __init__(self, campaign_id: int):
        super().__init__(campaign_id)
        self.campaign_id = campaign_id


class InvalidSubmission(SurveyError):
    """A submission no honest form could send: an unknown field or a value not offered (400)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def check_open(campaign: Campaign, day: dt.date | None = None) -> None:
    """Raise unless the campaign takes responses on ``day`` (today by default)."""
    day = day or today_utc()
    if campaign.status == CampaignStatus.DRAFT:
        raise CampaignNotOpen(campaign.id)
    if not campaign.is_open_on(day):
        raise CampaignClosed(campaign.id)


def campaign_for_token(session: Session, token: str, form_key: str | None = None) -> Campaign:
    """The open campaign of an unused invitation token; a link of a closed round (kept as a
    :class:`ClosedLink`) raises :class:`CampaignClosed`, any other unknown token
    :class:`UnknownLink`. A used token raises :class:`TokenAlreadyUsed` — or, sent with the
    key of the form whose answers used it, :class:`AnswersReceived`."""
    if "\x00" in token:  # no link holds one, and PostgreSQL cannot even compare it
        raise UnknownLink()
    found = session.execute(
        sa.select(Invitation.redeemed, Campaign)
        .join(Campaign, Campaign.id == Invitation.campaign_id)
        .where(Invitation.token_hash == hash_token(token))
    ).first()
    if found is None:
        closed = session.scalar(
            sa.select(ClosedLink.campaign_id).where(ClosedLink.token_hash == hash_token(token))
        )
        raise UnknownLink() if closed is None else CampaignClosed(closed)
    redeemed, campaign = found
    check_open(campaign)
    if redeemed:
        if form_key is not None and form_sent(session, campaign, form_key):
            raise AnswersReceived(campaign.id)
        raise TokenAlreadyUsed(campaign.contact)
    return campaign


FORM_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_form_key() -> str:
    """The random key a questionnaire form carries from the moment it is shown."""
    return secrets.token_urlsafe(18)


def form_sent(session: Session, campaign: Campaign, form_key: str) -> bool:
    """Whether answers sent with ``form_key`` were stored in ``campaign``."""
    sent = session.get(FormKey, hash_token(form_key))
    return sent is not None and sent.campaign_id == campaign.id


def campaign_for_slug(session: Session, slug: str) -> Campaign:
    """The open campaign behind an open (anonymous, untokened) survey link."""
    if "\x00" in slug:
        raise UnknownLink()
    campaign = session.scalar(sa.select(Campaign).filter_by(open_slug=slug))
    if campaign is None:
        raise UnknownLink()
    check_open(campaign)
    return campaign


def create_invitations(session: Session, campaign: Campaign, count: int) -> list[str]:
    """Create ``count`` invitations and return their tokens; only the hashes are stored."""
    tokens = [new_token() for _ in range(count)]
    store_invitations(session, campaign, tokens)
    return tokens


def store_invitations(session: Session, campaign: Campaign, tokens: list[str]) -> None:
    """Store the hashes of ``tokens`` as unused invitations of ``campaign`` (and count them when
    the round is open already: the report tells HR how many links were made after opening)."""
    if campaign.link_custody == "system":
        raise InvalidInput(
            f"campaign {campaign.id} has a participant list: only the system sends its links"
        )
    if campaign.status == CampaignStatus.OPEN:
        session.execute(
            sa.update(Campaign)
            .where(Campaign.id == campaign.id)
            .values(invitations_after_open=Campaign.invitations_after_open + len(tokens))
        )
    session.execute(
        sa.insert(Invitation),
        [
            {"campaign_id": campaign.id, "token_hash": hash_token(t), "redeemed": False}
            for t in tokens
        ],
    )
    session.commit()


def encode_submission(
    instrument: Instrument,
    answers: Mapping[str, int | None],
    campaign: Campaign,
    segments: Mapping[str, str | None],
) -> tuple[bytes, dict[str, str]]:
    """Check a submission against the instrument and the campaign; return the stored forms."""
    unknown = set(answers) - set(instrument.item_keys)
    if unknown:
        raise InvalidSubmission(f"unknown item {sorted(unknown)[0]!r}")
    scale = instrument.scale
    row = np.full(len(instrument.item_keys), MISSING, dtype=np.int8)
    for col, key in enumerate(instrument.item_keys):
        value = answers.get(key)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (scale.min <= value <= scale.max)
        ):
            raise InvalidSubmission(f"item {key!r}: value {value!r} is not on the scale")
        row[col] = value - scale.min
    # the organisation's tree comes from the participant list only, never from the respondent
    offered = {s["key"]: s["options"] for s in campaign.segments if not is_tree(s)}
    stored = {}
    for key, option in segments.items():
        if key not in offered:
            raise InvalidSubmission(f"unknown segment question {key!r}")
        if option is None:
            continue  # "prefer not to say"
        if option not in offered[key]:
            raise InvalidSubmission(f"segment {key!r}: option {option!r} is not offered")
        stored[key] = option
    return row.tobytes(), stored


def submit_response(
    session: Session,
    campaign: Campaign,
    *,
    answers: Mapping[str, int | None],
    segments: Mapping[str, str | None],
    language: str,
    comment: str = "",
    token: str | None = None,
    form_key: str | None = None,
) -> None:
    """Store one response (and its comment apart), redeeming ``token`` in the same transaction.

    The response is written first, and the round is then read under a shared lock on its row
    (PostgreSQL; on SQLite the write already holds the database's one write lock): a close that
    began earlier is waited for and the answers are refused as closed (:class:`CampaignClosed`),
    and a close that begins later waits until they are stored — and counts them. The redeeming
    UPDATE only matches an unused invitation, so of two simultaneous submissions with one token
    exactly one stores its answers; the other gets :class:`TokenAlreadyUsed`. A form sent again
    with its ``form_key`` raises :class:`AnswersReceived` and stores nothing.
    """
    check_open(campaign)
    if language not in campaign.languages:
        raise InvalidSubmission(f"language {language!r} is not offered")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise InvalidSubmission("comment too long")
    if form_key is not None and not FORM_KEY_PATTERN.fullmatch(form_key):
        raise InvalidSubmission("not a form key")
    encoded, stored_segments = encode_submission(
        campaign_instrument(campaign), answers, campaign, segments
    )
    try:
        participant = _participant_of(session, campaign, token) if token is not None else None
        if participant is not None:
            stored_segments = participant[1]
        session.execute(
            sa.insert(Response).values(
                id=new_uuid(),
                campaign_id=campaign.id,
                submitted_on=today_utc(),
                language=language,
                segments=stored_segments,
                answers=encoded,
            )
        )
        if comment:
            session.execute(
                sa.insert(Comment).values(
                    id=new_uuid(),
                    campaign_id=campaign.id,
                    text=comment,
                    # the team the response is recorded in, and no other segment
                    team=_recorded_team(campaign, stored_segments),
                )
            )
        _still_open(session, campaign)
        if form_key is not None:
            _use_form_key(session, campaign, form_key)
        if token is not None:
            _redeem(session, campaign, token, participant[0] if participant else None)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _recorded_team(campaign: Campaign, segments: Mapping[str, str]) -> str | None:
    """The team of the organisation's tree a response is recorded in (None: no tree, or not
    recorded in one): all of its segments a comment keeps."""
    tree = next((q for q in campaign.segments if is_tree(q)), None)
    team = segments.get(tree["key"]) if tree else None
    return team if team in (tree or {}).get("options", ()) else None


def _still_open(session: Session, campaign: Campaign) -> None:
    """Read the round again under a shared lock on its row: a close under way is waited for,
    and one that comes later waits for this transaction."""
    status, closes_on = session.execute(
        sa.select(Campaign.status, Campaign.closes_on)
        .where(Campaign.id == campaign.id)
        .with_for_update(read=True)
    ).one()
    if status != CampaignStatus.OPEN or (closes_on is not None and today_utc() > closes_on):
        raise CampaignClosed(campaign.id)


def _use_form_key(session: Session, campaign: Campaign, form_key: str) -> None:
    """Record the form's key; a form sent already (even one being stored at this moment, which
    is waited for) raises :class:`AnswersReceived`."""
    try:
        session.execute(
            sa.insert(FormKey).values(key_hash=hash_token(form_key), campaign_id=campaign.id)
        )
    except IntegrityError:  # the transaction is rolled back by the caller
        raise AnswersReceived(campaign.id) from None


def _participant_of(session: Session, campaign: Campaign, token: str) -> tuple[int, dict] | None:
    """The participant an e-mailed link belongs to, and their attributes (which the response
    takes over); None for a link HR handed out."""
    found = session.execute(
        sa.select(Participant.id, Participant.attributes)
        .join(Invitation, Invitation.participant_id == Participant.id)
        .where(Invitation.token_hash == hash_token(token), Invitation.campaign_id == campaign.id)
    ).first()
    return None if found is None else (found[0], dict(found[1]))


def _redeem(session: Session, campaign: Campaign, token: str, participant_id: int | None) -> None:
    """Mark the token's invitation used — and, for an e-mailed link, its participant answered, so
    that of several links one person received only one is ever answered."""
    redeemed = session.execute(
        sa.update(Invitation)
        .where(
            Invitation.token_hash == hash_token(token),
            Invitation.campaign_id == campaign.id,
            Invitation.redeemed.is_(False),
        )
        .values(redeemed=True)
    )
    if redeemed.rowcount != 1:
        raise TokenAlreadyUsed(campaign.contact)
    if participant_id is None:
        return
    answered = session.execute(
        sa.update(Participant)
        .where(Participant.id == participant_id, Participant.answered.is_(False))
        .values(answered=True)
    )
    if answered.rowcount != 1:
        raise TokenAlreadyUsed(campaign.contact)


def _answers_with(session: Session, campaign: Campaign, column) -> tuple[np.ndarray, list]:
    """The answer matrix (as :func:`answer_matrix`) and, row for row, one more column of each
    response, in one query."""
    instrument = campaign_instrument(campaign)
    rows = session.execute(
        sa.select(Response.answers, column).where(Response.campaign_id == campaign.id)
    ).all()
    width = len(instrument.item_keys)
    offsets = np.frombuffer(b"".join(row[0] for row in rows), dtype=np.int8)
    return offsets.reshape(len(rows), width), [row[1] for row in rows]


def campaign_answers(session: Session, campaign: Campaign) -> tuple[np.ndarray, list[dict]]:
    """The answer matrix (as :func:`answer_matrix`) and each response's segment answers, in one
    query."""
    offsets, segments = _answers_with(session, campaign, Response.segments)
    return offsets, [stored or {} for stored in segments]


def answer_matrix(session: Session, campaign: Campaign) -> np.ndarray:
    """All responses of a campaign as a respondents × items int8 matrix (answer − scale minimum).

    One query, one join of the byte strings, one ``frombuffer``: no Python work per answer.
    """
    instrument = campaign_instrument(campaign)
    blobs = session.scalars(
        sa.select(Response.answers).where(Response.campaign_id == campaign.id)
    ).all()
    width = len(instrument.item_keys)
    return np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(blobs), width)


def answers_and_languages(session: Session, campaign: Campaign) -> tuple[np.ndarray, np.ndarray]:
    """:func:`answer_matrix` and, row for row, the language each respondent answered in."""
    offsets, spoken = _answers_with(session, campaign, Response.language)
    return offsets, np.array(spoken, dtype=object)
