"""Service layer of the survey: invitations, submitting a response, reading answers back.

Functions take a SQLAlchemy session and plain values and raise the domain exceptions below; views
and CLI commands map those to HTTP statuses and messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.instrument import MISSING, Instrument
from scoring.teams import is_tree
from survey.models import (
    Campaign,
    CampaignStatus,
    ClosedLink,
    Comment,
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


def campaign_for_token(session: Session, token: str) -> Campaign:
    """The open campaign of an unused invitation token; a link of a closed round (kept as a
    :class:`ClosedLink`) raises :class:`CampaignClosed`, any other unknown token
    :class:`UnknownLink`."""
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
        raise TokenAlreadyUsed(campaign.contact)
    return campaign


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
) -> None:
    """Store one response (and its comment apart), redeeming ``token`` in the same transaction.

    The redeeming UPDATE only matches an unused invitation, so of two simultaneous submissions with
    one token exactly one stores its answers; the other gets :class:`TokenAlreadyUsed`.
    """
    check_open(campaign)
    if language not in campaign.languages:
        raise InvalidSubmission(f"language {language!r} is not offered")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise InvalidSubmission("comment too long")
    encoded, stored_segments = encode_submission(
        campaign_instrument(campaign), answers, campaign, segments
    )
    try:
        if token is not None:
            attributes = _redeem(session, campaign, token)
            if attributes is not None:
                stored_segments = attributes
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
                sa.insert(Comment).values(id=new_uuid(), campaign_id=campaign.id, text=comment)
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _redeem(session: Session, campaign: Campaign, token: str) -> dict | None:
    """Mark the token's invitation used — and, for an e-mailed link, its participant answered, so
    that of several links one person received only one is ever answered. Returns the
    participant's attributes (which the response takes over), or None for a link without one."""
    participant_id = session.scalar(
        sa.select(Invitation.participant_id).where(
            Invitation.token_hash == hash_token(token), Invitation.campaign_id == campaign.id
        )
    )
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
        return None
    answered = session.execute(
        sa.update(Participant)
        .where(Participant.id == participant_id, Participant.answered.is_(False))
        .values(answered=True)
    )
    if answered.rowcount != 1:
        raise TokenAlreadyUsed(campaign.contact)
    return dict(session.scalar(sa.select(Participant.attributes).filter_by(id=participant_id)))


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
