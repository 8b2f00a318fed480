"""A recorded call through the demo IVR: every command it gave the gateway, compared with `==`.

The caller lets the menu time out once (no-input prompt, menu again), presses 1 for the
flight answer, then stays silent until goodbye: a contained call. A timer that already fired
or was replaced (token 3 again) changes nothing.
"""

from __future__ import annotations

from hotline.ivr import Hangup, Play, StartTimer

from ..unit.test_ivr_session import NOON, demo
from .replay import read_log, replay_ivr

EXPECTED = [
    Play(("welcome",)),
    Play(("menu",)),
    StartTimer(5, 3),
    Play(("no_input", "menu")),
    StartTimer(5, 5),
    Play(("answer_flight",)),
    Play(("after_answer",)),
    StartTimer(4, 8),
    Play(("goodbye",), barge_in=False),
    Hangup("contained"),
]


def test_a_recorded_call_replays_to_exactly_the_same_commands():
    session = demo()
    assert replay_ivr(session, read_log("ivr_call.jsonl"), NOON) == EXPECTED
    assert session.result.outcome == "contained" and session.result.digits == "1"
    assert session.result.path == ("welcome", "menu", "flight", "after_flight", "goodbye")
