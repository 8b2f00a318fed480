"""A recorded wait in the queue (the phone's waiting core): every command, compared with `==`.

The caller hears the intro with a 3-minute estimate, music, a comfort prompt with the estimate
counted down (2 minutes), then at 60 s the callback offer; they press 9: the callback is
requested, confirmed, and the call ends. The announcement timer that was running when the
caller pressed 9 changes nothing when it fires.
"""

from __future__ import annotations

from hotline.ivr import Hangup, Play, RequestCallback, StartTimer, StopPlay
from hotline.ivr.waiting import WaitingSession

from ..unit.test_ivr_waiting import PLAN
from .replay import read_log, replay_waiting

MUSIC = Play(("moh",), barge_in=False, loop=True)
EXPECTED = [
    Play(("connecting", "ewt_3"), barge_in=False),
    StartTimer(30, 1),
    MUSIC,
    Play(("comfort", "ewt_2"), barge_in=False),
    StartTimer(30, 2),
    MUSIC,
    Play(("comfort", "ewt_2", "offer"), barge_in=False),
    StartTimer(30, 3),
    StopPlay(),
    RequestCallback(),
    Play(("ok",), barge_in=False),
    Hangup("callback"),
]


def test_a_recorded_wait_replays_to_exactly_the_same_commands():
    session = WaitingSession(PLAN, intro=("connecting",))
    assert replay_waiting(session, read_log("waiting_call.jsonl")) == EXPECTED
    assert session.finished == "callback" and session.callback_requested
