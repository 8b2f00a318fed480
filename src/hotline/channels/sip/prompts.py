"""Build a flow's prompts once, at configuration time: espeak-ng speaks, sox converts.

Every prompt ends up as an 8 kHz, mono, 16-bit WAV - what the pjsua conference bridge runs at
(`clockRate=8000`) and what G.711 carries - so nothing is resampled per call. Files are named
by a hash of what made them, so changing a text rebuilds just that prompt and an unchanged
flow builds nothing. `sox ... gain -n -3` normalises: without it sox clips espeak's output.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from hotline.channels.sip.config import prompt_file
from hotline.ivr import Flow, PromptSpec

RATE = 8000
SOX_OUT = ["-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer"]
NOTE_S = 0.45


class PromptBuildError(RuntimeError):
    """A prompt could not be built; the message names the prompt and the tool's complaint."""


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str
    path: Path
    duration_s: float


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def _digest(spec: PromptSpec, source: Path | None) -> str:
    h = hashlib.sha256(repr((spec.text, spec.voice, spec.notes, spec.file)).encode())
    if source is not None and source.is_file():
        h.update(source.read_bytes())
    return h.hexdigest()[:12]


def _run(cmd: list[str], what: str) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError as exc:
        raise PromptBuildError(
            f"{what}: {cmd[0]} is not installed (scripts/voice-deps.sh)"
        ) from exc
    if proc.returncode != 0:
        raise PromptBuildError(f"{what}: {' '.join(cmd[:3])}… failed: {proc.stderr.strip()}")


def build_prompt(spec: PromptSpec, out_dir: Path, flow_path: Path) -> Prompt:
    """Make (or reuse) the 8 kHz WAV of one prompt."""
    source = prompt_file(flow_path, spec)
    target = out_dir / f"{spec.id}-{_digest(spec, source)}.wav"
    if not target.is_file():
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="prompt-") as tmp:
            raw = Path(tmp) / "raw.wav"
            what = f"prompt {spec.id!r}"
            if spec.text is not None:
                voice = spec.voice or "en-us"
                _run(["espeak-ng", "-v", voice, "-w", str(raw), spec.text], what)
            elif spec.notes is not None:
                _notes(spec.notes, raw, Path(tmp), what)
            else:
                assert source is not None
                shutil.copyfile(source, raw)
            part = Path(tmp) / "out.wav"
            _run(["sox", str(raw), *SOX_OUT, str(part), "gain", "-n", "-3"], what)
            part.replace(target)
    return Prompt(spec.id, target, wav_duration(target))


def _notes(notes: str, out: Path, tmp: Path, what: str) -> None:
    """Plucked notes one after another: a simple, licence-free hold melody."""
    parts = []
    for i, note in enumerate(notes.split()):
        part = tmp / f"n{i}.wav"
        synth = ["synth", str(NOTE_S), "pluck", note, "fade", "0", str(NOTE_S), "0.15"]
        _run(["sox", "-n", *SOX_OUT, str(part), *synth], what)
        parts.append(str(part))
    if not parts:
        raise PromptBuildError(f"{what}: notes is empty")
    _run(["sox", *parts, str(out)], what)


def build_prompts(flow: Flow, out_dir: Path, flow_path: Path) -> dict[str, Prompt]:
    """Every prompt of the flow, built if missing; raises `PromptBuildError`."""
    return {pid: build_prompt(spec, out_dir, flow_path) for pid, spec in flow.prompts.items()}
