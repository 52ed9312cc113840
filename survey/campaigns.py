"""Service layer for organisations, users and campaigns (shared by the CLI and the HR pages)."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scoring.instrument import InstrumentError, load_instrument
from survey.models import (
    MIN_GROUP_SIZE_FLOOR,
    ROLES,
    Campaign,
    Invitation,
    Membership,
    Organisation,
    Response,
    User,
    today_utc,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SEGMENT_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_SEGMENT_OPTIONS = 40


class InvalidInput(ValueError):
    """Input a person typed that cannot be used; the message says why."""


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


def add_user(
    session: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    is_admin: bool = False,
    memberships: tuple[tuple[Organisation, str], ...] = (),
) -> User:
    email = (email or "").strip().lower()
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    if len(password or "") < 8:
        raise InvalidInput("a password needs at least 8 characters")
    if session.scalar(sa.select(User).filter_by(email=email)) is not None:
        raise InvalidInput(f"user {email!r} exists already")
    for _, role in memberships:
        if role not in ROLES:
            raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    user = User(
        email=email, name=name, password_hash=generate_password_hash(password), is_admin=is_admin
    )
    user.memberships = [Membership(organisation=org, role=role) for org, role in memberships]
    session.add(user)
    session.commit()
    return user


# A real hash, so that an unknown e-mail address costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anybody")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this e-mail address and password, or None — in the same time either way."""
    user = session.scalar(sa.select(User).filter_by(email=(email or "").strip().lower()))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    return user if user is not None and valid else None


def with_response_counts(session: Session, campaigns: sa.Select) -> list:
    """(campaign, number of responses) for every campaign the query selects."""
    counts = (
        sa.select(Response.campaign_id, sa.func.count().label("n"))
        .group_by(Response.campaign_id)
        .subquery()
    )
    return session.execute(
        campaigns.add_columns(sa.func.coalesce(counts.c.n, 0)).outerjoin(
            counts, counts.c.campaign_id == Campaign.id
        )
    ).all()


def response_figures(session: Session, campaign: Campaign) -> tuple[int, int, int]:
    """Responses, personal links created and links used (kept as counts once a round closes)."""
    responses = session.scalar(
        sa.select(sa.func.count()).where(Response.campaign_id == campaign.id)
    )
    if campaign.status == "closed":
        return responses, campaign.invitations_total or 0, campaign.invitations_used or 0
    invited, used = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Invitation.redeemed.is_(True))).where(
            Invitation.campaign_id == campaign.id
        )
    ).one()
    return responses, invited, used


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(sa.select(User).filter_by(email=(email or "").strip().lower()))
    if user is None:
        raise InvalidInput(f"no user {email!r}")
    return user


def set_password(session: Session, user: User, password: str) -> None:
    if len(password or "") < 8:
        raise InvalidInput("a password needs at least 8 characters")
    user.password_hash = generate_password_hash(password)
    session.commit()


def parse_segment(spec: str) -> dict:
    """``department=Sales,IT,HR`` → ``{"key": "department", "options": ["Sales", "IT", "HR"]}``."""
    key, sep, options_text = spec.partition("=")
    key = key.strip()
    if not sep or not SEGMENT_KEY_PATTERN.match(key):
        raise InvalidInput(
            f"segment {spec!r} must look like key=Option one,Option two (key: lower-case letters, "
            "digits, underscores)"
        )
    options = [option.strip() for option in options_text.split(",")]
    if len(options) < 2 or any(not option for option in options):
        raise InvalidInput(f"segment {key!r} needs at least two non-empty options")
    if len(set(options)) != len(options):
        raise InvalidInput(f"segment {key!r} lists an option twice")
    if len(options) > MAX_SEGMENT_OPTIONS:
        raise InvalidInput(f"segment {key!r} has more than {MAX_SEGMENT_OPTIONS} options")
    return {"key": key, "options": options}


def create_campaign(
    session: Session,
    organisation: Organisation,
    name: str,
    *,
    instrument: str = "social-culture-v1",
    languages: tuple[str, ...] = ("en", "nl"),
    min_group_size: int = 5,
    closes_on: dt.date | None = None,
    segments: tuple[dict, ...] = (),
    open_link: bool = False,
    status: str = "draft",
    retention_days: int = 730,
) -> Campaign:
    if not (name or "").strip():
        raise InvalidInput("a campaign needs a name")
    try:
        loaded = load_instrument(instrument)
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
    if not 1 <= retention_days <= 3650:
        raise InvalidInput("the retention period is between 1 and 3650 days")
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
        languages=list(dict.fromkeys(languages)),
        min_group_size=min_group_size,
        closes_on=closes_on,
        segments=list(segments),
        open_slug=secrets.token_urlsafe(12) if open_link else None,
        status=status,
        retention_days=retention_days,
    )
    session.add(campaign)
    session.commit()
    return campaign


def campaign_by_id(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise InvalidInput(f"no campaign {campaign_id}")
    return campaign


def set_status(session: Session, campaign: Campaign, status: str) -> Campaign:
    """Open or close a round. A closed round stays closed: its results are final."""
    if status not in ("open", "closed"):
        raise InvalidInput(f"status {status!r} must be open or closed")
    if campaign.status == "closed":
        raise InvalidInput(f"campaign {campaign.id} is closed; start a new round instead")
    if status == "open" and campaign.closes_on is not None and campaign.closes_on < today_utc():
        raise InvalidInput(f"campaign {campaign.id}'s closing date has passed")
    if status == "closed":
        from survey.lifecycle import on_close

        # one atomic UPDATE: of two people closing the round at once, one closes it
        closed = session.execute(
            sa.update(Campaign)
            .where(Campaign.id == campaign.id, Campaign.status != "closed")
            .values(status="closed")
        ).rowcount
        if closed != 1:
            session.rollback()
            raise InvalidInput(f"campaign {campaign.id} is closed already")
        session.refresh(campaign)
        on_close(session, campaign)
    else:
        campaign.status = status
    session.commit()
    return campaign
