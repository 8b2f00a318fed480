"""Real speech for the QA tests: espeak-ng says each line, sox makes it 8 kHz mono like the
SIP gateway's recordings, and numpy places every clip at an exact second of a channel."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 8000


def have_tools() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def say(text: str, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    """`text` spoken by espeak-ng, as int16 samples at 8 kHz."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "8k.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True
        )
        subprocess.run(
            ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True
        )
        with wave.open(str(out), "rb") as w:
            return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def channel(clips: list[tuple[float, np.ndarray]], total_s: float) -> np.ndarray:
    """A silent channel of `total_s` seconds with each clip starting at its second."""
    out = np.zeros(int(total_s * RATE), dtype=np.int32)
    for at, clip in clips:
        i = int(at * RATE)
        n = min(len(clip), len(out) - i)
        out[i : i + n] += clip[:n]
    return np.clip(out, -32768, 32767).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return path


def clip_len(clip: np.ndarray) -> float:
    return len(clip) / RATE


def planted_call(folder: Path) -> dict:
    """A 2-channel English call with a forbidden phrase, 12 s of dead air and a talk-over.

    Returns the two WAV paths (agent speech, customer speech) and the seconds where each
    planted thing starts, worked out from the real clip lengths.
    """
    a, c = [], []
    t = 0.5
    for speaker, line in (
        ("a", "Good morning, thank you for calling. How can I help you today?"),
        ("c", "Hello, I have a problem with my electricity bill."),
        ("a", "Please tell me your account number so I can verify it."),
        ("c", "It is one two three four five."),
    ):
        clip = say(line)
        (a if speaker == "a" else c).append((t, clip))
        t += clip_len(clip) + 0.8
    forbidden_at = t
    clip = say("You are stupid.")
    a.append((t, clip))
    dead_start = t + clip_len(clip)
    t = dead_start + 12.0
    clip = say("Hello? Are you still there?")
    c.append((t, clip))
    t += clip_len(clip) + 0.6
    agent_clip = say("Yes, I am checking your bill right now, please wait a moment.")
    a.append((t, agent_clip))
    overlap_start = t + 1.0
    cust_clip = say("I have been waiting for a very long time already.")
    c.append((overlap_start, cust_clip))
    overlap_end = min(t + clip_len(agent_clip), overlap_start + clip_len(cust_clip))
    t = max(t + clip_len(agent_clip), overlap_start + clip_len(cust_clip)) + 0.8
    clip = say("Is there anything else? Thank you for calling, goodbye.")
    a.append((t, clip))
    total = t + clip_len(clip) + 1.0
    return {
        "agent_wav": write_wav(folder / "call-caller.wav", channel(a, total)),
        "customer_wav": write_wav(folder / "call-agent.wav", channel(c, total)),
        "duration_s": total,
        "forbidden_at": forbidden_at,
        "dead_air": (dead_start, dead_start + 12.0),
        "overlap": (overlap_start, overlap_end),
    }
