"""A call's recordings: closing each recorder, the voice.recording facts, the stereo merge, and
the hold / consult / conference / outside stretches. Mixed into `PhoneCall`.

The bridge records two mono ports while a call runs (`<id>-caller.wav`: what the caller heard,
`<id>-agent.wav`: what the agent side heard); with `recording: stereo` they become one
`<id>.wav` when both are closed (`stereo.merge`), with the stretches as `segments`.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.channels.sip import stereo

if TYPE_CHECKING:
    from hotline.channels.sip.worker import Worker


class CallRecords:
    """State lives on the call (`PhoneCall.__init__`); this class only groups the behaviour."""

    w: Worker
    id: str
    state: str
    agent_id: str | None
    recorders: dict[str, Any]
    recorded: dict[str, bool]
    rec_paths: dict[str, Path]
    rec_at: dict[str, float]
    rec_done: dict[str, Path]
    segments: list[list[Any]]

    def _finish_recording(self, leg: str) -> None:
        """Close a recorder (dropping it writes the WAV header) and store path and duration."""
        if self.recorders.pop(leg, None) is None or not self.recorded.get(leg):
            return
        path, agent_id = self.rec_paths[leg], self.agent_id
        # The bridge removes a port on its next clock tick, and only then is the file closed.
        self.w.schedule(0.3, lambda: self._report_recording(leg, path, agent_id))

    def _report_recording(self, leg: str, path: Path, agent_id: str | None) -> None:
        if self.w.config.stereo:
            self._stereo_part(leg, path, agent_id)
            return
        try:
            with wave.open(str(path), "rb") as w:
                duration = round(w.getnframes() / float(w.getframerate()), 3)
        except (OSError, wave.Error, EOFError):
            duration = None
        files = [{"leg": leg, "path": str(path), "duration_s": duration}]
        # Encrypted at rest (when HOTLINE_RECORDING_KEY is set) off this thread, before the fact.
        data = {"files": files}
        self.w.fact(self.id, "voice.recording", data, agent_id=agent_id, seal=[str(path)])

    def _stereo_part(self, leg: str, path: Path, agent_id: str | None) -> None:
        """Both mono files closed (or the only one, for a call no agent took): merge them."""
        self.rec_done[leg] = path
        if self.state != "ended" or set(self.rec_done) != {
            k for k, v in self.recorded.items() if v
        }:
            return
        out = self.rec_paths["caller"].with_name(f"{self.id}.wav")
        left, right = self.rec_done.get("agent"), self.rec_done.get("caller")
        now = self.w.clock()
        duration = stereo.merge(
            left, self.rec_at.get("agent", now), right, self.rec_at.get("caller", now), out
        )
        files = [{"leg": "stereo", "path": str(out), "duration_s": duration}]
        files[0]["segments"] = self.segments_from(min(self.rec_at.values(), default=now))
        files[0]["channels"] = ["caller", "agent"]  # left: what the caller said; right: heard
        self.w.fact(
            self.id, "voice.recording", {"files": files}, agent_id=agent_id, seal=[str(out)]
        )

    def segment(self, kind: str | None) -> None:
        """Close the open stretch (if any) and open `kind` (None: back to talking)."""
        now = self.w.clock()
        if self.segments and self.segments[-1][2] is None:
            self.segments[-1][2] = now
        if kind is not None:
            self.segments.append([kind, now, None])

    def segments_from(self, t0: float) -> list[dict[str, Any]]:
        """The stretches in seconds from `t0` (a recording's first sample)."""
        end = self.w.clock()
        return [
            {"kind": k, "start_s": round(a - t0, 3), "end_s": round((b or end) - t0, 3)}
            for k, a, b in self.segments
        ]
