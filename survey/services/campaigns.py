"""Organisations and survey rounds: creating them, opening and closing, and what HR sees of
their responses (shared by the CLI and the HR pages)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.instrument import (
    Instrument,
    InstrumentError,
    instrument_from_text,
    instrument_with_text,
    load_instrument,
    measure_versions,
)
from scoring.segments import LANGUAGES
from scoring.teams import MANAGER, TEAM
from survey.models import (
    Campaign,
    InstrumentText,
    Invitation,
    Organisation,
    Participant,
    Response,
    today_utc,
    valid_id,
)
from survey.policy import (
    CONTACT_MAX,
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_RETENTION_DAYS,
    MAX_RETENTION_DAYS,
    MIN_GROUP_SIZE_FLOOR,
)
from survey.services.errors import InvalidInput

DEFAULT_INSTRUMENT = "social-culture-v2"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SEGMENT_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# the keys of a participant list's hierarchy columns (scoring.teams): never a segment question's
RESERVED_KEYS = (TEAM, MANAGER)
MAX_SEGMENT_OPTIONS = 40


def add_organisation(
    session: Session, slug: str, name: str, sector: str | None = None, size_band: str | None = None
) -> Organisation:
    if not SLUG_PATTERN.match(slug or ""):
        raise InvalidInput(f"slug {slug!r} must be lower-case letters, digits and hyphens")
    if not (name or "").strip():
        raise InvalidInput("an organisation needs a name")
    if session.scalar(sa.select(Organisation).filter_by(slug=slug)) is not None:
        raise InvalidInput(f"organisation {slug!r} exists already")
    organisation = Organisation(slug=slug, name=name.strip(), sector=sector, size_band=size_band)
    session.add(organisation)
    session.commit()
    return organisation


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    organisation = session.scalar(sa.select(Organisation).filter_by(slug=slug))
    if organisation is None:
        raise InvalidInput(f"no organisation {slug!r}")
    return organisation


@lru_cache(maxsize=32)
def instrument_named(name: str) -> Instrument:
    """A bundled instrument (or instrument file), loaded once."""
    return load_instrument(name)


def same_measure(first, second) -> bool:
    """Whether two rounds (or aggregates) were answered with one measure: the same instrument, in
    the same version or in versions that differ only in wording."""
    return first.instrument_id == second.instrument_id and second.instrument_version in (
        measure_versions(first.instrument_id, first.instrument_version)
    )


def campaign_instrument(campaign: Campaign) -> Instrument:
    """The instrument a round is answered with: the text stored with the round."""
    stored = campaign.instrument_text
    if stored is None:  # a round from before texts were stored, whose instrument was not bundled
        try:
            return instrument_named(campaign.instrument_name)
        except InstrumentError:
            raise InvalidInput(
                f"round {campaign.id} was created with instrument {campaign.instrument_name}, "
                "which is neither stored with it nor bundled"
            ) from None
    return _instrument_from_stored(stored.digest, stored.text)


@lru_cache(maxsize=32)
def _instrument_from_stored(digest: str, text: str) -> Instrument:
    return instrument_from_text(text, source=f"stored instrument {digest[:12]}")


def store_instrument_text(session: Session, instrument: Instrument, text: str) -> InstrumentText:
    """The stored text of this instrument version, stored now if it is new. An id and version
    stored with another text is refused: rounds of one version must have the same questions."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    stored = session.scalar(
        sa.select(InstrumentText).filter_by(
            instrument_id=instrument.id, instrument_version=instrument.version
        )
    )
    if stored is None:
        stored = InstrumentText(
            instrument_id=instrument.id,
            instrument_version=instrument.version,
            digest=digest,
            text=text,
        )
        session.add(stored)
    elif stored.digest != digest:
        raise InvalidInput(
            f"instrument {instrument.id} v{instrument.version} is stored already with other "
            "content; give the changed instrument a new version"
        )
    return stored


@dataclass(frozen=True)
class CampaignRow:
    """A round with its exact number of responses, for the command line's list (pages show it
    as :func:`survey.services.participation.listed_rounds` allows)."""

    campaign: Campaign
    responses: int


def with_response_counts(session: Session, campaigns: sa.Select) -> list[CampaignRow]:
    """Every round the query selects, with its number of responses."""
    counts = (
        sa.select(Response.campaign_id, sa.func.count().label("n"))
        .group_by(Response.campaign_id)
        .subquery()
    )
    rows = session.execute(
        campaigns.add_columns(sa.func.coalesce(counts.c.n, 0)).outerjoin(
            counts, counts.c.campaign_id == Campaign.id
        )
    )
    return [CampaignRow(campaign, n) for campaign, n in rows]


def all_campaigns(session: Session, organisation_slug: str | None = None) -> list[CampaignRow]:
    """Every round (of one organisation, when a slug is given) with its responses, oldest first."""
    query = sa.select(Campaign).order_by(Campaign.id)
    if organisation_slug:
        organisation = organisation_by_slug(session, organisation_slug)
        query = query.where(Campaign.organisation_id == organisation.id)
    return with_response_counts(session, query)


@dataclass(frozen=True)
class ResponseFigures:
    """How many answered, and how many personal links were created and used — exact, so never
    shown as they are: :mod:`survey.services.participation` says what may be shown."""

    responses: int
    invited: int
    used: int


def response_figures(session: Session, campaign: Campaign) -> ResponseFigures:
    """Responses, personal links created and links used (kept as counts once a round closes)."""
    if campaign.is_closed:
        responses = session.scalar(
            sa.select(sa.func.count()).where(Response.campaign_id == campaign.id)
        )
        return ResponseFigures(
            responses, campaign.invitations_total or 0, campaign.invitations_used or 0
        )
    return live_figures(session, campaign)


def live_figures(session: Session, campaign: Campaign) -> ResponseFigures:
    """The figures counted from the responses, links and participants as they are now."""
    responses = session.scalar(
        sa.select(sa.func.count()).where(Response.campaign_id == campaign.id)
    )
    if campaign.link_custody == "system":  # one person may get several links: count people
        invited, used = session.execute(
            sa.select(
                sa.func.count(), sa.func.count().filter(Participant.answered.is_(True))
            ).where(Participant.campaign_id == campaign.id)
        ).one()
        return ResponseFigures(responses, invited, used)
    invited, used = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Invitation.redeemed.is_(True))).where(
            Invitation.campaign_id == campaign.id
        )
    ).one()
    return ResponseFigures(responses, invited, used)


def parse_segment(spec: str) -> dict:
    """A segment question from its one-line form.

    ``department=Sales,IT`` names the options only. Names in English and Dutch are written
    ``English|Dutch``, for the question after a colon and for each option::

        department:Department|Afdeling=Sales|Verkoop,Care|Zorg,IT

    The stored value of an option is its first (English) name; an option without ``|`` has the
    same name in both languages.
    """
    head, sep, options_text = spec.partition("=")
    key, colon, label_text = head.partition(":")
    key = key.strip()
    if not sep or not SEGMENT_KEY_PATTERN.match(key):
        raise InvalidInput(
            f"segment {spec!r} must look like key=Option one,Option two or "
            "key:Label|Label in Dutch=Option|Option in Dutch,… (key: lower-case letters, "
            "digits, underscores)"
        )
    names = [_bilingual(part, key) for part in options_text.split(",")]
    label = _bilingual(label_text, key) if colon else None
    return segment_question(key, label, names)


def segment_question(key: str, label: tuple[str, str] | None, names: list[tuple[str, str]]) -> dict:
    """A segment question from its key, its name in English and Dutch (or None) and its options'
    names in English and Dutch; the stored value of an option is its English name."""
    key = key.strip()
    if not SEGMENT_KEY_PATTERN.match(key):
        raise InvalidInput(
            f"segment key {key!r}: use lower-case letters, digits and underscores, starting "
            "with a letter"
        )
    if key in RESERVED_KEYS:
        raise InvalidInput(
            f"segment key {key!r} is the organisation's tree, which comes from a participant "
            "list's team or manager column: choose another key"
        )
    names = [(en.strip(), nl.strip()) for en, nl in names if en.strip() or nl.strip()]
    if any(not en or not nl for en, nl in names):
        raise InvalidInput(f"segment {key!r}: every option needs a name in both languages")
    if len(names) < 2:
        raise InvalidInput(f"segment {key!r} needs at least two non-empty options")
    if len(names) > MAX_SEGMENT_OPTIONS:
        raise InvalidInput(f"segment {key!r} has more than {MAX_SEGMENT_OPTIONS} options")
    option_labels = {lang: [name[i] for name in names] for i, lang in enumerate(LANGUAGES)}
    for labels in option_labels.values():
        if len({label.casefold() for label in labels}) != len(labels):
            raise InvalidInput(f"segment {key!r} lists an option twice")
    question = {"key": key, "options": option_labels[LANGUAGES[0]]}
    if label is not None and any(part.strip() for part in label):
        question["label"] = dict(zip(LANGUAGES, (part.strip() for part in label), strict=True))
        if not all(question["label"].values()):
            raise InvalidInput(f"segment {key!r}: give its name in both languages, or in neither")
    if option_labels[LANGUAGES[0]] != option_labels[LANGUAGES[1]]:
        question["option_labels"] = option_labels
    return question


def _bilingual(text: str, key: str) -> tuple[str, str]:
    """``English|Dutch`` → both names; one name serves both languages."""
    parts = [part.strip() for part in text.split("|")]
    if len(parts) > len(LANGUAGES) or not all(parts):
        raise InvalidInput(
            f"segment {key!r}: {text.strip()!r} must be a name, or English|Dutch, "
            "with neither left empty"
        )
    return (parts[0], parts[-1])


def create_campaign(
    session: Session,
    organisation: Organisation,
    name: str,
    *,
    instrument: str = DEFAULT_INSTRUMENT,
    languages: tuple[str, ...] = ("en", "nl"),
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    closes_on: dt.date | None = None,
    segments: tuple[dict, ...] = (),
    open_link: bool = False,
    status: str = "draft",
    retention_days: int = DEFAULT_RETENTION_DAYS,
    contact: str | None = None,
) -> Campaign:
    if not (name or "").strip():
        raise InvalidInput("a campaign needs a name")
    contact = checked_contact(contact)
    try:
        loaded, text = instrument_with_text(instrument)
    except InstrumentError as exc:
        raise InvalidInput(str(exc)) from None
    if min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise InvalidInput(f"the minimum group size is at least {MIN_GROUP_SIZE_FLOOR}")
    if not languages:
        raise InvalidInput("a campaign needs at least one language")
    missing = [lang for lang in languages if lang not in loaded.languages]
    if missing:
        raise InvalidInput(
            f"instrument {loaded.id} v{loaded.version} has no texts in {missing[0]!r}"
        )
    if not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise InvalidInput(f"the retention period is between 1 and {MAX_RETENTION_DAYS} days")
    if closes_on is not None and closes_on < today_utc():
        raise InvalidInput(f"the closing date {closes_on.isoformat()} has passed")
    keys = [segment["key"] for segment in segments]
    if len(set(keys)) != len(keys):
        raise InvalidInput("a segment question appears twice")
    campaign = Campaign(
        organisation=organisation,
        name=name.strip(),
        instrument_id=loaded.id,
        instrument_version=loaded.version,
        instrument_text=store_instrument_text(session, loaded, text),
        languages=list(dict.fromkeys(languages)),
        min_group_size=min_group_size,
        closes_on=closes_on,
        segments=list(segments),
        open_slug=secrets.token_urlsafe(12) if open_link else None,
        status=status,
        retention_days=retention_days,
        contact=contact,
    )
    session.add(campaign)
    session.commit()
    return campaign


def checked_contact(contact: str | None) -> str | None:
    """Whom employees can ask about a round, on one line; None when it is left empty."""
    text = " ".join((contact or "").split())
    if len(text) > CONTACT_MAX:
        raise InvalidInput(f"whom to ask is at most {CONTACT_MAX} characters (not {len(text)})")
    return text or None


def set_contact(session: Session, campaign: Campaign, contact: str | None) -> Campaign:
    """Change whom employees can ask; it may change at any time, also once the round closed."""
    campaign.contact = checked_contact(contact)
    session.commit()
    return campaign


def campaign_by_id(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id) if valid_id(campaign_id) else None
    if campaign is None:
        raise InvalidInput(f"no campaign {campaign_id}")
    return campaign


QR_KINDS = {"svg": "image/svg+xml", "png": "image/png"}


def qr_code(url: str, kind: str) -> tuple[bytes, str]:
    """A QR code of ``url`` (error correction M, a quiet zone of four modules) as SVG or PNG."""
    import io

    import segno

    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind=kind, scale=10 if kind == "png" else 1, border=4)
    return buffer.getvalue(), QR_KINDS[kind]
