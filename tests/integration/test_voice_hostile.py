"""Hostile INVITEs sent by sipp through Kamailio to the pool never take a worker down.

A broken SDP offer, an INVITE without a Contact header, and one whose body is far bigger than
any SDP: each is answered with a final error response (not silence, which would make Kamailio
time the worker out and mark it dead), no worker process restarts, and an ordinary call
afterwards is answered and ends normally. (An INVITE without Call-ID or CSeq cannot be answered
at all - a response could not be matched - and sipp cannot observe its fate, so it is not here.)
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from hotline.channels.sip.peers import free_port, free_port_block

from .voice_rig import needs_peers, start_center

pytestmark = [
    needs_peers,
    pytest.mark.skipif(not os.path.exists("/usr/sbin/kamailio"), reason="kamailio missing"),
]

GOOD_SDP = """v=0
      o=user1 1 1 IN IP4 [local_ip]
      s=-
      c=IN IP4 [local_ip]
      t=0 0
      m=audio [auto_media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
"""
HEADERS = {
    "via": "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
    "from": "From: <sip:13800000009@[local_ip]:[local_port]>;tag=[call_number]x[pid]",
    "to": "To: <sip:966666@[remote_ip]:[remote_port]>",
    "call-id": "Call-ID: [call_id]",
    "cseq": "CSeq: 1 INVITE",
    "contact": "Contact: <sip:13800000009@[local_ip]:[local_port]>",
    "max-forwards": "Max-Forwards: 70",
    "content-type": "Content-Type: application/sdp",
}
FINALS = (400, 403, 404, 408, 413, 415, 480, 486, 488, 500, 501, 503, 513)


def hostile_scenario(body: str, drop: str | None = None) -> str:
    """One INVITE (without header `drop`), then any final response; sipp ACKs it."""
    head = "\n".join(f"      {h}" for k, h in HEADERS.items() if k != drop)
    finals = "\n".join(
        f'  <recv response="{code}" optional="true" next="done"/>' for code in FINALS
    )
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="hostile">
  <send><![CDATA[
      INVITE sip:966666@[remote_ip]:[remote_port] SIP/2.0
{head}
      Content-Length: [len]

      {body}
    ]]></send>
  <recv response="100" optional="true"/>
{finals}
  <recv response="606" timeout="12000"/>
  <label id="done"/>
  <send><![CDATA[
      ACK sip:966666@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: 1 ACK
      Content-Length: 0

    ]]></send>
</scenario>
"""


CASES = {
    "broken-sdp": (
        "v=0\n      o=broken\n      m=audio notaport RTP/AVP\n      c=IN IP4\n      garbage",
        None,
    ),
    "no-contact": (GOOD_SDP, "contact"),
    "huge-body": (GOOD_SDP + "".join(f"      a=x-pad:{'z' * 90}\n" for i in range(300)), None),
}


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    with start_center(tmp_path_factory.mktemp("voice-hostile"), workers=2) as c:
        yield c


def restarts(pool) -> int:
    return len(re.findall(r"READY w\d+ \d+ pid=", pool.gateway.log.read_text(errors="replace")))


def answer_to(pool, name: str) -> int:
    """Send one hostile INVITE with sipp; returns the final response code it got."""
    body, drop = CASES[name]
    xml = pool.work / f"{name}.xml"
    xml.write_text(hostile_scenario(body, drop))
    argv = ["sipp", "-sf", str(xml), "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(free_port())]
    argv += ["-mp", str(free_port_block(4)), "-m", "1", "-nostdin", "-trace_msg"]
    argv += ["-message_file", str(pool.work / f"{name}.msg"), f"127.0.0.1:{pool.sip_port}"]
    done = subprocess.run(["timeout", "40", *argv], cwd=pool.work, capture_output=True)
    log = (pool.work / f"{name}.msg").read_text(errors="replace")
    codes = [int(c) for c in re.findall(r"^SIP/2.0 ([2-6]\d\d)", log, re.M)]
    assert done.returncode == 0, f"{name}: sipp {done.returncode}\n{log[-2000:]}"
    return codes[-1]


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_invite_gets_an_error_and_every_worker_lives(pool, name):
    before = restarts(pool)
    code = answer_to(pool, name)
    print(f"{name}: {code}")
    # A real refusal, not a worker that fell silent (408) or a pool with nobody left (503).
    assert 400 <= code < 600 and code not in (408, 503), code
    assert restarts(pool) == before, "a worker restarted"
    assert pool.gateway.p.poll() is None


def test_after_the_hostile_invites_an_ordinary_call_is_served(pool):
    before = restarts(pool)
    sipp, cid = pool.call([("pause", 800), ("dtmf", "1"), ("pause", 1500)], "after")
    assert sipp.wait(60) == 0, pool.sipp_log("after")
    assert cid
    assert restarts(pool) == before
