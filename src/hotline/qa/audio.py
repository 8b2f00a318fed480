"""Reading a mono recording into 16-bit samples at a rate webrtcvad accepts.

The SIP gateway records 8 kHz 16-bit mono WAV (one file per leg); test audio from espeak-ng is
22.05 kHz. webrtcvad takes only 8/16/32/48 kHz, Whisper wants 16 kHz float, so everything is
brought to 16 kHz once here (polyphase resampling, exact for 8 kHz -> 16 kHz).
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

RATE = 16000


@dataclass(frozen=True, slots=True)
class Audio:
    """One channel: int16 samples at `RATE` Hz."""

    samples: np.ndarray
    rate: int = RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.rate)

    def as_float(self) -> np.ndarray:
        """float32 in [-1, 1], what Whisper's feature extractor expects."""
        return self.samples.astype(np.float32) / 32768.0


class AudioError(ValueError):
    """The file is not a readable 16-bit PCM WAV."""


def read_wav(path: str | Path, channel: int | None = None) -> Audio:
    """Read a 16-bit PCM WAV (stereo is mixed down, or one `channel` kept: a call's stereo
    recording has the caller left, the agent side right) and resample it to 16 kHz."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2:
                raise AudioError(f"{path}: {8 * w.getsampwidth()}-bit audio; need 16-bit PCM")
            rate, channels = w.getframerate(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"{path}: {exc}") from exc
    data = np.frombuffer(raw, dtype="<i2")
    if channels > 1 and channel is not None:
        data = np.ascontiguousarray(data.reshape(-1, channels)[:, channel])
    elif channels > 1:
        data = data.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return Audio(resample(data, rate), RATE)


def resample(samples: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    """int16 samples from `rate` to `to` Hz."""
    if rate == to or len(samples) == 0:
        return np.asarray(samples, dtype=np.int16)
    g = gcd(rate, to)
    # imported here: scipy.signal costs ~1 s of import, paid by every server start otherwise
    from scipy.signal import resample_poly

    out = resample_poly(samples.astype(np.float32), to // g, rate // g)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)
