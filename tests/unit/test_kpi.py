"""Specification of `hotline.kpi` on a hand-made half hour of a small center.

Range [1000, 2800). Queues "sales" and "support"; agents a1, a2 (a3 serves chat and has no state
events, so it is not part of occupancy). Default options: T = 20 s, short abandon < 5 s.

Contact  channel   queue    created  fate                                          wait
c1       voice     sales    1000     answered by a1 1012, ended 1112, ACW 15        10
c2       voice     sales    1100     answered by a2 1131, ended 1231, ACW 10        30
c3       voice     sales    1200     abandoned 1212                                 12 (≤ T)
c4       voice     sales    1300     abandoned 1340                                 40 (> T)
c5       voice     sales    1400     abandoned 1403 → short abandon                  3
c6       voice     support  1500     a1 1520, transferred 1580, a2 1600, ended 1660  20 (= T)
c7       chat      support  1600     a3 1608, ended 1708 (no wait_s: 1608 − 1600)    8
c8       voice     sales     990     created before the range → never counted
c9       voice     sales    1700     still waiting at the end of the data
c10      voice     sales    1750     answered by a2 1790, still talking              40
c11      voice     —        1800     hung up in the IVR, never queued → not offered
c12      callback  sales    1900     a1 1910, ended completed 1970                   10
c13      callback  sales    2000     a1 2005, ended callback_failed 2035              5
c14      callback  sales    2100     scheduled, not yet due
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from hotline.domain.records import EventRecord
from hotline.kpi import (
    SL_ANSWERED_ONLY,
    SL_COMBINED,
    SL_DEFAULT,
    SL_FORMULAS,
    SL_IGNORE_EARLY_ABANDONS,
    KpiOptions,
    compute_kpis,
    intervals,
    kpis_by_queue,
    repeat_contacts,
)

START, END = 1000.0, 2800.0


def ev(
    at: float,
    kind: str,
    contact: str | None = None,
    *,
    agent: str | None = None,
    queue: str | None = None,
    channel: str | None = None,
    **data: Any,
) -> EventRecord:
    """One `EventRecord`, written on one line."""
    return EventRecord(at, kind, contact, agent, queue, channel, data)


def state(at: float, agent: str, from_: str, to: str, contact: str | None = None) -> EventRecord:
    return EventRecord(at, "agent.state", contact, agent, data={"from": from_, "to": to})


TIMELINE: list[EventRecord] = [
    # c8: created 10 s before the range; its answer inside the range does not bring it in.
    ev(990, "contact.created", "c8", channel="voice", customer="138-4"),
    ev(990, "contact.queued", "c8", queue="sales", ewt_s=0),
    ev(1000, "contact.answered", "c8", agent="a9", queue="sales", wait_s=10),
    ev(1050, "contact.ended", "c8", queue="sales", outcome="completed"),
    # c1: wait 10 (estimate 10 → error 0), talk 1012 → 1112 = 100, then a1 wraps up 15 s.
    ev(1000, "contact.created", "c1", channel="voice", customer="138-1"),
    ev(1002, "contact.queued", "c1", queue="sales", ewt_s=10),
    ev(1012, "contact.answered", "c1", agent="a1", queue="sales", wait_s=10),
    ev(1112, "contact.ended", "c1", queue="sales", outcome="completed", wait_s=10),
    # c2: wait 30 (estimate 20 → error 10), talk 100, a2 wraps up 10 s.
    ev(1100, "contact.created", "c2", channel="voice", customer="138-2"),
    ev(1101, "contact.queued", "c2", queue="sales", ewt_s=20),
    ev(1131, "contact.answered", "c2", agent="a2", queue="sales", wait_s=30),
    ev(1231, "contact.ended", "c2", queue="sales", outcome="completed"),
    # c3: gave up after 12 s (≥ 5 s: a real abandon, ≤ T). Same customer as c1, 200 s later.
    ev(1200, "contact.created", "c3", channel="voice", customer="138-1"),
    ev(1200, "contact.queued", "c3", queue="sales", ewt_s=None),
    ev(1212, "contact.ended", "c3", queue="sales", outcome="abandoned", wait_s=12),
    # c4: gave up after 40 s (> T).
    ev(1300, "contact.created", "c4", channel="voice", customer="138-3"),
    ev(1300, "contact.queued", "c4", queue="sales"),
    ev(1340, "contact.ended", "c4", queue="sales", outcome="abandoned", wait_s=40),
    # c5: hung up after 3 s (< 5 s): a short abandon, out of offered, abandoned and SL.
    ev(1400, "contact.created", "c5", channel="voice", customer="138-5"),
    ev(1400, "contact.queued", "c5", queue="sales"),
    ev(1403, "contact.ended", "c5", queue="sales", outcome="abandoned", wait_s=3),
    # c6: wait exactly 20 = T (in threshold). Two legs: a1 1520 → 1580 and a2 1600 → 1660,
    # talk 60 + 60 = 120; wrap-up a1 5 s + a2 10 s = 15. Counted in "support", its first answer.
    ev(1500, "contact.created", "c6", channel="voice", customer="138-6"),
    ev(1500, "contact.queued", "c6", queue="support", ewt_s=None),
    ev(1520, "contact.answered", "c6", agent="a1", queue="support", wait_s=20),
    ev(1580, "contact.transferred", "c6", queue="support", from_agent="a1", to_queue="tier2"),
    ev(1580, "contact.queued", "c6", queue="tier2", ewt_s=15),
    ev(1600, "contact.answered", "c6", agent="a2", queue="tier2", wait_s=80),
    ev(1660, "contact.ended", "c6", queue="tier2", outcome="completed"),
    # c7: chat; channel only in data; no wait_s on the answer → 1608 − 1600 = 8 (estimate 5 →
    # error 3); talk 100; a3 has no state events, so no wrap-up.
    EventRecord(1600, "contact.created", "c7", data={"channel": "chat", "customer": "wx-7"}),
    ev(1600, "contact.queued", "c7", queue="support", ewt_s=5),
    ev(1608, "contact.answered", "c7", agent="a3", queue="support"),
    ev(1708, "contact.ended", "c7", queue="support", outcome="completed"),
    # c9: queued, no end in the data: offered, neither answered nor abandoned. Customer of c8.
    ev(1700, "contact.created", "c9", channel="voice", customer="138-4"),
    ev(1700, "contact.queued", "c9", queue="sales", ewt_s=None),
    # c10: wait 40 (estimate 30 → error 10), still talking: answered but not handled.
    ev(1750, "contact.created", "c10", channel="voice"),
    ev(1750, "contact.queued", "c10", queue="sales", ewt_s=30),
    ev(1790, "contact.answered", "c10", agent="a2", queue="sales", wait_s=40),
    # c11: hung up in the IVR: never queued, in no queue. Customer of c2, 700 s later.
    ev(1800, "contact.created", "c11", channel="voice", customer="138-2"),
    ev(1810, "contact.ended", "c11", outcome="abandoned"),
    # Callbacks (for c4 and c5): counted only in the callback figures by default.
    ev(1900, "contact.created", "c12", channel="callback", customer="138-3", origin_id="c4"),
    ev(1900, "contact.queued", "c12", queue="sales"),
    ev(1910, "contact.answered", "c12", agent="a1", queue="sales", wait_s=10),
    ev(1970, "contact.ended", "c12", queue="sales", outcome="completed"),
    ev(2000, "contact.created", "c13", channel="callback", customer="138-5", origin_id="c5"),
    ev(2000, "contact.queued", "c13", queue="sales"),
    ev(2005, "contact.answered", "c13", agent="a1", queue="sales", wait_s=5),
    ev(2035, "contact.ended", "c13", queue="sales", outcome="callback_failed"),
    ev(2100, "contact.created", "c14", channel="callback", origin_id="c9"),
    ev(2100, "contact.scheduled", "c14", queue="sales", due_at=3000),
    # c15: created at the range end → outside [START, END).
    ev(2800, "contact.created", "c15", channel="voice"),
    ev(2800, "contact.queued", "c15", queue="sales"),
    # a1 in [1000, 2800): available 12, busy 100, wrap-up 15, available 388, reserved 5, busy 60,
    # wrap-up 5, available 325, busy 60, available 35, busy 30, available 465, not ready 300.
    # occupied 275 of 1500 staffed (not ready is not staffed).
    state(900, "a1", "offline", "available"),
    state(1012, "a1", "available", "busy"),
    state(1112, "a1", "busy", "wrap_up"),
    state(1127, "a1", "wrap_up", "available"),
    state(1515, "a1", "available", "reserved"),
    state(1520, "a1", "reserved", "busy"),
    state(1580, "a1", "busy", "wrap_up"),
    state(1585, "a1", "wrap_up", "available"),
    state(1910, "a1", "available", "busy"),
    state(1970, "a1", "busy", "available"),
    state(2005, "a1", "available", "busy"),
    state(2035, "a1", "busy", "available"),
    state(2500, "a1", "available", "not_ready"),
    # a2 (available since before its first event): available 131, busy 100, wrap-up 10,
    # available 359, busy 60, wrap-up 10, available 120, busy 1790 → 2800 = 1010.
    # occupied 1190 of 1800 staffed.
    state(1131, "a2", "available", "busy"),
    state(1231, "a2", "busy", "wrap_up"),
    state(1241, "a2", "wrap_up", "available"),
    state(1600, "a2", "available", "busy"),
    state(1660, "a2", "busy", "wrap_up"),
    state(1670, "a2", "wrap_up", "available"),
    state(1790, "a2", "available", "busy"),
]


def test_every_kpi_of_the_half_hour() -> None:
    k = compute_kpis(TIMELINE, START, END)
    # queued in range, not callback: c1 c2 c3 c4 c5 c6 c7 c9 c10 = 9, minus short abandon c5
    assert k.offered == 8
    assert k.short_abandoned == 1
    assert k.answered == 5  # c1 c2 c6 c7 c10
    assert k.abandoned == 2  # c3 c4
    assert k.answered_in_threshold == 3  # c1 (10) c6 (20 = T) c7 (8)
    assert k.abandoned_in_threshold == 1  # c3 (12)
    assert k.service_level == 3 / 7  # default: answered ≤ T ÷ (answered + abandoned)
    assert k.answer_rate == 5 / 8
    assert k.abandon_rate == 2 / 8
    assert k.asa_s == (10 + 30 + 20 + 8 + 40) / 5
    assert k.max_wait_s == 40  # c4 abandoned and c10 answered
    assert k.handled == 4  # c1 c2 c6 c7 (c10 has not ended)
    assert k.talk_s_avg == (100 + 100 + 120 + 100) / 4
    assert k.acw_s_avg == (15 + 10 + 15 + 0) / 4
    assert k.aht_s == (420 + 40) / 4
    assert k.occupancy == pytest.approx((275 + 1190) / (1500 + 1800))
    assert k.callbacks_created == 3  # c12 c13 c14
    assert k.callbacks_completed == 1  # c12 reached; c13 callback_failed is not completed
    assert k.callbacks_reached == 1  # c12
    assert k.callback_completion_rate == 1 / 3
    assert k.ewt_samples == 4  # c1 c2 c7 c10 (c6 had no estimate)
    assert k.ewt_mae_s == (0 + 10 + 3 + 10) / 4
    assert k.options == KpiOptions()


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (SL_COMBINED, (3 + 1) / (5 + 2)),  # (answered ≤ T + abandoned ≤ T) ÷ (answered + abandoned)
        (SL_ANSWERED_ONLY, 3 / 5),  # answered ≤ T ÷ answered
        (SL_DEFAULT, 3 / (5 + 2)),  # answered ≤ T ÷ (answered + abandoned)
        (SL_IGNORE_EARLY_ABANDONS, 3 / (5 + 1)),  # ÷ (answered + abandoned after T: c4 only)
    ],
)
def test_each_service_level_formula(formula: str, expected: float) -> None:
    k = compute_kpis(TIMELINE, START, END, options=KpiOptions(sl_formula=formula))
    assert k.service_level == expected
    assert compute_kpis(TIMELINE, START, END).service_level_with(formula) == expected


def test_the_default_formula_is_answered_in_threshold_over_answered_plus_abandoned() -> None:
    assert KpiOptions().sl_formula == SL_DEFAULT
    assert SL_FORMULAS[SL_DEFAULT] == "answered ≤ T ÷ (answered + abandoned)"
    assert len(SL_FORMULAS) == 4


def test_thresholds_are_options() -> None:
    # T = 10: only c1 (10) and c7 (8) answered in threshold; no abandon ≤ 10 (c3 waited 12).
    k = compute_kpis(TIMELINE, START, END, options=KpiOptions(sl_threshold_s=10))
    assert (k.answered_in_threshold, k.abandoned_in_threshold) == (2, 0)
    # short abandon < 13: c3 (12) joins c5 (3) as short; offered 9 − 2, abandoned only c4.
    k = compute_kpis(TIMELINE, START, END, options=KpiOptions(short_abandon_s=13))
    assert (k.short_abandoned, k.offered, k.abandoned) == (2, 7, 1)
    # a wait equal to N is not short: c3 waited 12, N = 12.
    k = compute_kpis(TIMELINE, START, END, options=KpiOptions(short_abandon_s=12))
    assert (k.short_abandoned, k.abandoned) == (1, 2)


def test_unknown_formula_or_negative_threshold_is_rejected() -> None:
    with pytest.raises(ValueError, match="sl_formula"):
        KpiOptions(sl_formula="80/20")
    with pytest.raises(ValueError):
        KpiOptions(sl_threshold_s=-1)


def test_short_abandon_wait_falls_back_to_time_since_first_queued() -> None:
    events = [
        ev(0, "contact.created", "x", channel="voice"),
        ev(1, "contact.queued", "x", queue="q"),
        ev(5, "contact.ended", "x", queue="q", outcome="abandoned"),  # no wait_s: 5 − 1 = 4
    ]
    k = compute_kpis(events, 0, 10)
    assert (k.offered, k.abandoned, k.short_abandoned, k.abandon_rate) == (0, 0, 1, None)


def test_contacts_created_outside_the_range_are_excluded() -> None:
    # c8 was created at 990 and answered at 1000: it belongs to [990, 1000) only.
    before = compute_kpis(TIMELINE, 990, 1000)
    assert (before.offered, before.answered, before.asa_s) == (1, 1, 10)
    # c15 created at 2800 = END is not in [START, END); c1 created at 1000 = START is.
    k = compute_kpis(TIMELINE, 1000, 1001)
    assert (k.offered, k.answered) == (1, 1)
    assert compute_kpis(TIMELINE, 2800, 2801).offered == 1


def test_empty_data_gives_zeros_and_none() -> None:
    k = compute_kpis([], START, END)
    assert (k.offered, k.answered, k.abandoned, k.short_abandoned, k.handled) == (0, 0, 0, 0, 0)
    assert (k.callbacks_created, k.ewt_samples) == (0, 0)
    ratios = (k.service_level, k.answer_rate, k.abandon_rate, k.asa_s, k.max_wait_s, k.aht_s)
    assert ratios == (None,) * 6
    assert (k.occupancy, k.callback_completion_rate, k.ewt_mae_s) == (None, None, None)
    assert kpis_by_queue([], START, END) == {}
    assert repeat_contacts([], START, END).rate is None


def test_a_range_with_no_contacts_still_reports_occupancy() -> None:
    # [2200, 2800): a1 available 300 + not ready 300, a2 busy 600 → 600 / 900.
    k = compute_kpis(TIMELINE, 2200, 2800)
    assert (k.offered, k.service_level, k.callbacks_created) == (0, None, 0)
    assert k.occupancy == pytest.approx(600 / 900)


def test_occupancy_is_clipped_to_the_range() -> None:
    events = [
        state(50, "a", "offline", "available"),
        state(100, "a", "available", "busy"),  # busy 100 → 400 straddles the range start 200
        state(400, "a", "busy", "wrap_up"),
        state(450, "a", "wrap_up", "available"),
        state(700, "a", "available", "busy"),  # busy 700 → 1000 straddles the range end 800
        state(1000, "a", "busy", "offline"),
    ]
    # [200, 800): busy 200 (200 → 400) + wrap-up 50 + busy 100 (700 → 800) = 350 of 600 staffed.
    assert compute_kpis(events, 200, 800).occupancy == pytest.approx(350 / 600)
    # A range inside one state: the span before the first event is its `from` state.
    assert compute_kpis(events, 0, 40).occupancy is None  # offline: no staffed time
    assert compute_kpis(events, 120, 130).occupancy == 1.0


def test_occupancy_is_a_center_figure_and_not_repeated_under_a_queue_or_channel() -> None:
    assert compute_kpis(TIMELINE, START, END).occupancy is not None
    assert compute_kpis(TIMELINE, START, END, queue="support").occupancy is None
    assert compute_kpis(TIMELINE, START, END, channel="voice").occupancy is None
    assert all(k.occupancy is None for k in kpis_by_queue(TIMELINE, START, END).values())


def test_queue_filter_counts_a_contact_in_the_queue_of_its_first_answer() -> None:
    sales = compute_kpis(TIMELINE, START, END, queue="sales")
    # c1 c2 c3 c4 c5 c9 c10 queued, c5 short: offered 6; answered c1 c2 c10; abandoned c3 c4.
    assert (sales.offered, sales.answered, sales.abandoned, sales.short_abandoned) == (6, 3, 2, 1)
    assert sales.service_level == 1 / 5  # c1 only within 20 s
    assert sales.callbacks_created == 3
    support = compute_kpis(TIMELINE, START, END, queue="support")
    # c6 (answered in support, ended in tier2) and c7; talk 120 + 100, wrap-up 15 + 0.
    assert (support.offered, support.answered, support.service_level) == (2, 2, 1.0)
    assert support.aht_s == (220 + 15) / 2
    assert compute_kpis(TIMELINE, START, END, queue="tier2").offered == 0


def test_unanswered_contact_is_counted_in_the_queue_it_ended_or_last_waited_in() -> None:
    events = [
        ev(0, "contact.created", "x", channel="voice"),
        ev(0, "contact.queued", "x", queue="a"),
        ev(30, "contact.overflowed", "x", from_queue="a", to_queue="b"),
        ev(30, "contact.queued", "x", queue="b"),
        ev(0, "contact.created", "y", channel="voice"),
        ev(0, "contact.queued", "y", queue="a"),
        ev(30, "contact.queued", "y", queue="b"),
        ev(40, "contact.ended", "y", queue="c", outcome="abandoned", wait_s=40),
    ]
    assert list(kpis_by_queue(events, 0, 100)) == ["b", "c"]
    assert compute_kpis(events, 0, 100, queue="c").abandoned == 1


def test_channel_filter() -> None:
    chat = compute_kpis(TIMELINE, START, END, channel="chat")
    assert (chat.offered, chat.answered, chat.asa_s, chat.callbacks_created) == (1, 1, 8, 0)
    voice = compute_kpis(TIMELINE, START, END, channel="voice")
    assert (voice.offered, voice.answered, voice.abandoned, voice.short_abandoned) == (7, 4, 2, 1)


def test_callbacks_count_as_offered_only_under_the_callback_channel_filter() -> None:
    k = compute_kpis(TIMELINE, START, END, channel="callback")
    # c12 and c13 were queued and answered (waits 10 and 5); c14 is scheduled, never queued.
    assert (k.offered, k.answered, k.abandoned, k.service_level) == (2, 2, 0, 1.0)
    assert k.aht_s == (60 + 30) / 2  # no wrap-up after either callback
    assert (k.callbacks_created, k.callbacks_completed, k.callbacks_reached) == (3, 1, 1)


def test_kpis_by_queue_has_a_row_per_queue_with_contacts() -> None:
    rows = kpis_by_queue(TIMELINE, START, END)
    assert list(rows) == ["sales", "support"]  # c11 never reached a queue: no row
    assert rows["sales"] == compute_kpis(TIMELINE, START, END, queue="sales")
    assert rows["support"] == compute_kpis(TIMELINE, START, END, queue="support")


def test_intervals_bucket_contacts_by_creation_time() -> None:
    buckets = intervals(TIMELINE, START, END, step_s=900)
    assert [t for t, _ in buckets] == [1000, 1900]
    first, second = (k for _, k in buckets)
    assert (first.offered, first.answered, first.callbacks_created) == (8, 5, 0)
    assert (second.offered, second.answered, second.callbacks_created) == (0, 0, 3)
    # occupancy is clipped per bucket; in [1900, 2800): a1 busy 60 + 30 of 600 staffed,
    # a2 busy 900 of 900.
    assert second.occupancy == pytest.approx((90 + 900) / (600 + 900))


def test_last_interval_is_cut_at_the_range_end() -> None:
    buckets = intervals(TIMELINE, START, END, step_s=1000)
    assert [(k.start, k.end) for _, k in buckets] == [(1000, 2000), (2000, 2800)]
    assert buckets[1][1].callbacks_created == 2  # c13, c14
    with pytest.raises(ValueError):
        intervals(TIMELINE, START, END, step_s=0)


def test_wrap_up_named_on_the_state_event_is_charged_to_that_contact() -> None:
    events = [
        ev(0, "contact.created", "x", channel="voice"),
        ev(0, "contact.queued", "x", queue="q"),
        ev(10, "contact.answered", "x", agent="a", queue="q", wait_s=10),
        ev(20, "contact.created", "y", channel="voice"),
        ev(20, "contact.queued", "y", queue="q"),
        ev(25, "contact.answered", "y", agent="a", queue="q", wait_s=5),  # chat-like overlap
        ev(40, "contact.ended", "x", queue="q", outcome="completed"),
        ev(60, "contact.ended", "y", queue="q", outcome="completed"),
        state(40, "a", "busy", "wrap_up", contact="x"),  # names x although y came later
        state(47, "a", "wrap_up", "busy"),
        state(60, "a", "busy", "wrap_up"),  # names nobody: the contact a last touched, y
        state(63, "a", "wrap_up", "available"),
        state(80, "a", "available", "wrap_up"),  # still open at the end of the data: not charged
    ]
    k = compute_kpis(events, 0, 100)
    assert k.acw_s_avg == (7 + 3) / 2
    assert k.talk_s_avg == (30 + 35) / 2


def test_input_order_does_not_matter() -> None:
    shuffled = TIMELINE.copy()
    random.Random(7).shuffle(shuffled)
    assert compute_kpis(shuffled, START, END) == compute_kpis(TIMELINE, START, END)


def test_describe_names_the_formula_and_thresholds() -> None:
    options = KpiOptions(sl_threshold_s=15, short_abandon_s=3, sl_formula=SL_ANSWERED_ONLY)
    text = compute_kpis(TIMELINE, START, END, queue="sales", options=options).describe()
    assert (
        "range 1970-01-01 00:16:40 – 1970-01-01 00:46:40 UTC (end excluded), queue: sales, "
        "channel: all except callback"
    ) in text
    assert f"formula {SL_ANSWERED_ONLY}: answered ≤ T ÷ answered, where T = 15 s" in text
    assert "未接秒挂 < 3 s" in text
    assert "IVR/navigation time" in text  # ASA says whether IVR time is included
    assert set(compute_kpis([], 0, 1).definitions()) >= {"service_level", "aht_s", "occupancy"}


@pytest.mark.parametrize(
    ("window_s", "repeats"),
    [
        (3600, 3),  # c3 (c1 200 s before), c9 (c8 710 s before, before the range), c11 (c2 700)
        (700, 2),  # c3, c11: a previous contact exactly window_s before counts
        (500, 1),  # c3 only
    ],
)
def test_repeat_contacts(window_s: float, repeats: int) -> None:
    r = repeat_contacts(TIMELINE, START, END, window_s=window_s)
    # with a customer, created in range, not callbacks: c1 c2 c3 c4 c5 c6 c7 c9 c11 (c10 has none)
    assert (r.contacts, r.repeats, r.rate) == (9, repeats, repeats / 9)
    assert f"previous {window_s:g} s" in r.describe()


def test_repeat_contacts_filters_and_ignores_callbacks() -> None:
    # c16: a voice call from 138-3, 300 s after callback c12 to 138-3 and 900 s after c4.
    later = [
        *TIMELINE,
        ev(2200, "contact.created", "c16", channel="voice", customer="138-3"),
        ev(2200, "contact.queued", "c16", queue="support"),
    ]
    # The callback is outbound, not the customer coming back: only c4 counts as previous.
    assert repeat_contacts(later, START, END, window_s=800, queue="support").repeats == 0
    assert repeat_contacts(later, START, END, window_s=900, queue="support").repeats == 1
    assert repeat_contacts(later, START, END, channel="chat").contacts == 1  # c7
    assert repeat_contacts(later, START, END, channel="callback").contacts == 0
