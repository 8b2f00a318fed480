"""The IVR interpreter: events in, commands out, compared with `==` (no sockets, no clock)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from hotline.ivr import (
    CallerHangup,
    Digit,
    Hangup,
    IvrSession,
    Play,
    PlayDone,
    Score,
    StartTimer,
    StopPlay,
    Timeout,
    Transfer,
    parse_flow,
)

DEMO = Path(__file__).parents[2] / "src/hotline/channels/sip/demo_ivr.yaml"
SH = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=SH).timestamp()  # a Wednesday
NIGHT = datetime(2026, 11, 25, 23, 30, tzinfo=SH).timestamp()


def demo() -> IvrSession:
    return IvrSession(parse_flow(yaml.safe_load(DEMO.read_text())))


def run(session: IvrSession, *events, now: float = NOON) -> list:
    out = []
    for e in events:
        out += session.handle(e, now)
    return out


def test_welcome_then_menu_then_self_service_answer_is_contained():
    s = demo()
    assert s.start(NOON) == [Play(("welcome",))]
    assert run(s, PlayDone()) == [Play(("menu",))]
    assert run(s, Digit("1")) == [StopPlay(), Play(("answer_flight",))]
    assert run(s, PlayDone()) == [Play(("after_answer",))]
    assert run(s, PlayDone()) == [StartTimer(4, s._token)]
    token = s._token
    assert run(s, Timeout(token)) == [Play(("goodbye",), barge_in=False)]
    assert run(s, PlayDone()) == [Hangup("contained")]
    assert s.result.outcome == "contained" and s.result.contained
    assert s.result.path == ("welcome", "menu", "flight", "after_flight", "goodbye")
    assert s.result.digits == "1"


def test_caller_hanging_up_after_an_answer_is_contained_before_it_abandoned():
    s = demo()
    s.start(NOON)
    run(s, Digit("2"), CallerHangup())
    assert s.result.outcome == "contained"
    s = demo()
    s.start(NOON)
    run(s, CallerHangup())
    assert s.result.outcome == "abandoned" and not s.result.contained


def test_barge_in_during_welcome_goes_straight_to_a_person():
    s = demo()
    s.start(NOON)
    out = run(s, Digit("0"))
    assert out == [StopPlay(), Transfer(queue="general", prompts=("connecting",))]
    assert s.result.outcome == "transferred"


def test_path_sets_queue_priority_language_and_intent():
    s = demo()
    s.start(NOON)
    assert run(s, Digit("4"))[-1] == Transfer(
        queue="special_assistance", priority=3, intent="special_assistance", prompts=("connecting",)
    )
    s = demo()
    s.start(NOON)
    assert run(s, Digit("8"))[-1] == Transfer(
        queue="english", language="en", prompts=("en_connecting",)
    )


def test_business_hours_branch():
    s = demo()
    s.start(NOON)
    assert run(s, Digit("5"))[-1] == Transfer(
        queue="complaints", intent="complaint", prompts=("connecting",)
    )
    s = demo()
    s.start(NIGHT)
    out = run(s, Digit("5"), now=NIGHT)
    assert out == [StopPlay(), Play(("complaints_closed", "offer_callback"))]
    assert run(s, Digit("9"), now=NIGHT) == [
        StopPlay(),
        Transfer(queue="general", callback=True, prompts=("callback_ok",)),
    ]
    assert s.result.outcome == "callback"
    assert s.result.path == ("welcome", "complaints_hours", "complaints_closed", "callback")


def test_invalid_digit_and_silence_retry_then_fall_back_to_a_person():
    s = demo()
    s.start(NOON)
    run(s, PlayDone())  # menu playing
    assert run(s, Digit("7")) == [StopPlay(), Play(("invalid", "menu"))]
    run(s, PlayDone())
    assert run(s, Timeout(s._token)) == [Play(("no_input", "menu"))]
    run(s, PlayDone())
    assert run(s, Timeout(s._token)) == [Transfer(queue="general", prompts=("connecting",))]


def test_stale_timer_and_stray_play_done_are_ignored():
    s = demo()
    s.start(NOON)
    run(s, PlayDone())
    run(s, PlayDone())  # the menu prompt ended, timer started
    stale = s._token
    run(s, Digit("7"))  # replays the menu: the old timer no longer counts
    assert run(s, Timeout(stale)) == []
    assert run(s, Timeout(s._token)) == []  # still playing: a timeout needs the prompt over


def test_survey_entry_scores_then_thanks():
    s = IvrSession(parse_flow(yaml.safe_load(DEMO.read_text())), entry="survey")
    assert s.start(NOON) == [Play(("survey",))]
    assert run(s, Digit("4")) == [
        StopPlay(),
        Score("satisfaction", 4),
        Play(("survey_thanks",), barge_in=False),
    ]
    assert run(s, PlayDone()) == [Hangup("survey")]


def test_survey_rejects_digits_outside_the_scale():
    s = IvrSession(parse_flow(yaml.safe_load(DEMO.read_text())), entry="survey")
    s.start(NOON)
    assert run(s, Digit("9")) == [StopPlay(), Play(("invalid", "survey"))]
    run(s, PlayDone())
    assert run(s, Timeout(s._token)) == [Hangup("hangup")]  # one retry, then give up


def test_collect_digits_with_terminator_and_timeout():
    flow = parse_flow(
        {
            "start": "ask",
            "prompts": {"p": "enter your booking number"},
            "nodes": {
                "ask": {
                    "type": "collect",
                    "prompts": ["p"],
                    "var": "booking",
                    "min_digits": 3,
                    "max_digits": 6,
                    "next": "q",
                },
                "q": {"type": "queue", "queue": "general"},
            },
        }
    )
    s = IvrSession(flow)
    s.start(0)
    assert run(s, Digit("1")) == [StopPlay(), StartTimer(5.0, s._token)]
    run(s, Digit("2"), Digit("3"))
    assert run(s, Digit("#")) == [Transfer(queue="general")]
    assert s.result.variables == {"booking": "123"}
    s = IvrSession(flow)
    s.start(0)
    run(s, Digit("4"), Digit("5"))
    assert run(s, Timeout(s._token)) == [Play(("p",))]  # too short: ask again
    run(s, Digit("1"), Digit("2"), Digit("3"), Digit("4"), Digit("5"))
    assert run(s, Digit("6")) == [Transfer(queue="general")]
    assert s.result.variables == {"booking": "123456"}
