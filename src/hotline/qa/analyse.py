"""One contact in, findings out: the QA pipeline without storage.

A call: each channel's VAD intervals (always), then - when a model covers the language - its
transcript; phrases run over the transcript, acoustics over the intervals. A chat: its messages
are already segments (time = seconds since the first message), so only the phrase pass runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hotline.qa import vad
from hotline.qa.asr import AsrBackend, NoModel, Segment
from hotline.qa.audio import Audio
from hotline.qa.packing import pack
from hotline.qa.phrases import Hit, PhraseMatcher
from hotline.qa.rules import QaRules


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # forbidden | missing | dead_air | talk_over | talk_ratio
    rule: str | None
    at: float | None  # seconds into the contact (None: something that never happened)
    end: float | None = None
    speaker: str | None = None
    text: str = ""  # the matched words / a description
    context: str = ""
    method: str = ""  # exact | pinyin | pattern | vad

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "at": None if self.at is None else round(self.at, 2),
            "end": None if self.end is None else round(self.end, 2),
            "speaker": self.speaker,
            "text": self.text,
            "context": self.context,
            "method": self.method,
        }


@dataclass
class Analysis:
    source: str  # call | chat
    segments: list[Segment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    acoustics: vad.Acoustics | None = None
    asr: str | None = None  # the model that transcribed, or why none did
    duration_s: float = 0.0


class Analyser:
    """The center's rules compiled once (the automata are reused for every contact)."""

    def __init__(self, rules: QaRules) -> None:
        self.rules = rules
        self.matcher = PhraseMatcher(rules.forbidden, rules.required)

    # -- text -----------------------------------------------------------------------------
    def text_findings(self, segments: list[Segment], duration_s: float) -> tuple[list, list]:
        hits = self.matcher.find(segments)
        findings = [
            Finding("forbidden", h.rule, h.at, None, h.speaker, h.matched, h.context, h.method)
            for h in hits
            if h.kind == "forbidden"
        ]
        for rule in self.rules.required:
            ok = [h for h in hits if h.rule == rule.id and h.kind == "required"]
            if rule.within_s is not None and rule.within_s > 0:
                ok = [h for h in ok if h.at <= rule.within_s]
            elif rule.within_s is not None:
                ok = [h for h in ok if h.at >= duration_s + rule.within_s]
            if not ok:
                where = "" if rule.within_s is None else f" (within {rule.within_s:g} s)"
                findings.append(Finding("missing", rule.id, None, text=f"missing{where}"))
        return hits, findings

    def chat(self, segments: list[Segment]) -> Analysis:
        duration = max((s.end for s in segments), default=0.0)
        hits, findings = self.text_findings(segments, duration)
        return Analysis("chat", segments, findings, hits, None, None, duration)

    # -- calls ----------------------------------------------------------------------------
    def call(
        self,
        channels: dict[str, tuple[Audio, float]],
        asr: Callable[[str], AsrBackend] | None,
        language: str,
        holds: list[vad.Interval] = (),  # type: ignore[assignment]
        progress: Callable[[float], None] = lambda _p: None,
    ) -> Analysis:
        """`channels`: speaker -> (audio, offset of its first sample in the call, seconds)."""
        own = {spk: vad.speech_intervals(audio) for spk, (audio, _off) in channels.items()}
        intervals = {spk: vad.shift(own[spk], channels[spk][1]) for spk in channels}
        duration = max((a.duration_s + off for a, off in channels.values()), default=0.0)
        ac = vad.acoustics(
            intervals.get("agent", []),
            intervals.get("customer", []),
            duration,
            dead_air_s=self.rules.dead_air_s,
            overlap_s=self.rules.overlap_s,
            holds=list(holds),
            start=max(off for _a, off in channels.values()) if len(channels) > 1 else 0.0,
        )
        progress(0.1)
        findings = self._acoustic_findings(ac)
        segments: list[Segment] = []
        note: str | None = None
        if asr is not None:
            try:
                backend = asr(language)
                note = backend.name
                for n, (spk, (audio, off)) in enumerate(sorted(channels.items())):
                    if not own[spk]:
                        continue  # a silent channel has nothing to transcribe
                    packed = pack(audio, own[spk])  # speech only: half the encoder work
                    said = backend.transcribe(packed.audio, spk, language)
                    segments += [_shift(packed.segment(s), off) for s in said]
                    progress(0.1 + 0.8 * (n + 1) / len(channels))
            except NoModel as exc:
                note = f"no transcript: {exc}"
        else:
            note = "no transcript: ASR disabled"
        segments.sort(key=lambda s: (s.start, s.speaker))
        hits: list[Hit] = []
        if segments:
            hits, text = self.text_findings(segments, duration)
            findings += text
        return Analysis("call", segments, findings, hits, ac, note, duration)

    def _acoustic_findings(self, ac: vad.Acoustics) -> list[Finding]:
        out = [
            Finding("dead_air", "dead_air", s, e, None, f"{e - s:.1f} s of silence", "", "vad")
            for s, e in ac.dead_air
        ]
        out += [
            Finding("talk_over", "talk_over", s, e, None, f"both spoke {e - s:.1f} s", "", "vad")
            for s, e in ac.talk_over
        ]
        lo, hi = self.rules.talk_ratio
        r = ac.agent_talk_ratio
        if r is not None and not lo <= r <= hi:
            out.append(
                Finding(
                    "talk_ratio",
                    "talk_ratio",
                    None,
                    None,
                    "agent",
                    f"agent talked {r:.0%} of the time (expected {lo:.0%}-{hi:.0%})",
                    "",
                    "vad",
                )
            )
        return out


def _shift(s: Segment, off: float) -> Segment:
    if not off:
        return s
    from dataclasses import replace

    from hotline.qa.asr import Word

    words = tuple(Word(w.start + off, w.end + off, w.text) for w in s.words)
    return replace(s, start=s.start + off, end=s.end + off, words=words)
