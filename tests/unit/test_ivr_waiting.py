"""The queue experience: EWT announcements, music, callback offer - pure commands."""

from __future__ import annotations

from hotline.ivr import (
    Digit,
    Hangup,
    Play,
    PlayDone,
    RequestCallback,
    StartTimer,
    StopPlay,
    Timeout,
    WaitingPlan,
    WaitingSession,
    ewt_prompts,
)

PLAN = WaitingPlan(
    music="moh",
    comfort=("comfort",),
    announce_every_s=30,
    announce_ewt=True,
    ewt_max_min=5,
    callback_after_s=60,
    callback_offer=("offer",),
    callback_ok=("ok",),
    ended=("sorry",),
)
MOH = Play(("moh",), barge_in=False, loop=True)


def test_ewt_rounds_up_to_minutes_and_caps():
    assert ewt_prompts(PLAN, None) == ()
    assert ewt_prompts(PLAN, 0) == ("ewt_1",)
    assert ewt_prompts(PLAN, 61) == ("ewt_2",)
    assert ewt_prompts(PLAN, 300) == ("ewt_5",)
    assert ewt_prompts(PLAN, 301) == ("ewt_long",)


def test_intro_and_estimate_then_music_then_periodic_announcements_then_callback_offer():
    w = WaitingSession(PLAN, intro=("connecting",))
    assert w.start(0, ewt_s=150) == [
        Play(("connecting", "ewt_3"), barge_in=False),
        StartTimer(30, 1),
    ]
    assert w.handle(PlayDone(), 5) == [MOH]
    assert w.handle(Timeout(1), 30) == [
        Play(("comfort", "ewt_2"), barge_in=False),
        StartTimer(30, 2),
    ]
    assert w.handle(Timeout(1), 31) == []  # stale
    w.handle(PlayDone(), 33)
    out = w.handle(Timeout(2), 60)
    assert out == [Play(("comfort", "ewt_2", "offer"), barge_in=False), StartTimer(30, 3)]
    assert w.remaining_ewt(60) == 90


def test_pressing_the_callback_key_leaves_the_queue_then_hangs_up():
    w = WaitingSession(PLAN)
    w.start(0, None)
    assert w.handle(Digit("9"), 10) == [
        StopPlay(),
        RequestCallback(),
        Play(("ok",), barge_in=False),
    ]
    assert w.handle(Digit("9"), 11) == []
    assert w.handle(PlayDone(), 13) == [Hangup("callback")]
    assert w.finished == "callback"


def test_callback_key_does_nothing_when_callbacks_are_not_offered():
    w = WaitingSession(WaitingPlan(music="moh"))
    assert w.start(0, 30) == [MOH, StartTimer(30.0, 1)]
    assert w.handle(Digit("9"), 1) == []


def test_core_ending_the_wait_says_sorry_and_hangs_up():
    w = WaitingSession(PLAN)
    w.start(0, None)
    assert w.ended_by_core() == [StopPlay(), Play(("sorry",), barge_in=False)]
    assert w.handle(PlayDone(), 3) == [Hangup("ended_by_core")]


POS_PLAN = WaitingPlan(
    music="moh",
    comfort=("comfort",),
    announce_every_s=30,
    announce_ewt=True,
    ewt_max_min=5,
    announce_position=True,
    position_max=3,
)


def test_position_prompts_name_the_callers_ahead_and_cap():
    from hotline.ivr import position_prompts

    assert position_prompts(POS_PLAN, None) == ()
    assert position_prompts(POS_PLAN, 0) == ("pos_0",)  # 您是下一位
    assert position_prompts(POS_PLAN, 3) == ("pos_3",)  # 您前面还有3位
    assert position_prompts(POS_PLAN, 4) == ("pos_many",)
    assert position_prompts(PLAN, 2) == ()  # not asked for
    ids = POS_PLAN.prompt_ids()
    assert {"pos_0", "pos_3", "pos_many"} <= set(ids) and "pos_4" not in ids


def test_the_place_in_line_is_announced_before_the_estimate_and_follows_the_core():
    w = WaitingSession(POS_PLAN, intro=("connecting",))
    assert w.start(0, ewt_s=150, position=3) == [
        Play(("connecting", "pos_3", "ewt_3"), barge_in=False),
        StartTimer(30, 1),
    ]
    w.handle(PlayDone(), 5)
    w.update_position(1)  # two callers ahead were served meanwhile
    assert w.handle(Timeout(1), 30) == [
        Play(("comfort", "pos_1", "ewt_2"), barge_in=False),
        StartTimer(30, 2),
    ]
    w.handle(PlayDone(), 33)
    w.update_position(None)  # being offered to an agent: no count to give
    assert w.handle(Timeout(2), 60)[0] == Play(("comfort", "ewt_2"), barge_in=False)
