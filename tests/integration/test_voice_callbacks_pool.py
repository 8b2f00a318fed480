"""A callback task dialled out by a Kamailio pool: the controller, which alone follows the
core's stream, hands the offer to its least loaded worker, which rings the agent, dials the
customer and bridges them (the single-worker details are checked in test_voice_callbacks.py).
"""

from __future__ import annotations

import os
import time

import pytest

from .test_voice_callbacks import (
    ANSWERS,
    CUSTOMER_TONE_HZ,
    _callback_task,
    _center,
    _tone_seconds,
    idle,
)
from .voice_rig import AGENT_TONE_HZ, needs_peers, wait_until

pytestmark = [
    needs_peers,
    pytest.mark.skipif(not os.path.exists("/usr/sbin/kamailio"), reason="kamailio missing"),
]


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    with _center(tmp_path_factory.mktemp("voice-callbacks-pool"), workers=2) as c:
        yield c


def test_in_a_pool_the_controller_hands_the_callback_to_a_worker_that_dials_it(pool):
    customer = pool.customers[ANSWERS]
    task = _callback_task(pool, ANSWERS, "pool-cb")
    bridged = pool.stream.wait(
        lambda f: f["kind"] == "voice.bridged" and f["contact_id"] == task, timeout_s=40
    )
    assert bridged["agent_id"] == "a01" and bridged["data"]["leg"] == "customer"
    time.sleep(max(0.0, bridged["at"] + 4.0 - time.time()))
    customer.command("hangup")
    ended = pool.stream.fact("contact.ended", task, timeout_s=30)
    assert ended["data"]["outcome"] == "completed"
    wait_until(lambda: idle(customer) and idle(pool.phone), 20, "both phones hung up")
    assert _tone_seconds(customer.dumps("dec")[-1], AGENT_TONE_HZ) >= 2
    assert _tone_seconds(pool.phone.dumps("dec")[-1], CUSTOMER_TONE_HZ) >= 2
    wait_until(lambda: pool.agent_state("a01") in ("wrap_up", "available"), 30, "a01 free")
