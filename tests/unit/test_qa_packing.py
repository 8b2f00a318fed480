"""Packing a channel's speech for the recogniser keeps every time mappable to the recording."""

from __future__ import annotations

import numpy as np

from hotline.qa.asr import Segment, Word
from hotline.qa.audio import Audio
from hotline.qa.packing import pack


def test_packed_times_map_back_to_the_original_seconds():
    audio = Audio(np.ones(60 * 16000, dtype=np.int16))
    p = pack(audio, [(2.0, 4.0), (30.0, 33.0), (33.5, 34.0)], pad_s=0.3, gap_s=0.5)
    # pieces: 1.7-4.3 (2.6 s), then 29.7-34.3 (the two close intervals merge), 0.5 s apart
    assert p.original_starts == [1.7, 29.7]
    assert abs(p.audio.duration_s - (2.6 + 0.5 + 4.6 + 0.5)) < 1e-3
    assert abs(p.to_original(1.0) - 2.7) < 1e-6
    assert abs(p.to_original(3.1 + 1.0) - 30.7) < 1e-6
    seg = p.segment(Segment(3.1, 4.1, "agent", "x", 1.0, (Word(3.2, 3.6, "x"),)))
    assert (round(seg.start, 3), round(seg.words[0].start, 3)) == (29.7, 29.8)


def test_the_ivr_and_the_wait_before_the_agent_leg_starts_are_not_dead_air():
    from hotline.qa.vad import acoustics

    # caller-leg file: IVR prompt 0-5 s, 40 s in queue, then the agent from 50 s;
    # the agent-leg file (the customer's voice) starts at the bridge, 48 s
    agent = [(0.0, 5.0), (50.0, 55.0), (60.0, 62.0)]
    customer = [(55.5, 59.5)]
    ac = acoustics(agent, customer, 70.0, dead_air_s=10.0, start=48.0)
    assert ac.dead_air == [] and ac.agent_talk_s == 7.0
    assert acoustics(agent, customer, 70.0, dead_air_s=10.0).dead_air == [(5.0, 50.0)]
