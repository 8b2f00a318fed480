"""Render sample scheduled reports of a simulated demo day, to look at them (not a test).

Plays two Tuesdays of the demo center (2026-11-17, the week before, at half the traffic, and
2026-11-24) through the real router on a fake clock: six agents, callers to four queues with
random patience, offers accepted after a ring and completed after a random handle time, router
deadlines (overflow, relax) ticked every second. Work orders and surveys are opened for some
answered calls, and most get a disposition at wrap-up. A planner's forecast for the 24th is
saved (it under-plans the 14:00 peak), and a week of web chats (flight delays, lost luggage,
parking; flight delays spike on the 24th) is analysed by QA for the hot topics. Then the
daily warning (due 2026-11-25 08:00), the weekly bulletin (due 2026-11-30 08:00) and the
monthly exposure (due 2026-12-01 08:00) are produced and written as PDF, HTML and XLSX, and
their pages as PNGs drawn by `render_pngs` (the PDF's own figures; no PDF rasteriser such as
poppler is needed).

    python scripts/sample_reports.py OUT_DIR      # SQLite in OUT_DIR/sample.db
"""

from __future__ import annotations

import contextlib
import heapq
import random
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.config import dump_config, load_demo_config
from hotline.domain.records import EventRecord
from hotline.notify import LogNotifier
from hotline.routing import events as ev
from hotline.routing.errors import RoutingError
from hotline.runtime import CenterService
from hotline.services.qa import QaService
from hotline.services.reports import Reports
from hotline.services.reports_jobs import ScheduledReports
from hotline.services.reports_render import render_pngs
from hotline.services.reports_schedule import Schedule
from hotline.services.tickets import Actor, NewOrder, TicketService
from hotline.store import Store, make_engine, migrate
from hotline.store.forecasts import Forecasts
from hotline.store.kb import ChatMessageRec, ChatSessionRec, ChatStore
from hotline.tickets import Action
from hotline.tickets.records import SurveyRecord

TZ = ZoneInfo("Asia/Shanghai")
ERRORS: Counter[str] = Counter()  # what the router refused (printed: a bug shows here)
AGENTS = ("a01", "a02", "a03", "a04", "a05", "a06")
TEAMS = {"a01": "north", "a02": "north", "a03": "north", "a04": "south", "a05": "south"}
DISPOSITIONS = ("consult", "help_request", "complaint", "lost_item", "suggestion", "other")
#: what chat customers write about, per day: a flight-delay spike on the 24th
CHAT_TOPICS = (
    (["航班延误了什么时候起飞", "我的航班延误还要等多久"], {"2026-11-24": 40}, 4),
    (["行李丢了怎么找", "托运行李没有到"], {}, 5),
    (["停车场怎么收费", "停车场收费标准是多少"], {}, 3),
)
QUEUES = (("general", 0.6), ("complaints", 0.15), ("english", 0.1), ("special_assistance", 0.15))


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def play_day(service: CenterService, clock: list[float], day: str, scale: float,
             rng: random.Random, tickets: TicketService) -> None:  # fmt: skip
    """One day 08:00-20:00: arrivals, patience, ring, handle time; the router ticks each second."""
    start, end = at(f"{day}T08:00"), at(f"{day}T20:00")
    clock[0] = start - 60
    for a in AGENTS:
        service.apply(ev.AgentLogin(a))
    todo: list[tuple[float, int, str, str]] = []  # (at, seq, action, contact or agent)
    seq, n, t = 0, 0, start
    while t < end:  # busier at 10-11 and 14-15
        hour = datetime.fromtimestamp(t, TZ).hour
        rate = scale * (2.2 if hour in (10, 14) else 1.2) / 60  # calls a second
        t += rng.expovariate(rate)
        n += 1
        heapq.heappush(todo, (t, seq := seq + 1, "arrive", f"{day}-c{n}"))
    ringing: set[str] = set()
    seq = answer_phones(service, clock[0], ringing, todo, seq, rng)
    while todo:
        when, _, what, who = heapq.heappop(todo)
        # the router's own deadlines (wrap-up ends, overflow, relax) first, at their time
        while (due := service.next_deadline()) is not None and due <= when:
            clock[0] = max(clock[0], due)
            if service.tick():  # a wrap-up ended, a contact overflowed: maybe a new offer
                seq = answer_phones(service, clock[0], ringing, todo, seq, rng)
        clock[0] = max(clock[0], when)
        try:
            if what == "arrive":
                queue = rng.choices([q for q, _ in QUEUES], [w for _, w in QUEUES])[0]
                service.apply(
                    ev.ContactArrived(who, queue, customer=f"138{rng.randrange(10**8):08d}")
                )
                heapq.heappush(todo, (when + rng.uniform(15, 150), seq := seq + 1, "leave", who))
            elif what == "leave":
                snap = service.read(lambda r, c=who: r.contact(c))
                if snap is not None and snap.status.value in ("queued", "offered"):
                    service.apply(ev.CustomerLeft(who))
            elif what == "accept":
                ringing.discard(who)
                offer = service.read(lambda r, a=who: r.offer_of(a))
                if offer is not None:
                    service.apply(ev.OfferAccepted(who, offer))
                    talk = rng.lognormvariate(5.0, 0.5)
                    heapq.heappush(todo, (clock[0] + talk, seq := seq + 1, "done:" + offer, who))
            elif what.startswith("done:"):
                cid = what[5:]
                service.apply(ev.ContactCompleted(who, cid, wrap_up_s=rng.uniform(5, 30)))
                if rng.random() < 0.7:  # the desk's wrap-up codes
                    code = rng.choices(DISPOSITIONS, [6, 2, 1, 2, 1, 1])[0]
                    wrap = {"disposition": code}
                    service.annotate(EventRecord(clock[0], "contact.note", contact_id=cid,
                                                 agent_id=who, data=wrap))  # fmt: skip
                if rng.random() < 0.15:
                    _order(tickets, who, cid, rng)
                if rng.random() < 0.5:
                    repo = tickets.repo
                    repo.request_survey(SurveyRecord(0, cid, clock[0], agent_id=who))
                    if rng.random() < 0.4:
                        rating = rng.choices(["satisfied", "neutral", "unsatisfied"], [7, 2, 1])[0]
                        repo.answer_survey(cid, clock[0] + 60, None, rating, None)
        except RoutingError as exc:  # e.g. the caller left just as the offer was accepted
            ERRORS[type(exc).__name__ + ": " + str(exc).split("'")[0]] += 1
        seq = answer_phones(service, clock[0], ringing, todo, seq, rng)
    clock[0] = end + 3600
    for a in AGENTS:
        with contextlib.suppress(RoutingError):
            service.apply(ev.AgentLogout(a))


def answer_phones(
    service: CenterService,
    now: float,
    ringing: set[str],
    todo: list[tuple[float, int, str, str]],
    seq: int,
    rng: random.Random,
) -> int:
    """Each agent with a new offer picks up after a 2-8 s ring; one left not ready (a ring
    nobody answered) gets ready again, as a person at the desk would."""  # fmt: skip
    for a in AGENTS:
        snap = service.read(lambda r, a=a: r.agent(a))
        if snap is not None and snap.state.value == "not_ready":
            service.apply(ev.AgentReady(a))
        if a not in ringing and service.read(lambda r, a=a: r.offer_of(a)) is not None:
            ringing.add(a)
            heapq.heappush(todo, (now + rng.uniform(2, 8), seq := seq + 1, "accept", a))
    return seq


def _order(tickets: TicketService, agent: str, cid: str, rng: random.Random) -> None:
    me = Actor(agent, "agent", agent)
    category = rng.choice(["help_request", "consultation", "complaint"])
    order = tickets.create(me, NewOrder(category, f"from {cid}", contact_id=cid))
    if rng.random() < 0.5:
        tickets.act(me, order.id, Action.RESOLVE, resolution="answered")
        if rng.random() < 0.3:
            tickets.customer_answer(Actor("sms", "channel"), order.id, solved=rng.random() < 0.6)


def plan_forecast(store: Store) -> None:
    """The planner's hourly forecast of the 24th: the morning peak right, the 14:00 one low."""
    points = []
    for hour in range(24):
        rate = 0.0 if not 8 <= hour < 20 else 2.2 if hour == 10 else 1.6 if hour == 14 else 1.2
        points.append((at(f"2026-11-24T{hour:02d}:00"), rate * 60))
    Forecasts(store.engine).save(None, 3600, points, made_at=at("2026-11-20T17:00"),
                                 made_by="planner", source="sample")  # fmt: skip


def web_chats(store: Store, rng: random.Random) -> int:
    """A week of ended web chats about the `CHAT_TOPICS`, analysed by QA (the hot topics)."""
    chats, n = ChatStore(store.engine), 0
    for day in range(17, 25):
        date = f"2026-11-{day}"
        for lines, busy, usual in CHAT_TOPICS:
            for _ in range(busy.get(date, usual)):
                n += 1
                t0 = at(f"{date}T09:00") + rng.uniform(0, 10 * 3600)
                chats.create_session(ChatSessionRec(
                    id=f"s{n}", token_hash="0" * 64, channel="web", customer="web",
                    language="zh", queue="general", status="ended", contact_id=f"chat{n}",
                    agent_id="a02", bot_outcome=None, created_at=t0, updated_at=t0,
                    ended_at=t0 + 120))  # fmt: skip
                for dt, sender, body in ((0, "customer", rng.choice(lines)),
                                         (20, "agent", "您好，我帮您查询一下。")):  # fmt: skip
                    agent = "a02" if sender == "agent" else None
                    chats.add_message(ChatMessageRec(0, f"s{n}", t0 + dt, sender, "text", body,
                                                     agent))  # fmt: skip
    return QaService(store, asr=False, clock=lambda: at("2026-11-25T01:00")).drain()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "sample.db").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{out / 'sample.db'}")
    migrate(engine)
    store = Store(engine)
    data = dump_config(load_demo_config())
    for agent in data["agents"]:
        agent["team"] = TEAMS.get(agent["id"])
    data["alerts"] = [{"id": "abandons", "kind": "abandon_rate_above", "threshold": 0.1}]
    store.save_config(data, "sample")
    clock = [at("2026-11-17T07:00")]
    service = CenterService(store, clock=lambda: clock[0])
    tickets = TicketService(store, clock=lambda: clock[0])
    rng = random.Random(20261124)
    play_day(service, clock, "2026-11-17", 0.5, rng, tickets)
    play_day(service, clock, "2026-11-24", 1.0, rng, tickets)
    plan_forecast(store)
    print("chats analysed by QA:", web_chats(store, rng))
    schedules = (Schedule("daily"), Schedule("weekly"), Schedule("monthly"))
    jobs = ScheduledReports(
        store, Reports.for_store(store), LogNotifier(),
        lambda: service.read(lambda r: r.config), since=at("2026-11-24T09:00"),
        schedules=schedules,
    )  # fmt: skip
    for schedule, due in zip(schedules, ("2026-11-25T08:00", "2026-11-30T08:00",
                                         "2026-12-01T08:00"), strict=True):  # fmt: skip
        jobs.run_due(at(due))
        doc = next(d for d in jobs.documents.history() if d.schedule == schedule.name)
        (out / f"{schedule.kind}.pdf").write_bytes(doc.pdf)
        (out / f"{schedule.kind}.html").write_text(doc.html, "utf-8")
        (out / f"{schedule.kind}.xlsx").write_bytes(doc.xlsx or b"")
        content = jobs.content(schedule.kind, doc.period_start, doc.period_end, at(due))
        for n, png in enumerate(render_pngs(content), 1):
            (out / f"{schedule.kind}-{n}.png").write_bytes(png)
        print(out / f"{schedule.kind}.pdf")
    print("router refused:", dict(ERRORS))
    service.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "sample-reports"))
