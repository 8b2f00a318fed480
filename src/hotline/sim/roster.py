"""Staffing: the scenario's shifts turned into each agent's working windows and breaks.

A shift that crosses midnight also covers the small hours of the first day (it started the
evening before the scenario), otherwise a 24-hour center would open with nobody logged in.
Touching windows of one agent (a seat staffed 00-08 and 08-16) merge into one, so the seat is
not logged out and in again at the hand-over. Overlapping windows are a scenario error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.sim.scenario import Scenario, ScenarioError, generated_agent_ids, shift_length_s
from hotline.sim.schema import clock_s


@dataclass(slots=True)
class Window:
    """One agent's time logged in, with the breaks inside it."""

    start: float
    end: float
    shift: int  # index in scenario.staffing (for error messages)
    breaks: list[tuple[float, float, str]] = field(default_factory=list)  # (at, seconds, reason)


def _occurrences(scenario: Scenario, index: int) -> list[tuple[float, float]]:
    """(start, end) of every occurrence of shift `index` that overlaps the scenario."""
    shift = scenario.spec.staffing[index]
    length = shift_length_s(shift.start, shift.end)
    offset = clock_s(shift.start)
    spans = []
    for day in range(-1, scenario.days):
        if (
            shift.days is not None
            and day + 1 not in shift.days
            and not (day == -1 and 1 in shift.days)
        ):
            continue
        start = scenario.day_start(max(day, 0)) + offset - (86_400.0 if day == -1 else 0.0)
        end = start + length
        if end > scenario.start and start < scenario.end:
            spans.append((start, end))
    return spans


def windows(scenario: Scenario) -> dict[str, list[Window]]:
    """Every agent's working windows, sorted, merged when touching; refuses overlaps."""
    per_agent: dict[str, list[Window]] = {}
    for index, shift in enumerate(scenario.spec.staffing):
        ids = generated_agent_ids(scenario.spec, index)
        for start, end in _occurrences(scenario, index):
            for k, aid in enumerate(ids):
                stagger = shift.stagger_min * 60.0 * k / max(len(ids), 1)
                w = Window(max(start, scenario.start), end, index)
                for b in shift.breaks:
                    at = start + b.after_min * 60.0 + stagger
                    if at >= w.start:
                        w.breaks.append((at, b.minutes * 60.0, b.reason))
                per_agent.setdefault(aid, []).append(w)
    return {aid: _merge(aid, ws, scenario) for aid, ws in per_agent.items()}


def _merge(aid: str, ws: list[Window], scenario: Scenario) -> list[Window]:
    ws.sort(key=lambda w: w.start)
    merged = [ws[0]]
    for w in ws[1:]:
        last = merged[-1]
        if w.start < last.end:
            other = scenario.spec.staffing[last.shift].name
            msg = f"agent {aid!r} would work two shifts at once (also in shift {other!r})"
            raise ScenarioError(scenario.source, f"staffing[{w.shift}]", msg)
        if w.start == last.end:
            last.end = w.end
            last.breaks.extend(w.breaks)
        else:
            merged.append(w)
    return merged


def staffed_at(wins: dict[str, list[Window]], t: float) -> int:
    """Agents scheduled to be logged in at `t` (for reports and tests)."""
    return sum(1 for ws in wins.values() for w in ws if w.start <= t < w.end)
