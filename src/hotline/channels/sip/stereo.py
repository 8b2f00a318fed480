"""One stereo WAV per call from the bridge's two mono recordings: caller left, agent right.

pjsua's recorder writes mono only, so a call still records two ports while it runs - what the
caller said (`<id>-agent.wav`: what the agent side heard) and what the caller heard
(`<id>-caller.wav`: prompts, music, the agent, a specialist in a conference) - and when both
are closed they are interleaved into `<id>.wav`, aligned on the clock times their recorders
were created (the caller's starts at answer, the agent's at the bridge), and the mono files
are removed. Pure standard library (the worker imports no numpy); the interleave is a C-speed
array slice, a few milliseconds for a long call.
"""

from __future__ import annotations

import array
import sys
import wave
from pathlib import Path


def _samples(path: Path | None) -> tuple[array.array, int]:
    if path is None or not path.exists():
        return array.array("h"), 8000
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        data = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        data.byteswap()
    return data, rate


def merge(
    left: Path | None, left_at: float, right: Path | None, right_at: float, out: Path
) -> float:
    """Write `out` (16-bit, 2 channels) from two mono WAVs created at `left_at`/`right_at`
    (either may be missing: silence there); returns the duration in seconds."""
    a, rate = _samples(left)
    b, rate_b = _samples(right)
    rate = rate if left is not None and left.exists() else rate_b
    t0 = min(t for t, p in ((left_at, left), (right_at, right)) if p is not None)
    a = array.array("h", bytes(2 * round((left_at - t0) * rate))) + a
    b = array.array("h", bytes(2 * round((right_at - t0) * rate))) + b
    n = max(len(a), len(b))
    a.extend(array.array("h", bytes(2 * (n - len(a)))))
    b.extend(array.array("h", bytes(2 * (n - len(b)))))
    both = array.array("h", bytes(4 * n))
    both[0::2], both[1::2] = a, b
    if sys.byteorder == "big":
        both.byteswap()
    tmp = out.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(both.tobytes())
    tmp.replace(out)
    for p in (left, right):
        if p is not None:
            p.unlink(missing_ok=True)
    return round(n / rate, 3)
