"""Password hashing with argon2id and the password policy, shared by the web login, the CLI
and first-start setup.

The policy (`check_policy`) applies where a person chooses a password: creating a login and
resetting one, through the API or the `hotline user` command. It is deliberately short and
explainable to a team lead: at least `MIN_PASSWORD` characters, not the user name (nor
containing it), and not one of the well-known passwords in `common_passwords.txt` (compared
case-insensitively). The documented demo password `hotline-demo` passes it (12 characters,
not a common password), so demo centers keep working.

`verify_unknown` checks a password against a fixed dummy hash made with the same parameters,
so a login for a user name that does not exist costs as much as one that does: the answer
time does not tell which names are valid.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

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
MIN_PASSWORD = 10
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


class PasswordRejected(ValueError):
    """A password the policy refuses; `rule` names the rule (min_length, user_name, common)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text("utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def check_policy(password: str, username: str | None = None) -> None:
    """Raise `PasswordRejected` when `password` breaks a rule; the message says which."""
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected(
            "min_length", f"must have at least {MIN_PASSWORD} characters (has {len(password)})"
        )
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise PasswordRejected("user_name", "must not be or contain the user name")
    if lowered in common_passwords():
        raise PasswordRejected("common", "is on the list of commonly used passwords")


def hash_password(password: str) -> str:
    """An argon2id hash; only refuses the empty password (the policy is `check_policy`)."""
    if not password:
        raise ValueError("password must not be empty")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("no user has this password: it only spends the time a real check does")


def verify_unknown(password: str) -> bool:
    """Spend the time of a real verification for a user name that does not exist; False."""
    verify_password(_dummy_hash(), password)
    return False
