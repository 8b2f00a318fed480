"""Random but plausible event timelines for property tests of the KPI aggregates.

Events come out in time order (as the live router writes them), with everything the KPI fold
looks at: channels incl. callback and none, queues incl. none, waits given or derived, EWT
estimates, transfers, every outcome, and agents changing state with and without a `from`.
"""

from __future__ import annotations

from hypothesis import strategies as st

from hotline.domain.records import EventRecord

#: a quarter-hour boundary plus 7 minutes, so ranges cross bucket edges
BASE = 1_764_000_000.0 + 420.0
SPAN_S = 4 * 3600.0
AGENTS = ("a1", "a2", "a3")
STATES = ("available", "busy", "wrap_up", "not_ready", "reserved", "offline")
OUTCOMES = ("abandoned", "completed", "callback_failed", "no_agent", "transferred")

_time = st.floats(min_value=0, max_value=SPAN_S, allow_nan=False).map(lambda t: BASE + t)
_wait = st.one_of(st.none(), st.floats(min_value=0, max_value=60, allow_nan=False))


@st.composite
def contact_events(draw: st.DrawFn, cid: str) -> list[EventRecord]:
    t = draw(_time)
    channel = draw(st.sampled_from(["voice", "chat", "callback", None]))
    queue = draw(st.sampled_from(["q1", "q2", None]))
    out = [EventRecord(t, "contact.created", cid, queue=queue, channel=channel, data={})]
    if draw(st.booleans()):
        t += draw(st.floats(0, 30))
        ewt = draw(st.one_of(st.none(), st.floats(0, 90)))
        out.append(EventRecord(t, "contact.queued", cid, queue=queue or "q1", data={"ewt_s": ewt}))
    agent = draw(st.sampled_from(AGENTS))
    if draw(st.booleans()):
        t += draw(st.floats(0, 45))
        data = {"wait_s": w} if (w := draw(_wait)) is not None else {}
        out.append(EventRecord(t, "contact.answered", cid, agent, queue or "q2", data=data))
        if draw(st.booleans()):
            t += draw(st.floats(0, 200))
            out.append(EventRecord(t, "contact.transferred", cid, agent, data={}))
    if draw(st.integers(0, 4)) > 0:
        t += draw(st.floats(0, 300))
        data = {"outcome": draw(st.sampled_from(OUTCOMES))}
        if (w := draw(_wait)) is not None:
            data["wait_s"] = w
        out.append(EventRecord(t, "contact.ended", cid, agent, data=data))
    return out


@st.composite
def agent_events(draw: st.DrawFn, agent: str) -> list[EventRecord]:
    times = sorted(draw(st.lists(_time, max_size=8)))
    out, state = [], draw(st.sampled_from([*STATES, None]))
    for t in times:
        to = draw(st.sampled_from(STATES))
        data = {"from": state, "to": to}
        out.append(EventRecord(t, "agent.state", agent_id=agent, data=data))
        state = to
    return out


@st.composite
def timelines(draw: st.DrawFn, max_contacts: int = 25) -> list[EventRecord]:
    """Every event of a random center, sorted by time."""
    n = draw(st.integers(0, max_contacts))
    events = [e for i in range(n) for e in draw(contact_events(f"c{i}"))]
    events += [e for a in AGENTS for e in draw(agent_events(a))]
    return sorted(events, key=lambda e: e.at)


ranges = st.tuples(_time, _time).map(sorted).filter(lambda r: r[1] > r[0])
