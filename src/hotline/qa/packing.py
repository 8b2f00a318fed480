"""Feed the recogniser speech only: pack one channel's speech intervals into a short buffer.

In a two-channel call each channel is silent while the other side talks, and Whisper's
encoder costs the same for every 30 s window whether it holds words or silence. So the VAD
intervals (padded a little, so word edges survive) are laid end to end with a short pause
between them, the packed audio is transcribed, and every time that comes back is mapped to
the original recording through the piece table.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

import numpy as np

from hotline.qa.asr import Segment, Word
from hotline.qa.audio import Audio

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Packed:
    audio: Audio
    packed_starts: list[float]  # where each piece starts in the packed audio
    original_starts: list[float]  # where it came from in the recording
    lengths: list[float]

    def to_original(self, t: float) -> float:
        i = max(0, bisect_right(self.packed_starts, t) - 1)
        into = min(max(0.0, t - self.packed_starts[i]), self.lengths[i])
        return self.original_starts[i] + into

    def segment(self, s: Segment) -> Segment:
        words = tuple(
            Word(self.to_original(w.start), self.to_original(w.end), w.text) for w in s.words
        )
        start, end = self.to_original(s.start), self.to_original(s.end)
        return replace(s, start=start, end=max(start, end), words=words)


def pack(audio: Audio, intervals: list[Interval], pad_s: float = 0.3, gap_s: float = 0.5) -> Packed:
    """The channel's speech, padded by `pad_s`, joined with `gap_s` of silence between pieces."""
    rate, n = audio.rate, len(audio.samples)
    pieces: list[list[float]] = []
    for s, e in intervals:
        s, e = max(0.0, s - pad_s), min(n / rate, e + pad_s)
        if pieces and s <= pieces[-1][1] + gap_s:
            pieces[-1][1] = max(pieces[-1][1], e)
        else:
            pieces.append([s, e])
    gap = np.zeros(int(gap_s * rate), dtype=np.int16)
    chunks, packed_starts, original_starts, lengths = [], [], [], []
    pos = 0.0
    for s, e in pieces:
        clip = audio.samples[int(s * rate) : int(e * rate)]
        packed_starts.append(pos)
        original_starts.append(s)
        lengths.append(len(clip) / rate)
        chunks += [clip, gap]
        pos += (len(clip) + len(gap)) / rate
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return Packed(Audio(samples, rate), packed_starts, original_starts, lengths)
