"""Call control in a Kamailio pool: the controller, which alone follows the core's stream,
routes the consult facts and the supervisor's monitor request to the worker that holds the
call, which rings the specialist / the supervisor in the same process (the details are checked
with one worker in test_voice_call_control.py).
"""

from __future__ import annotations

import os
import time

import pytest

from hotline.channels.sip.peers import tone_pcap

from .test_voice_call_control import (
    A01,
    A02,
    CALLER,
    SUP,
    TONES,
    bridged,
    caller,
    caller_wav,
    fact,
    heard,
    newest_dump,
    not_ready,
    ok,
)
from .voice_rig import needs_peers, start_center, wait_until

pytestmark = [
    needs_peers,
    pytest.mark.skipif(not os.path.exists("/usr/sbin/kamailio"), reason="kamailio missing"),
]


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    work = tmp_path_factory.mktemp("callctl-pool")
    with start_center(
        work, agents=("a01", "a02"), workers=2, tones=TONES, supervisor_phone=SUP
    ) as c:
        c.tone = tone_pcap(work / "caller-tone.pcap", CALLER, seconds=40)
        yield c


def test_in_a_pool_a_consult_transfer_and_a_listen_reach_the_worker_holding_the_call(pool):
    a01, a02 = pool.ready("a01"), not_ready(pool, "a02")
    sup = pool.client("supervisor")
    sipp, cid = caller(pool, "pool_consult", 22000)
    t_b = bridged(pool, cid)
    time.sleep(max(0.0, t_b + 2 - time.time()))
    ok(sup.post(f"/api/voice/{cid}/monitor", json={"mode": "listen"}))
    t1 = fact(pool, "voice.monitor", cid, state="started")["at"]
    time.sleep(3)
    t2 = time.time()
    ok(sup.post(f"/api/voice/{cid}/monitor", json={"mode": "stop"}))
    fact(pool, "voice.monitor", cid, state="ended")
    ok(a02.post("/api/agents/me/state", json={"state": "available"}))
    ok(a01.post(f"/api/contacts/{cid}/consult", json={"agent_id": "a02"}))
    fact(pool, "contact.consult_answered", cid)
    time.sleep(2)
    ok(a01.post(f"/api/contacts/{cid}/consult/transfer"))
    t3 = fact(pool, "contact.transferred", cid)["at"]
    time.sleep(4)
    t4 = time.time()
    assert sipp.wait(60) == 0, pool.sipp_log("pool_consult")
    assert fact(pool, "contact.ended", cid)["agent_id"] == "a02"
    wait_until(lambda: pool.agent_state("a02") in ("wrap_up", "available"), 20, "a02 free")
    heard(newest_dump(pool, "supervisor", t1), t1, t2, CALLER, A01)
    heard(newest_dump(pool, "a02", t3 - 3), t3 + 0.5, t4, CALLER, absent=(A01,))
    heard(caller_wav(pool, cid), t3 + 0.5, t4, A02, absent=(A01,))  # the specialist now
