"""The gateway's dial-out decisions that need no phone: which trunk, and what a leg's end means."""

from __future__ import annotations

import pytest

from hotline.channels.sip.config import CallbacksConfig
from hotline.channels.sip.dialout import result_of
from hotline.channels.sip.link import DialSettings

DIAL = DialSettings(
    trunks={"": "sip:{number}@local:5060", "138": "sip:{number}@mobile:5060"},
    caller_id="966666",
    no_answer_s=30,
    short_answer_s=4,
)


def test_the_longest_matching_prefix_picks_the_trunk():
    assert DIAL.uri("13800000021") == "sip:13800000021@mobile:5060"
    assert DIAL.uri("02388888888") == "sip:02388888888@local:5060"
    assert DIAL.uri("+8613800000021") == "sip:+8613800000021@local:5060"
    for bad in ("", "138 0000", "sip:evil@x", "13800000021@other"):
        assert DIAL.uri(bad) is None  # never a URI built from anything but digits
    only_mobile = DialSettings({"138": "sip:{number}@m"}, "966666", 30, 4)
    assert only_mobile.uri("02388888888") is None


@pytest.mark.parametrize(
    ("code", "talk", "timed_out", "result"),
    [
        (487, None, True, "no_answer"),  # we cancelled after no_answer_s
        (480, None, False, "no_answer"),
        (408, None, False, "no_answer"),
        (486, None, False, "busy"),
        (603, None, False, "busy"),
        (404, None, False, "failed"),
        (503, None, False, "failed"),
        (200, 1.5, False, "short_answer"),  # a voicemail greeting or a reflex hang-up
        (200, 4.0, False, "ended"),  # a conversation
    ],
)
def test_how_the_customer_leg_ended_is_one_result(code, talk, timed_out, result):
    assert result_of(code, talk, 4.0, timed_out) == result


def test_callbacks_config_is_checked():
    assert not CallbacksConfig().enabled
    with pytest.raises(ValueError, match="trunks"):
        CallbacksConfig(enabled=True)
    with pytest.raises(ValueError, match="number"):
        CallbacksConfig(enabled=True, trunks={"": "sip:gw"})
    with pytest.raises(ValueError):
        CallbacksConfig(enabled=True, trunks={"": "sip:{number}@gw"}, caller_id="hotline")
