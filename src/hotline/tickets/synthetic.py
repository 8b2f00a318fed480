"""A realistic synthetic contact history for testing and demonstrating intent prediction.

Seeded and pure (`random.Random(seed)`), so a test can assert on the accuracy it measures.
The generating process follows what the seed centers describe, with noise everywhere:

* customers live in districts; some are VIP, elderly or disabled, some speak English;
* power/service outages hit a district for a few hours; its customers call to report faults;
* a request that needs work becomes an order that takes category-typical time to resolve;
  while it is open the customer often calls again about it (a follow-up);
* a customer whose last survey was unhappy is more likely to complain;
* the IVR choice (queue) agrees with the real intent only part of the time, complaints,
  suggestions and praise share one queue (投诉建议), English speakers pick English service.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hotline.tickets.intent import DAY, HContact, History, HOrder, HRating

BASE = {  # share of first-time intents
    "consultation": 0.46,
    "complaint": 0.12,
    "lost_item": 0.09,
    "fault_report": 0.07,
    "help_request": 0.10,
    "suggestion": 0.09,
    "praise": 0.07,
}
QUEUE = {
    "consultation": "general",
    "follow_up": "general",
    "complaint": "complaints",
    "suggestion": "complaints",
    "praise": "complaints",
    "lost_item": "lost_found",
    "fault_report": "faults",
    "help_request": "special_assistance",
}
QUEUES = sorted(set(QUEUE.values()))
RESOLVE_DAYS = {  # (min, max) days to resolve
    "consultation": (0.05, 0.5),
    "complaint": (1, 6),
    "lost_item": (0.5, 4),
    "fault_report": (0.1, 0.9),
    "help_request": (0.02, 0.2),
    "suggestion": (2, 10),
    "praise": (1, 5),
}


@dataclass(frozen=True, slots=True)
class SynthCustomer:
    id: str
    phone: str
    area: str
    tags: frozenset[str]
    language: str | None


@dataclass(frozen=True, slots=True)
class Synthetic:
    customers: tuple[SynthCustomer, ...]
    history: History
    start: float


def generate(
    contacts: int = 4000, days: int = 90, seed: int = 7, start: float = 1.77e9
) -> Synthetic:
    """About `contacts` labelled contacts over `days`, from about contacts / 5 customers."""
    rng = random.Random(seed)
    customers = [_customer(rng, i) for i in range(max(10, contacts // 5))]
    by_area: dict[str, list[SynthCustomer]] = {}
    for c in customers:
        by_area.setdefault(c.area, []).append(c)
    weights = [1.0 / (1 + i % 50) for i in range(len(customers))]  # some call often
    arrivals = sorted(start + rng.random() * days * DAY for _ in range(contacts))
    # outages: about one every three days, 2-8 h, in one district
    outages = []
    for d in range(days):
        if rng.random() < 0.35:
            t0 = start + (d + rng.random()) * DAY
            outages.append((t0, t0 + rng.uniform(2, 8) * 3600, rng.choice(sorted(by_area))))
    out_contacts: list[HContact] = []
    orders: list[HOrder] = []
    ratings: list[HRating] = []
    open_orders: dict[str, list[HOrder]] = {}
    last_rating: dict[str, tuple[float, str]] = {}
    for n, at in enumerate(arrivals):
        in_outage = [o for o in outages if o[0] <= at < o[1]]
        if in_outage and rng.random() < 0.3:  # outage calls crowd the line
            cust = rng.choice(by_area[rng.choice(in_outage)[2]])
        else:
            cust = rng.choices(customers, weights)[0]
        live = [
            o for o in open_orders.get(cust.phone, []) if o.closed_at is None or o.closed_at > at
        ]
        open_orders[cust.phone] = live
        intent = _intent(rng, cust, at, live, in_outage, last_rating.get(cust.phone))
        hour = int(((at + 8 * 3600) % DAY) // 3600)
        weekday = int(((at + 8 * 3600) // DAY + 3) % 7)  # 1970-01-01 was a Thursday
        out_contacts.append(
            HContact(
                id=f"s{n:06d}",
                at=at,
                customer=cust.phone,
                channel="chat"
                if rng.random() < (0.4 if intent == "consultation" else 0.15)
                else "voice",
                queue=_queue(rng, intent, cust),
                language=cust.language,
                hour=hour,
                weekday=weekday,
                label=intent,
            )
        )
        if intent != "follow_up" and (intent != "consultation" or rng.random() < 0.1):
            lo, hi = RESOLVE_DAYS[intent]
            created = at + 60
            resolved = created + rng.uniform(lo, hi) * DAY
            order = HOrder(
                id=f"o{n:06d}",
                customer=cust.phone,
                category=intent,
                created_at=created,
                resolved_at=resolved,
                closed_at=resolved + rng.uniform(0.2, 3) * DAY,
                area=cust.area,
            )
            orders.append(order)
            open_orders[cust.phone].append(order)
        if rng.random() < 0.45:  # survey answered
            unhappy = 0.35 if intent in ("follow_up", "complaint") else 0.08
            u = rng.random()
            rating = (
                "unsatisfied" if u < unhappy else "neutral" if u < unhappy + 0.2 else "satisfied"
            )
            ratings.append(HRating(cust.phone, at + 120, rating))
            last_rating[cust.phone] = (at + 120, rating)
    history = History(
        contacts=tuple(out_contacts),
        orders=tuple(orders),
        ratings=tuple(ratings),
        tags={c.phone: c.tags for c in customers if c.tags},
        areas={c.phone: c.area for c in customers},
    )
    return Synthetic(tuple(customers), history, start)


def _customer(rng: random.Random, i: int) -> SynthCustomer:
    tags = set()
    if rng.random() < 0.05:
        tags.add("vip")
    if rng.random() < 0.10:
        tags.add("elderly")
    if rng.random() < 0.03:
        tags.add("disabled")
    return SynthCustomer(
        id=f"cust{i:05d}",
        phone=f"13{rng.randrange(10**9):09d}",
        area=f"district-{rng.randrange(12):02d}",
        tags=frozenset(tags),
        language="en" if rng.random() < 0.08 else None,
    )


def _intent(rng, cust, at, live, in_outage, rating) -> str:
    unresolved = [o for o in live if o.resolved_at is None or o.resolved_at > at]
    if unresolved and rng.random() < 0.7:
        return "follow_up"
    if live and rng.random() < 0.25:  # resolved, awaiting confirmation: "is it really fixed?"
        return "follow_up"
    if any(o[2] == cust.area for o in in_outage) and rng.random() < 0.75:
        return "fault_report"
    weights = dict(BASE)
    if rating is not None and rating[1] == "unsatisfied" and at - rating[0] < 14 * DAY:
        weights["complaint"] *= 4
    if cust.tags & {"elderly", "disabled"}:
        weights["help_request"] *= 4
    if "vip" in cust.tags:
        weights["complaint"] *= 1.5
    if cust.language == "en":
        weights["lost_item"] *= 2
        weights["consultation"] *= 1.5
    hour = ((at + 8 * 3600) % DAY) / 3600
    if hour >= 19 or hour < 1:
        weights["lost_item"] *= 2  # after the last flights / trains
    names = list(weights)
    return rng.choices(names, [weights[k] for k in names])[0]


def _queue(rng: random.Random, intent: str, cust: SynthCustomer) -> str:
    if cust.language == "en" and rng.random() < 0.7:
        return "english"
    u = rng.random()
    if u < 0.65:
        return QUEUE[intent]
    if u < 0.9:
        return "general"
    return rng.choice(QUEUES)
