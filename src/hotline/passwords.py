"""Password hashing with argon2id, shared by the web login, the CLI and first-start setup."""

from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# RFC 9106 low-memory profile in production. Test suites create hundreds of logins, so
# HOTLINE_PASSWORD_HASH=cheap selects argon2's cheapest parameters (still argon2id, still salted).
_PROFILE = (
    profiles.CHEAPEST
    if os.environ.get("HOTLINE_PASSWORD_HASH") == "cheap"
    else (profiles.RFC_9106_LOW_MEMORY)
)
_hasher = PasswordHasher.from_parameters(_PROFILE)
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
