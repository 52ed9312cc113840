"""The database schema. The anonymity rules live here, not in a convention:

* an :class:`Invitation` holds only the SHA-256 of its token and a redeemed flag — no time, no
  address;
* a :class:`Response` holds a random UUID, its campaign, the *day* it was given, its language, the
  segment answers and the item answers — nothing that links it to an invitation, a person, a network
  address or a moment of the day;
* a :class:`Comment` is stored apart from its response and without its segment answers, so a
  remark cannot be tied to answers or to a group — save, in a round with the organisation's
  tree, the team its response is recorded in (a team of at least k invited people), so that a
  manager can read the comments of a team large enough (:mod:`reports.team_comments`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from survey.policy import (
    CONTACT_MAX,
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_RETENTION_DAYS,
    MIN_GROUP_SIZE_FLOOR,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("hr", "consultant", "privacy", "manager")
MAX_ID = 2**31 - 1  # integer primary keys: a larger number in a URL names nothing


def valid_id(value: int) -> bool:
    """Whether ``value`` can be a row's id (PostgreSQL's integer range; SQLite's is wider)."""
    return 0 < value <= MAX_ID


class CampaignStatus(enum.StrEnum):
    """Where a round is in its life: drafted, taking answers, or closed for good (its figures
    are then final and published)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def new_uuid() -> str:
    return str(uuid.uuid4())


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[str | None] = mapped_column(sa.String(80))
    size_band: Mapped[str | None] = mapped_column(sa.String(20))
    # password accounts of this organisation's members need a second factor (admins always do)
    require_second_factor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # the organisation's own e-mail domains, as an admin verified them (a list's addresses
    # elsewhere are shown to the list's approver)
    email_domains: Mapped[list[Any]] = mapped_column(sa.JSON, default=list, server_default="[]")
    # participant lists need a second person's approval before links go out; only an admin
    # turns this off, and the report says so
    list_approval: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    list_approval_off_by: Mapped[str | None] = mapped_column(sa.String(254))
    list_approval_off_on: Mapped[dt.date | None]

    campaigns: Mapped[list[Campaign]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.UniqueConstraint("identity_provider_id", "subject", name="provider_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # part of the login session's id: raising it (logout, new password) ends every session
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # second factor (TOTP): the shared secret sealed with the installation's key; the last time
    # step a code was accepted for (a code is used once); recovery codes: see RecoveryCode
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # wrong codes since ``wrong_codes_since``: the account takes no code once it has had
    # ACCOUNT_CODE_TRIES within ACCOUNT_CODE_MINUTES (see survey.services.second_factor)
    wrong_codes: Mapped[int] = mapped_column(default=0, server_default="0")
    wrong_codes_since: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # an account of an organisation's identity provider: the provider and its subject (``sub``);
    # such an account has no usable password
    identity_provider_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("identity_providers.id", ondelete="SET NULL")
    )
    subject: Mapped[str | None] = mapped_column(sa.String(255))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the user and its session version."""
        return f"{self.id}:{self.session_version or 0}"


class RecoveryCode(Base):
    """One of a second factor's recovery codes, as a salted hash. A code is used up by deleting
    its row: of requests that bring the same code at once, only the one whose DELETE removes
    the row signs in."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))


class PendingSignIn(Base):
    """A password sign-in that waits for its second factor. Its wrong codes are counted here, on
    the server: the signed cookie that names it could be sent again and again with any count
    it held. It ends after PENDING_SIGN_IN_TRIES wrong codes, or when it is used."""

    __tablename__ = "pending_sign_ins"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    wrong_codes: Mapped[int] = mapped_column(default=0, server_default="0")


class IdentityProvider(Base):
    """An organisation's OpenID Connect provider: its users sign in there."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    # the client secret, sealed with the installation's key, or the name of the environment
    # variable that holds it (exactly one of the two)
    client_secret_sealed: Mapped[str | None] = mapped_column(sa.Text)
    client_secret_env: Mapped[str | None] = mapped_column(sa.String(100))
    # lower-case e-mail domains whose users sign in here: ["acme.example", …]
    domains: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # the claim that carries roles (``groups``), and its values per role:
    # {"hr": ["ambassador-hr"], "consultant": ["ambassador-consultants"]}
    role_claim: Mapped[str] = mapped_column(sa.String(100), default="groups")
    role_values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # the claim that carries a manager's team as a path of the organisation's tree
    # (``department_path``: "Care/Ward 3"); None: a manager's team is their own address
    team_claim: Mapped[str | None] = mapped_column(sa.String(100))
    password_login: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship()


class AuditEvent(Base):
    """Who did what when, for sign-ins and settings — never answers or personal links."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    event: Mapped[str] = mapped_column(sa.String(40), index=True)
    # who: the account (kept as its e-mail address too, which outlives the account), or the
    # address typed at a failed sign-in; "cli" for the command line
    actor: Mapped[str] = mapped_column(sa.String(254), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    detail: Mapped[str] = mapped_column(sa.String(1000), default="")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "organisation_id", name="user_organisation"),
        sa.CheckConstraint("role IN ('hr', 'consultant', 'privacy', 'manager')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(sa.String(20))
    # a manager's team in the organisation's tree: a path (Care/Ward 3) or its last level; None:
    # the manager's own e-mail address (a tree made from a list's manager column)
    team: Mapped[str | None] = mapped_column(sa.String(500))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class InstrumentText(Base):
    """The exact text of an instrument version that rounds were created with.

    A round points to the text it was created with, so it always has the questions it was
    answered with, whatever happens to the file it came from. One id and version has one text:
    a changed file needs a new version.
    """

    __tablename__ = "instrument_texts"
    __table_args__ = (sa.UniqueConstraint("instrument_id", "instrument_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[str] = mapped_column(sa.String(80))
    instrument_version: Mapped[str] = mapped_column(sa.String(20))
    digest: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of the text
    text: Mapped[str] = mapped_column(sa.Text)  # the instrument's TOML


class Campaign(Base):
    """One survey round of one organisation."""

    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint(f"min_group_size >= {MIN_GROUP_SIZE_FLOOR}", name="min_group_size"),
        sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    instrument_id: Mapped[str] = mapped_column(sa.String(80))
    instrument_version: Mapped[str] = mapped_column(sa.String(20))
    # the instrument's text as the round was created with it (NULL only for rounds whose
    # instrument could not be found when texts were first stored)
    instrument_text_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("instrument_texts.id", ondelete="RESTRICT")
    )
    languages: Mapped[list[Any]] = mapped_column(sa.JSON, default=lambda: ["en", "nl"])
    status: Mapped[str] = mapped_column(sa.String(10), default=CampaignStatus.DRAFT)
    closes_on: Mapped[dt.date | None]
    min_group_size: Mapped[int] = mapped_column(default=DEFAULT_MIN_GROUP_SIZE)
    # [{"key": "department", "options": ["Sales", "IT"]}, …]
    segments: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    open_slug: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    # data lifecycle: raw answers are deleted `retention_days` after the round closed
    retention_days: Mapped[int] = mapped_column(
        default=DEFAULT_RETENTION_DAYS, server_default=str(DEFAULT_RETENTION_DAYS)
    )
    closed_on: Mapped[dt.date | None]
    managers_published_on: Mapped[dt.date | None]  # when HR gave managers their team's results
    purged: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # invitations are deleted when a round closes; their counts are kept for the response rate
    invitations_total: Mapped[int | None]
    invitations_used: Mapped[int | None]
    # personal links created once the round was open: each could have been answered by whoever
    # created it, so the report says how many there were
    invitations_after_open: Mapped[int] = mapped_column(default=0, server_default="0")
    # who holds the personal links: "organisation" (HR downloads and sends them) or "system" (the
    # round has a participant list and Ambassador Scan e-mails the links; nobody can see them)
    link_custody: Mapped[str] = mapped_column(sa.String(12), default="organisation")
    # the invitation e-mail per language: {"en": {"subject": …, "intro": …}, …}
    invitation_texts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # up to three reminder days; a reminder goes out on the first run of `remind` on or after it
    reminder_days: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # kept when a round closes and its participants are deleted: invited per attribute group
    participant_counts: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # answers brought in from a file (``ambassador import``): such a round holds nothing else
    imported_responses: Mapped[int] = mapped_column(default=0, server_default="0")
    # whom employees can ask about the round (name and e-mail or phone), shown on the thank-you
    # and used-link pages; a person's contact details, not a respondent's
    contact: Mapped[str | None] = mapped_column(sa.String(CONTACT_MAX))
    # the participant list's custody (survey.services.custody): who uploaded it and from what
    # ("hr", "directory"); its approval ("pending", "approved", "returned"; None without a list
    # or without the requirement), by whom and when, the digest of what was approved, and the
    # approver's note when it was sent back
    list_uploaded_by: Mapped[str | None] = mapped_column(sa.String(254))
    list_source: Mapped[str | None] = mapped_column(sa.String(12))
    list_state: Mapped[str | None] = mapped_column(sa.String(10))
    list_approved_by: Mapped[str | None] = mapped_column(sa.String(254))
    list_approved_on: Mapped[dt.date | None]
    list_digest: Mapped[str | None] = mapped_column(sa.String(64))
    list_note: Mapped[str | None] = mapped_column(sa.String(1000))

    organisation: Mapped[Organisation] = relationship(back_populates="campaigns")
    instrument_text: Mapped[InstrumentText | None] = relationship()

    @property
    def instrument_name(self) -> str:
        return f"{self.instrument_id}-v{self.instrument_version}"

    @property
    def is_closed(self) -> bool:
        return self.status == CampaignStatus.CLOSED

    def is_open_on(self, day: dt.date) -> bool:
        return self.status == CampaignStatus.OPEN and (
            self.closes_on is None or day <= self.closes_on
        )


class Invitation(Base):
    """A personal survey link: only the SHA-256 of its token is kept, and whether it was used.

    A link the system e-mailed belongs to its participant until the round closes (so that the
    participant is not reminded after answering); the response never refers to either. A
    participant holds one link per mailing — the invitation, each reminder — and the database
    refuses a second: however many workers send a batch, nobody gets two links of one mailing."""

    __tablename__ = "invitations"
    __table_args__ = (sa.UniqueConstraint("participant_id", "mailing", name="participant_mailing"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    redeemed: Mapped[bool] = mapped_column(default=False)
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    # the e-mail that carried it: 0 the invitation, then 1, 2, … the round's reminders (a link
    # HR handed out itself: 0)
    mailing: Mapped[int] = mapped_column(default=0, server_default="0")
    # recorded before its e-mail goes out (False), sent once the mail server took it (True): a
    # sender that dies in between leaves a link nobody holds, which the next one replaces
    sent: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class ClosedLink(Base):
    """The fingerprint of a personal link whose round has closed, so that the link gets "this
    survey has closed" instead of "not found". Nothing else is kept: not whether the link was
    used, nor whose it was; a guessed or mistyped link still finds nothing."""

    __tablename__ = "closed_links"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )


class FormKey(Base):
    """A questionnaire form that was sent: the fingerprint of the random key the form carried
    from the moment it was shown. The same form sent twice — a double click, or a person sending
    again because the confirmation never reached them — finds its key here and is stored once.
    Nothing else is kept: not the link it came through, not the answers, not a time. Deleted
    when the round closes."""

    __tablename__ = "form_keys"

    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )


PARTICIPANT_STATES = ("waiting", "sent", "failed")


class Participant(Base):
    """A person on a round's participant list: the address the system e-mails the link to, and
    the attributes the response takes over. Deleted when the round closes."""

    __tablename__ = "participants"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "email"),
        sa.UniqueConstraint("campaign_id", "mailbox", name="campaign_mailbox"),
        sa.CheckConstraint("state IN ('waiting', 'sent', 'failed')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    # the mailbox the address reaches (survey.services.custody.mailbox): one per round
    mailbox: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(5))
    # as the list gave them, coarsened so that every combination is shared by k participants
    # (what responses take over: no stored combination names one person)
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    added_after_open: Mapped[bool] = mapped_column(default=False)
    answered: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(sa.String(10), default="waiting")
    mails_sent: Mapped[int] = mapped_column(default=0)  # the invitation and its reminders
    failures: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(300))


class Response(Base):
    """One employee's answers. ``answers`` holds one signed byte per item, in the instrument's
    column order: the answer minus the scale minimum, -1 for "don't know" (see
    :func:`survey.services.responses.answer_matrix`)."""

    __tablename__ = "responses"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    submitted_on: Mapped[dt.date] = mapped_column(default=today_utc)
    language: Mapped[str] = mapped_column(sa.String(5))
    segments: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    answers: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Comment(Base):
    """An optional remark, stored apart from the answers it came with and without any segment
    but its team: the team its response is recorded in, in a round with the organisation's tree
    (no stored team names fewer than k invited people)."""

    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    team: Mapped[str | None] = mapped_column(sa.String(500))


class RoundAggregate(Base):
    """A closed round's figures for benchmarking: per principle n, mean, SD and score bins.

    Kept when a round's raw answers are purged, and the form in which other pools' rounds are
    imported (``external``, with no campaign). No row is ever stored for fewer than the round's
    minimum group size.
    """

    __tablename__ = "round_aggregates"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True
    )
    external: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str | None] = mapped_column(sa.String(200))  # label of an imported file
    label: Mapped[str | None] = mapped_column(sa.String(200))  # an imported round's name, if given
    sector: Mapped[str | None] = mapped_column(sa.String(80))
    size_band: Mapped[str | None] = mapped_column(sa.String(20))
    instrument_id: Mapped[str] = mapped_column(sa.String(80))
    instrument_version: Mapped[str] = mapped_column(sa.String(20))
    n: Mapped[int]
    # {"guidelines": {"n": 120, "mean": 61.2, "sd": 17.3, "bins": [0, 2, …]}, …}
    dimensions: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # what the instrument check pools (scoring.structure.round_structure): the moments of the
    # complete answers and the languages it may name; None for imported rounds
    structure: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))


class PoolVersion(Base):
    """A published version of the benchmark pool of one instrument version.

    What HR and consultants see of the pool changes only from one version to the next, and a new
    version is published only when at least three organisations' entries differ from the last
    one, so that no single organisation's contribution can be worked out by comparing them.
    ``members`` lists the round aggregates it holds.
    """

    __tablename__ = "pool_versions"
    __table_args__ = (sa.UniqueConstraint("instrument_id", "instrument_version", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[str] = mapped_column(sa.String(80))
    instrument_version: Mapped[str] = mapped_column(sa.String(20))
    number: Mapped[int]
    published_on: Mapped[dt.date] = mapped_column(default=today_utc)
    members: Mapped[list[Any]] = mapped_column(sa.JSON)


ACTION_STATUSES = ("planned", "in_progress", "done")


class Action(Base):
    """A step HR takes on a principle, usually one of the report's recommendations."""

    __tablename__ = "actions"
    __table_args__ = (
        sa.CheckConstraint("status IN ('planned', 'in_progress', 'done')", name="status"),
        # a recommendation becomes one action per round, however often it is clicked
        sa.UniqueConstraint("campaign_id", "recommendation_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(sa.String(80))
    recommendation_key: Mapped[str | None] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(200), default="")
    due_on: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    team: Mapped[str | None] = mapped_column(sa.String(500))  # a team's action: its manager's


class ReportFile(Base):
    """A closed round's report, built once: the page's figures and body, or a PDF, workbook or
    deck. ``key`` is a hash of everything the file depends on (round, language, pool version,
    action plans, instrument, disclosure rules, the code that builds it); a change to any of
    them gives a new key, and the stale file is replaced when the new one is stored. Deleted
    with the round, and when its answers are purged."""

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    lang: Mapped[str] = mapped_column(sa.String(5))
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
