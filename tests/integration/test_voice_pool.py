"""The Kamailio pool survives one worker's crash: the others keep their calls, it comes back.

Two pjsua2 workers behind Kamailio's dispatcher, two baresip agents. Caller A talks to a01 on one
worker, caller B to a02 on the other; B's worker is killed with SIGKILL (kill -9: no handler,
no goodbye). A's call goes on and ends normally; the controller, which holds the only link to the
core, sees B's worker's socket close and ends B's contact at once (a02 is freed, not left busy);
the pool restarts the dead worker alone and it takes new calls again.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from .voice_rig import needs_peers, send_invite, start_center, wait_until

pytestmark = [
    needs_peers,
    pytest.mark.skipif(not os.path.exists("/usr/sbin/kamailio"), reason="kamailio missing"),
]


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    with start_center(tmp_path_factory.mktemp("voice-pool"), agents=("a01", "a02"), workers=2) as c:
        yield c


def talking(seconds: int) -> list:
    """Press 0, then speak (g711a back to back) for about `seconds`, then hang up (BYE)."""
    steps: list = [("pause", 800), ("dtmf", "0"), ("pause", 900)]
    for _ in range(max(1, seconds * 1000 // 4700)):
        steps += [("audio", None), ("pause", 4700)]
    return steps


def worker_pids(pool, name: str) -> list[int]:
    text = pool.gateway.log.read_text(errors="replace")
    return [int(p) for p in re.findall(rf"READY {name} \d+ pid=(\d+)", text)]


def test_a_worker_killed_mid_call_loses_only_its_call_and_leaves_no_agent_stuck(pool):
    pool.ready("a01")
    sipp_a, cid_a = pool.call(talking(40), "pool-a")
    pool.stream.fact("voice.bridged", cid_a, timeout_s=30)
    pool.ready("a02")
    sipp_b, cid_b = pool.call(talking(12), "pool-b")
    pool.stream.fact("voice.bridged", cid_b, timeout_s=30)
    w_a = pool.stream.fact("voice.answered", cid_a)["data"]["worker"]
    w_b = pool.stream.fact("voice.answered", cid_b)["data"]["worker"]
    assert w_a != w_b  # dispatcher alg 10: the least loaded worker takes the next call

    assert pool.agent_state("a02") == "busy"
    os.kill(worker_pids(pool, w_b)[-1], signal.SIGKILL)
    killed_at = time.time()

    # The controller ends the contact the dead worker held: a02 is not left busy or reserved.
    ended = pool.stream.fact("contact.ended", cid_b, timeout_s=20)
    took = time.time() - killed_at
    print(f"{w_b}'s contact ended {took:.1f} s after kill -9")
    assert took < 5
    assert ended["data"]["by"] == "customer"
    lost = pool.stream.wait(
        lambda f: f["kind"] == "voice.call" and f["contact_id"] == cid_b, timeout_s=10
    )
    assert lost["data"]["outcome"] == "lost"
    assert lost["data"]["ended_by"] == "worker_died" and lost["data"]["worker"] == w_b
    wait_until(lambda: pool.agent_state("a02") not in ("busy", "reserved"), 10, "a02 freed")
    wait_until(lambda: len(worker_pids(pool, w_b)) == 2, 40, f"{w_b} restarted")
    print(f"{w_b} back {time.time() - killed_at:.1f} s after kill -9")

    # A's call was never touched: still bridged, a01 still busy.
    assert "contact.ended" not in [f["kind"] for f in pool.stream.of(cid_a)]
    assert pool.agent_state("a01") == "busy"

    # New calls reach the restarted worker (Kamailio sees it answer its pings again). Once B's
    # caller has hung up (its BYE, answered 481 by the new process, frees B's dispatcher load),
    # A's worker is the busier one, so this self-service call goes to the restarted worker.
    sipp_b.wait(60)
    sipp_c, cid_c = pool.call([("pause", 800), ("dtmf", "1"), ("pause", 2000)], "pool-c")
    assert pool.stream.fact("voice.answered", cid_c)["data"]["worker"] == w_b
    assert sipp_c.wait(60) == 0, pool.sipp_log("pool-c")

    # A ends normally: its BYE goes through Kamailio to its worker and is answered.
    assert sipp_a.wait(90) == 0, pool.sipp_log("pool-a")
    assert pool.sipp_stats("pool-a")["SuccessfulCall(C)"] == "1"
    ended_a = pool.stream.fact("contact.ended", cid_a, timeout_s=20)
    assert ended_a["data"]["outcome"] == "completed"
    assert pool.gateway.p.poll() is None  # the pool itself never stopped


def test_a_malformed_invite_is_refused_in_front_of_the_pool(pool):
    assert send_invite(pool.sip_port, length=99999).startswith("SIP/2.0 400")
    assert send_invite(pool.sip_port, user="10086").startswith("SIP/2.0 404")
    assert pool.gateway.p.poll() is None
