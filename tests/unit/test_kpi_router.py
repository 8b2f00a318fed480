"""`hotline.kpi` on timelines emitted by the real router, so the two agree on the event contract.

The hand-made timeline of `test_kpi.py` specifies the arithmetic; here we check the facts the
router actually writes: agent ids on contact events, wait measured from the place in line
(kept by callbacks), wrap-up on release, callback retries, concurrent chats.
"""

from __future__ import annotations

from hotline.domain import AgentConfig, CenterConfig, Channel, QueueConfig
from hotline.domain.records import EventRecord
from hotline.kpi import compute_kpis, kpis_by_queue
from hotline.routing import Router
from hotline.routing import events as ev


class Run:
    """A router plus every record it emitted, in emission order (what the store would hold)."""

    def __init__(self, *queues: str, wrap_up_s: float = 10) -> None:
        config = CenterConfig(
            name="t",
            queues=tuple(QueueConfig(id=q, name=q, wrap_up_s=wrap_up_s) for q in queues),
            agents=(AgentConfig(id="a1", name="a1"),),
        )
        self.router = Router(config)
        self.log: list[EventRecord] = []

    def __call__(self, at: float, event: ev.Event) -> None:
        self.log += self.router.handle(event, at)

    def tick(self, at: float) -> None:
        self.log += self.router.tick(at)


def test_voice_abandons_and_a_callback() -> None:
    run = Run("general")
    run(0, ev.AgentLogin("a1"))  # a1 available from 0
    run(100, ev.ContactArrived("c1", "general", customer="138"))  # a1 reserved at once
    run(108, ev.OfferAccepted("a1", "c1"))  # answered, wait 8
    run(110, ev.ContactArrived("c2", "general"))  # no customer: no callback for it
    run(113, ev.CustomerLeft("c2"))  # waited 3 s: short abandon
    run(120, ev.ContactArrived("c3", "general", customer="137"))
    run(150, ev.CustomerLeft("c3"))  # waited 30 s: abandoned → callback c3-cb queued at 150
    run(208, ev.ContactCompleted("a1", "c1"))  # talk 100, then 10 s wrap-up (queue default)
    run.tick(218)  # wrap-up over: c3-cb offered to a1
    run(220, ev.OfferAccepted("a1", "c3-cb"))
    run(250, ev.ContactCompleted("a1", "c3-cb", reached=True, wrap_up_s=0))

    k = compute_kpis(run.log, 0, 1000)
    assert (k.offered, k.answered, k.abandoned, k.short_abandoned) == (2, 1, 1, 1)
    assert (k.service_level, k.asa_s, k.max_wait_s) == (1 / 2, 8, 30)
    assert (k.handled, k.talk_s_avg, k.acw_s_avg, k.aht_s) == (1, 100, 10, 110)
    # a1 in [0, 1000): reserved 8 + busy 100 + wrap-up 10 + reserved 2 + busy 30 = 150
    assert k.occupancy == 150 / 1000
    assert (k.callbacks_created, k.callbacks_completed, k.callbacks_reached) == (1, 1, 1)
    first_ewt = next(e.data["ewt_s"] for e in run.log if e.kind == "contact.queued")
    assert (k.ewt_samples, k.ewt_mae_s) == (1, abs(first_ewt - 8))

    # The callback keeps the caller's place in line: its wait runs from c3's queueing at 120.
    cb = compute_kpis(run.log, 0, 1000, channel="callback")
    assert (cb.offered, cb.answered, cb.asa_s, cb.aht_s) == (1, 1, 220 - 120, 30)


def test_a_failed_dial_out_does_not_count_the_retry_delay_as_talk() -> None:
    run = Run("general", wrap_up_s=0)
    run(0, ev.AgentLogin("a1"))
    run(10, ev.ContactArrived("c1", "general", customer="138"))
    run(12, ev.CustomerLeft("c1"))  # callback c1-cb, offered to a1 at once
    run(15, ev.OfferAccepted("a1", "c1-cb"))
    run(35, ev.ContactCompleted("a1", "c1-cb", reached=False))  # 20 s, retry in 300 s
    run.tick(335)
    run(340, ev.OfferAccepted("a1", "c1-cb"))
    run(400, ev.ContactCompleted("a1", "c1-cb", reached=True))  # 60 s

    k = compute_kpis(run.log, 0, 1000, channel="callback")
    assert (k.handled, k.talk_s_avg) == (1, 20 + 60)
    assert (k.callbacks_created, k.callbacks_completed, k.callbacks_reached) == (1, 1, 1)


def test_wrap_up_after_concurrent_chats_goes_to_the_chat_finished_last() -> None:
    run = Run("q1", "q2")
    run(0, ev.AgentLogin("a1"))
    run(0, ev.ContactArrived("x", "q1", channel=Channel.CHAT))
    run(1, ev.OfferAccepted("a1", "x"))
    run(2, ev.ContactArrived("y", "q2", channel=Channel.CHAT))
    run(3, ev.OfferAccepted("a1", "y"))  # y answered after x
    run(50, ev.ContactCompleted("a1", "y"))  # x still open: no wrap-up yet
    run(60, ev.ContactCompleted("a1", "x"))  # last chat closed: 10 s wrap-up, for x
    run.tick(70)  # wrap-up over (an unfinished wrap-up is not charged to anyone)

    rows = kpis_by_queue(run.log, 0, 100)
    assert (rows["q1"].talk_s_avg, rows["q1"].acw_s_avg) == (59, 10)
    assert (rows["q2"].talk_s_avg, rows["q2"].acw_s_avg) == (47, 0)
