"""Specification: what a role that need not see a customer's number sees instead."""

import pytest

from hotline.passwords import hash_password, verify_password
from hotline.web.security import mask, new_token, token_hash


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "o6_*********************fL2M"),
        ("95598", "9**98"),
        ("110", "***"),
        (None, None),
        ("", ""),
    ],
)
def test_customer_identifiers_are_masked_keeping_only_the_ends(raw, shown):
    assert mask(raw) == shown


def test_passwords_are_salted_argon2id_and_short_ones_are_refused():
    h1, h2 = hash_password("correct horse"), hash_password("correct horse")
    assert h1.startswith("$argon2id$") and h1 != h2
    assert verify_password(h1, "correct horse") and not verify_password(h1, "wrong horse")
    with pytest.raises(ValueError, match="at least 8"):
        hash_password("short")


def test_only_the_hash_of_a_token_is_kept():
    token, hashed = new_token()
    assert len(token) >= 40 and hashed == token_hash(token) and token not in hashed
