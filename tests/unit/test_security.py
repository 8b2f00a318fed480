"""Specification: what a role that need not see a customer's number sees instead."""

import pytest

from hotline.bootstrap import DEMO_PASSWORD
from hotline.passwords import (
    MIN_PASSWORD,
    PasswordRejected,
    check_policy,
    hash_password,
    verify_password,
)
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


def test_passwords_are_salted_argon2id_and_empty_ones_are_refused():
    h1, h2 = hash_password("correct horse"), hash_password("correct horse")
    assert h1.startswith("$argon2id$") and h1 != h2
    assert verify_password(h1, "correct horse") and not verify_password(h1, "wrong horse")
    with pytest.raises(ValueError, match="empty"):
        hash_password("")


@pytest.mark.parametrize(
    ("password", "username", "rule"),
    [
        ("short-pw1", "zhang", "min_length"),
        ("my-zhangwei-pass", "ZhangWei", "user_name"),
        ("a01a01a01a01", "a01", "user_name"),
        ("Password123", "zhang", "common"),
        ("woaini1314520", "zhang", "common"),
    ],
)
def test_the_password_policy_names_the_rule_a_password_breaks(password, username, rule):
    with pytest.raises(PasswordRejected) as caught:
        check_policy(password, username)
    assert caught.value.rule == rule and caught.value.message


def test_the_demo_password_and_a_reasonable_one_pass_the_policy():
    check_policy(DEMO_PASSWORD, "admin")
    check_policy(DEMO_PASSWORD, "a01")
    check_policy("blue-kettle-river-9", "zhang")
    assert MIN_PASSWORD >= 10


def test_only_the_hash_of_a_token_is_kept():
    token, hashed = new_token()
    assert len(token) >= 40 and hashed == token_hash(token) and token not in hashed
