"""Secrets kept in the database (second-factor keys, identity-provider client secrets) are sealed
with a key derived from the installation's ``SECRET_KEY`` — a copy of the database alone does not
give them away. Changing ``SECRET_KEY`` makes them unreadable: second factors are set up again and
client secrets entered again (or kept in environment variables)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from survey.services.errors import InvalidInput


def _box(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, purpose: str, text: str) -> str:
    return _box(secret_key, purpose).encrypt(text.encode()).decode()


def unseal(secret_key: str, purpose: str, sealed: str) -> str:
    try:
        return _box(secret_key, purpose).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise InvalidInput(
            f"a stored {purpose} cannot be read: was SECRET_KEY changed? Set it up again"
        ) from None
