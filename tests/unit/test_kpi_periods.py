"""KPIs split by emergency plan: periods from the on/off facts, contacts by their arrival."""

from __future__ import annotations

from hotline.domain.records import EventRecord
from hotline.kpi.periods import plan_periods, split_kpis


def fact(at: float, kind: str, plan: str = "typhoon") -> EventRecord:
    return EventRecord(at=at, kind=kind, data={"plan": plan})


def test_periods_come_from_on_off_pairs_cut_to_the_range():
    facts = [
        fact(50, "emergency.on"),
        fact(120, "emergency.off"),
        fact(300, "emergency.on", "flood"),
    ]
    assert plan_periods(facts, 100, 400) == [(100, 120, "typhoon"), (300, 400, "flood")]
    assert plan_periods(facts, 130, 290) == []
    assert plan_periods(list(reversed(facts)), 0, 1000) == [
        (50, 120, "typhoon"),
        (300, 1000, "flood"),
    ]


def _contact(cid: str, at: float, answer_after: float | None) -> list[EventRecord]:
    out = [
        EventRecord(
            at=at,
            kind="contact.created",
            contact_id=cid,
            queue="q",
            channel="voice",
            data={"customer": cid},
        ),
        EventRecord(at=at, kind="contact.queued", contact_id=cid, queue="q", channel="voice"),
    ]
    if answer_after is not None:
        t = at + answer_after
        out.append(
            EventRecord(
                at=t,
                kind="contact.answered",
                contact_id=cid,
                agent_id="a1",
                queue="q",
                channel="voice",
                data={"wait_s": answer_after},
            )
        )
    return out


def test_contacts_count_where_they_arrived():
    events = _contact("in-1", 110, 5) + _contact("in-2", 115, 50) + _contact("out-1", 200, 3)
    during, outside = split_kpis(events, 0, 1000, [(100, 150, "typhoon")], now=2000)
    assert (during.offered, during.answered, during.answered_in_threshold) == (2, 2, 1)
    assert (outside.offered, outside.answered, outside.answered_in_threshold) == (1, 1, 1)
    assert during.occupancy is None and outside.occupancy is None
