"""A second factor for password accounts: time-based one-time codes (TOTP, RFC 6238, as every
authenticator app makes them) and ten recovery codes, shown once and kept only as hashes.

Admins always need one; the members of an organisation that requires it too. Accounts of an
organisation's identity provider get their second factor from that provider.

Guessing is limited three ways: a half-finished sign-in ends after a few wrong codes, an account
takes only so many wrong codes an hour however many sign-ins (and addresses) bring them, and
the login rate limit counts each client address's attempts. Both counts live in the database
and are taken before a code is checked, by conditional UPDATEs, so that simultaneous guesses
cannot slip past them.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey.models import Membership, Organisation, PendingSignIn, RecoveryCode, User
from survey.policy import ACCOUNT_CODE_MINUTES, ACCOUNT_CODE_TRIES, PENDING_SIGN_IN_TRIES
from survey.services import audit
from survey.services.sealing import seal, unseal

PURPOSE = "second factor"
ISSUER = "Ambassador Scan"
RECOVERY_CODES = 10
STEP = 30  # seconds per code
WINDOW = 1  # a code of the step before or after is accepted too (clocks drift)
PENDING_SECONDS = 300  # a half-finished sign-in expires after five minutes
# the counts are decided by the database; nothing loaded in the session needs to follow them
UNSYNCED = {"synchronize_session": False}


class CodeCheck(enum.Enum):
    """What became of a code typed at a sign-in (or to confirm a change)."""

    RIGHT = "right"
    WRONG = "wrong"
    ENDED = "ended"  # the half-finished sign-in is over: its last try, expired, or used
    LOCKED = "locked"  # the account takes no code for now: too many wrong ones this hour


def required(session: Session, user: User) -> bool:
    """Whether ``user`` must have a second factor: admins, and members of an organisation that
    requires it (accounts of an identity provider sign in there, not here)."""
    if user.identity_provider_id is not None:
        return False
    if user.is_admin:
        return True
    return bool(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id, Organisation.require_second_factor.is_(True))
        )
    )


def set_required(
    session: Session, organisation: Organisation, required: bool, actor: User | None = None
) -> None:
    """Require (or not) a second factor for the password accounts of the organisation's members."""
    if organisation.require_second_factor == required:
        return
    organisation.require_second_factor = required
    detail = "second factor for password accounts " + ("required" if required else "optional")
    audit.setting_changed(session, organisation, detail, actor)
    session.commit()


def enrolled(user: User) -> bool:
    return user.totp_secret is not None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The set-up link as an SVG QR code for an authenticator app."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#1b1f24", light="#ffffff")


def _step(secret: str, code: str, after: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within the window), if it is later than ``after``."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    current = int((now if now is not None else time.time()) // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if (after is None or step > after) and secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def enrol(
    session: Session, user: User, secret: str, code: str, secret_key: str, now: float | None = None
) -> list[str] | None:
    """Set up the second factor once ``code`` shows the app has ``secret``; the recovery codes
    (shown once) — or None when the code is not right."""
    step = _step(secret, code, None, now)
    if step is None:
        return None
    codes = [
        f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}"
        for _ in range(RECOVERY_CODES)
    ]
    user.totp_secret = seal(secret_key, PURPOSE, secret)
    user.totp_last_step = step
    user.recovery_codes = [RecoveryCode(code_hash=generate_password_hash(c)) for c in codes]
    audit.record(session, "second_factor_enrolled", user=user, commit=False)
    session.commit()
    return codes


def begin(session: Session, user: User, now: float | None = None) -> str:
    """A half-finished sign-in for ``user``, whose password was right; its id, for the cookie.
    Expired ones are cleared away on the way."""
    started = _moment(now)
    session.execute(
        sa.delete(PendingSignIn).where(
            PendingSignIn.started_at < started - dt.timedelta(seconds=PENDING_SECONDS)
        ),
        execution_options=UNSYNCED,
    )
    pending = PendingSignIn(id=secrets.token_hex(16), user_id=user.id, started_at=started)
    session.add(pending)
    session.commit()
    return pending.id


def pending(session: Session, pending_id: str | None, user: User, now: float | None = None) -> bool:
    """Whether the half-finished sign-in ``pending_id`` of ``user`` still takes codes."""
    row = session.get(PendingSignIn, pending_id or "")
    return (
        row is not None
        and row.user_id == user.id
        and row.wrong_codes < PENDING_SIGN_IN_TRIES
        and _as_utc(row.started_at) >= _moment(now) - dt.timedelta(seconds=PENDING_SECONDS)
    )


def end(session: Session, pending_id: str | None) -> bool:
    """End a half-finished sign-in; whether it was still there (one request can end it)."""
    ended = session.execute(
        sa.delete(PendingSignIn).where(PendingSignIn.id == (pending_id or "")),
        execution_options=UNSYNCED,
    )
    session.commit()
    return ended.rowcount == 1


def check_code(
    session: Session,
    user: User,
    code: str,
    secret_key: str,
    pending_id: str | None = None,
    now: float | None = None,
) -> CodeCheck:
    """Check a code typed at the half-finished sign-in ``pending_id`` (or, without one, by a
    signed-in person confirming a change). A try of the sign-in and of the account is taken
    before the code is checked, and a right code gives the account's back."""
    moment = _moment(now)
    if pending_id is not None:
        taken = session.execute(
            sa.update(PendingSignIn)
            .where(
                PendingSignIn.id == pending_id,
                PendingSignIn.user_id == user.id,
                PendingSignIn.wrong_codes < PENDING_SIGN_IN_TRIES,
                PendingSignIn.started_at >= moment - dt.timedelta(seconds=PENDING_SECONDS),
            )
            .values(wrong_codes=PendingSignIn.wrong_codes + 1),
            execution_options=UNSYNCED,
        ).rowcount
        if taken != 1:
            session.commit()
            end(session, pending_id)
            return CodeCheck.ENDED
    if not _take_account_try(session, user, moment):
        session.commit()
        return CodeCheck.LOCKED
    session.commit()
    if verify(session, user, code, secret_key, now):
        session.execute(
            sa.update(User)
            .where(User.id == user.id, User.wrong_codes > 0)
            .values(wrong_codes=User.wrong_codes - 1),
            execution_options=UNSYNCED,
        )
        session.commit()
        if pending_id is not None and not end(session, pending_id):
            return CodeCheck.ENDED  # another request finished this sign-in meanwhile
        return CodeCheck.RIGHT
    if pending_id is not None:
        last = session.execute(
            sa.delete(PendingSignIn).where(
                PendingSignIn.id == pending_id,
                PendingSignIn.wrong_codes >= PENDING_SIGN_IN_TRIES,
            ),
            execution_options=UNSYNCED,
        ).rowcount
        session.commit()
        if last:
            return CodeCheck.ENDED
    return CodeCheck.WRONG


def _take_account_try(session: Session, user: User, moment: dt.datetime) -> bool:
    """Count a try against the account, unless it has had ACCOUNT_CODE_TRIES wrong codes
    since the first try of its count, ACCOUNT_CODE_MINUTES at most ago; whether it may try."""
    session.execute(  # an hour after its first try the count starts again
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(
                User.wrong_codes_since.is_(None),
                User.wrong_codes_since < moment - dt.timedelta(minutes=ACCOUNT_CODE_MINUTES),
            ),
        )
        .values(wrong_codes=0, wrong_codes_since=moment),
        execution_options=UNSYNCED,
    )
    taken = session.execute(
        sa.update(User)
        .where(User.id == user.id, User.wrong_codes < ACCOUNT_CODE_TRIES)
        .values(wrong_codes=User.wrong_codes + 1),
        execution_options=UNSYNCED,
    ).rowcount
    return taken == 1


def _moment(now: float | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(now if now is not None else time.time(), dt.UTC)


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives stored times back without their zone; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def verify(
    session: Session, user: User, code: str, secret_key: str, now: float | None = None
) -> bool:
    """Whether ``code`` is a current one-time code not used before, or an unused recovery code
    (which is then used up)."""
    if not enrolled(user):
        return False
    secret = unseal(secret_key, PURPOSE, user.totp_secret)
    step = _step(secret, code, user.totp_last_step, now)
    if step is not None:
        # only one request can move the last step on: a code replayed at once is refused
        moved = session.execute(
            sa.update(User)
            .where(
                User.id == user.id,
                sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        session.commit()
        return moved.rowcount == 1
    return _use_recovery_code(session, user, "".join(code.split()).lower())


def _use_recovery_code(session: Session, user: User, typed: str) -> bool:
    """Whether ``typed`` is one of the user's recovery codes, which is then used up. The DELETE
    of its row decides: of browsers that bring the same code at once, one removes it and signs
    in, the others find it gone."""
    stored = session.execute(
        sa.select(RecoveryCode.id, RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    for code_id, code_hash in stored:
        if check_password_hash(code_hash, typed):
            used = session.execute(sa.delete(RecoveryCode).where(RecoveryCode.id == code_id))
            if used.rowcount != 1:
                session.rollback()
                return False
            left = recovery_codes_left(session, user)
            audit.record(
                session, "recovery_code_used", user=user, detail=f"{left} left", commit=False
            )
            session.commit()
            return True
    return False


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    )


def remove(session: Session, user: User, actor: User | None = None) -> None:
    """Remove the second factor (an admin for a user who lost the device; ``user passwd``); the
    wrong codes counted against the account go with it."""
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = []
    user.wrong_codes, user.wrong_codes_since = 0, None
    audit.record(
        session,
        "second_factor_removed",
        user=actor,
        actor=actor.email if actor else "cli",
        detail=f"for {user.email}",
        commit=False,
    )
    session.commit()
