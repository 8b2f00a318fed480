"""Voice figures the contact KPIs cannot see: IVR containment and the DTMF survey.

A call answered by the IVR's self-service (a fixed answer, no person) never becomes a contact,
so it is invisible to `compute_kpis`; the gateway stores one `voice.call` summary per call and a
`voice.survey` per keypad answer. Pure: facts in, figures out.

Definitions (printed by `hotline report` under the figures):
- calls: `voice.call` summaries (every call the gateway answered, whatever happened next);
- contained: calls whose IVR outcome was self-service (`contained`), never offered to a person;
- containment rate: contained / calls;
- to a person: calls the IVR transferred to a queue (they then count in the contact KPIs);
- survey offered: calls that reached the post-call survey; replies: `voice.survey` answers;
- response rate: replies / offered; mean score on the keypad scale; satisfied: score >= 4 of 5.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.domain.records import EventRecord


@dataclass(frozen=True, slots=True)
class VoiceKpis:
    calls: int
    contained: int
    to_person: int
    survey_offered: int
    survey_replies: int
    mean_score: float | None
    satisfied: int

    @property
    def containment_rate(self) -> float | None:
        return self.contained / self.calls if self.calls else None

    @property
    def response_rate(self) -> float | None:
        return self.survey_replies / self.survey_offered if self.survey_offered else None

    @property
    def satisfied_rate(self) -> float | None:
        return self.satisfied / self.survey_replies if self.survey_replies else None


def voice_kpis(facts: Iterable[EventRecord], start: float, end: float) -> VoiceKpis:
    """Figures for calls whose summary falls in `[start, end)` (a call counts once)."""
    calls = contained = to_person = offered = 0
    scores: list[int] = []
    for f in facts:
        if not start <= f.at < end:
            continue
        if f.kind == "voice.call":
            calls += 1
            d = f.data
            contained += bool(d.get("contained"))
            to_person += d.get("queued") is True
            offered += bool(d.get("survey_offered"))
        elif f.kind == "voice.survey" and isinstance(f.data.get("score"), int):
            scores.append(f.data["score"])
    return VoiceKpis(
        calls=calls,
        contained=contained,
        to_person=to_person,
        survey_offered=max(offered, len(scores)),
        survey_replies=len(scores),
        mean_score=sum(scores) / len(scores) if scores else None,
        satisfied=sum(1 for s in scores if s >= 4),
    )
