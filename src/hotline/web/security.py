"""Passwords (argon2), bearer tokens (random, stored hashed) and phone-number masking."""

from __future__ import annotations

import hashlib
import os
import secrets

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


def new_token() -> tuple[str, str]:
    """A bearer token and the hash we store: a stolen database yields no usable token."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mask(identifier: str | None) -> str | None:
    """138****5678 for a phone number; keeps 3 + 4 characters, hides the middle.

    Chinese operators mask by default in agent screens, reports and exports (PIPL); the full
    number is shown only through the logged reveal endpoint.
    """
    if not identifier:
        return identifier
    n = len(identifier)
    if n <= 4:
        return "*" * n
    if n <= 7:
        return identifier[:1] + "*" * (n - 3) + identifier[-2:]
    return identifier[:3] + "*" * (n - 7) + identifier[-4:]
