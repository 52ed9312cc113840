"""A second factor for password accounts: time-based one-time codes (TOTP, RFC 6238, as every
authenticator app makes them) and ten recovery codes, shown once and kept only as hashes.

Admins always need one; the members of an organisation that requires it too. Accounts of an
organisation's identity provider get their second factor from that provider.
"""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey.models import Membership, Organisation, RecoveryCode, User
from survey.services import audit
from survey.services.sealing import seal, unseal

PURPOSE = "second factor"
ISSUER = "Ambassador Scan"
RECOVERY_CODES = 10
STEP = 30  # seconds per code
WINDOW = 1  # a code of the step before or after is accepted too (clocks drift)


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
    """Remove the second factor (an admin for a user who lost the device; ``user passwd``)."""
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = []
    audit.record(
        session,
        "second_factor_removed",
        user=actor,
        actor=actor.email if actor else "cli",
        detail=f"for {user.email}",
        commit=False,
    )
    session.commit()
