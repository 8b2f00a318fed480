"""Passwords (argon2), bearer tokens (random, stored hashed) and phone-number masking."""

from __future__ import annotations

import hashlib
import secrets

from hotline.passwords import hash_password, verify_password

__all__ = ["hash_password", "mask", "new_token", "token_hash", "verify_password"]


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
