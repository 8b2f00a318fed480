"""The PIPL recording notice as the flow's own prompt (`notice:`), with real SIP peers.

A copy of the demo flow with `notice: rec_notice` (configurable text like any prompt): the
notice plays first, whole - a key pressed during it is ignored - and only once it has been
heard is it a `compliance.notice` fact on the call (one, before the IVR's facts); the caller's
recording starts with it.
"""

from __future__ import annotations

import yaml

from .voice_rig import (
    DEMO_IVR,
    find_in,
    needs_peers,
    prompt_audio,
    read_wav,
    recordings,
    start_center,
)

pytestmark = needs_peers
TEXT = "本次通话将被录音。"


def test_the_recording_notice_plays_first_whole_and_is_counted_once_heard(tmp_path):
    flow = yaml.safe_load(DEMO_IVR.read_text(encoding="utf-8"))
    flow["prompts"]["rec_notice"] = TEXT
    flow["notice"] = "rec_notice"
    path = tmp_path / "notice_ivr.yaml"
    path.write_text(yaml.safe_dump(flow, allow_unicode=True), encoding="utf-8")
    with start_center(tmp_path / "center", gateway={"ivr": str(path)}) as center:
        steps = [("pause", 400), ("dtmf", "1"), ("pause", 7000)]  # "1" during the notice
        sipp, cid = center.call(steps, "notice")
        assert sipp.wait(60) == 0, center.sipp_log("notice")
        center.stream.fact("voice.call", cid)
        rec = center.stream.wait(
            lambda f: (
                f["kind"] == "voice.recording"
                and f["contact_id"] == cid
                and f["data"]["files"][0]["leg"] == "caller"
            )
        )
        facts = center.stream.of(cid)
        notices = [f for f in facts if f["kind"] == "compliance.notice"]
        assert len(notices) == 1 and notices[0]["data"]["text"] == TEXT
        kinds = [f["kind"] for f in facts]
        assert kinds.index("compliance.notice") < kinds.index("voice.ivr")
        ivr = next(f for f in facts if f["kind"] == "voice.ivr")["data"]
        assert ivr["digits"] == "" and ivr["notice"] == "heard"  # the key did not cut it
        assert next(f for f in facts if f["kind"] == "voice.call")["data"]["notice"] == "heard"
        path = recordings(facts)["caller"]["path"]
        assert rec["data"]["files"][0]["path"] == path
        score, offset = find_in(read_wav(path)[1], prompt_audio(center.work, "rec_notice"))
        assert score > 0.8 and offset < 1.0, (score, offset)  # the first thing the caller heard
