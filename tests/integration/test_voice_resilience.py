"""Calls that go wrong from outside: a caller that vanishes, hostile INVITEs, wrong numbers.

One center and one worker with a short RTP inactivity limit (4 s), so a dead leg is found fast.
Callers that must not look dead keep streaming the g711a pcap back to back.
"""

from __future__ import annotations

import time

import pytest

from .voice_rig import needs_peers, send_invite, start_center, wait_until

pytestmark = needs_peers
RTP_TIMEOUT_S = 4


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    sip = {"rtp_timeout_s": RTP_TIMEOUT_S, "session_timer": "optional"}
    with start_center(tmp_path_factory.mktemp("voice-res"), sip=sip) as c:
        yield c


def streaming(seconds: int) -> list:
    """Press 0 (a person), then keep sending speech, like a real phone, for about `seconds`."""
    steps: list = [("pause", 800), ("dtmf", "0"), ("pause", 900)]
    for _ in range(max(1, seconds * 1000 // 4700)):
        steps += [("audio", None), ("pause", 4700)]
    return [*steps, ("wait_bye", 60000)]


def test_a_caller_who_vanishes_without_bye_is_ended_and_the_agent_freed(center):
    center.ready("a01")
    sipp, cid = center.call(streaming(60), "vanish")
    center.stream.fact("voice.bridged", cid, timeout_s=30)
    wait_until(lambda: center.agent_state("a01") == "busy", 10, "a01 busy")
    time.sleep(1.0)  # let the bridge carry some audio first (not an assertion)
    center.vanish(sipp)  # no BYE, no more RTP: power cut
    gone_at = time.time()
    ended = center.stream.fact("contact.ended", cid, timeout_s=RTP_TIMEOUT_S + 15)
    took = time.time() - gone_at
    print(f"dead caller leg ended {took:.1f} s after the caller vanished")
    assert ended["data"]["outcome"] == "completed" and ended["data"]["by"] == "customer"
    assert took < RTP_TIMEOUT_S + 4
    summary = center.stream.fact("voice.call", cid, timeout_s=10)
    assert summary["data"]["ended_by"] == "rtp_timeout"
    assert summary["data"]["outcome"] == "completed"
    hangup = center.stream.fact("voice.hangup", cid, timeout_s=10)
    assert hangup["data"]["by"] == "timeout"
    wait_until(lambda: center.agent_state("a01") != "busy", 10, "a01 no longer busy")
    wait_until(lambda: center.phone_calls("a01") == 0, 10, "a01's phone hung up")


def test_session_timers_are_negotiated_with_a_peer_that_supports_them(center):
    headers = ["Supported: timer", "Session-Expires: 120", "Min-SE: 90"]
    sipp, _cid = center.call(
        [("pause", 500)], "timer", headers=headers, require_in_200="Session-Expires"
    )
    assert sipp.wait(30) == 0, center.sipp_log("timer")


def test_hostile_or_misaddressed_invites_are_refused(center):
    port = center.sip_port
    assert send_invite(port, length=99999).startswith("SIP/2.0 400"), "Content-Length lie"
    junk = "X-Junk: " + "a" * 60000 + "\r\n"
    assert send_invite(port, extra=junk).startswith("SIP/2.0 413"), "60 kB header"
    assert send_invite(port, user="10086").startswith("SIP/2.0 404")
