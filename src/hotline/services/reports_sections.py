"""The text sections of a scheduled report, shared by its HTML and its PDF.

Each section is a heading and plain lines of figures, so the PDF's text (which tests
extract) and the HTML say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable

from hotline.kpi.compute import Kpis
from hotline.services.reports_content import Exposure, ReportContent
from hotline.services.reports_forecast import error

Section = tuple[str, list[str]]
MAX_ROWS = 40  # a ranking longer than this is cut, saying how many were left out
MAX_REASONS = 10


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} s"


def kpi_line(name: str, k: Kpis) -> str:
    return (
        f"{name}: offered {k.offered}, answered {k.answered}, abandoned {k.abandoned}, "
        f"SL {pct(k.service_level)}, ASA {secs(k.asa_s)}, AHT {secs(k.aht_s)}"
    )


def _breaches(c: ReportContent) -> Section:
    if not c.breaches:
        return "Targets broken", ["None: every queue met its SL target and abandon thresholds."]
    lines = [
        f"{b.queue}: {b.measure} {pct(b.value)} "
        f"{'below target' if b.measure == 'SL' else 'above threshold'} {pct(b.target)} "
        f"(offered {b.offered}, {b.detail})"
        for b in c.breaches
    ]
    return "Targets broken", lines


#: weekly comparison rows: label, value of a Kpis, how to print it, change in points?
_Row = tuple[str, Callable[[Kpis], float | None], Callable[[float | None], str], bool]
COMPARED: tuple[_Row, ...] = (
    ("offered", lambda k: k.offered, lambda v: f"{v:.0f}", False),
    ("answered", lambda k: k.answered, lambda v: f"{v:.0f}", False),
    ("abandoned", lambda k: k.abandoned, lambda v: f"{v:.0f}", False),
    ("SL", lambda k: k.service_level, pct, True),
    ("abandon rate", lambda k: k.abandon_rate, pct, True),
    ("ASA", lambda k: k.asa_s, secs, False),
    ("AHT", lambda k: k.aht_s, secs, False),
    ("occupancy", lambda k: k.occupancy, pct, True),
    ("callbacks completed", lambda k: k.callbacks_completed, lambda v: f"{v:.0f}", False),
)  # fmt: skip


def _change(now: float | None, before: float | None, points: bool) -> str:
    if now is None or before is None:
        return "-"
    if points:
        return f"{(now - before) * 100:+.1f} pt"
    return f"{now - before:+.0f}"


def _compared(c: ReportContent) -> Section:
    assert c.previous is not None
    lines = []
    for label, get, fmt, points in COMPARED:
        now, before = get(c.whole.total), get(c.previous.total)
        lines.append(
            f"{label}: {fmt(now)} (previous {fmt(before)}, change {_change(now, before, points)})"
        )
    return "Compared with the previous week", lines


def _ranking(title: str, rows: list[Exposure]) -> Section:
    lines = [
        f"{i}. {e.name}: overdue {e.overdue}, complaints {e.complaints}, orders {e.orders}"
        for i, e in enumerate(rows[:MAX_ROWS], 1)
    ]
    if len(rows) > MAX_ROWS:
        lines.append(f"... {len(rows) - MAX_ROWS} more")
    return title, lines or ["No work orders in the period."]


def headline(c: ReportContent) -> list[Section]:
    """What the kind of report is read for: breaches, the comparison, the ranking."""
    if c.kind == "daily":
        return [_breaches(c)]
    if c.kind == "weekly":
        return [_compared(c)]
    out = [_ranking("Exposure: queues by overdue work orders and complaints", c.exposure_queues)]
    if c.exposure_teams:
        out.append(_ranking("Exposure: teams by overdue work orders and complaints",
                            c.exposure_teams))  # fmt: skip
    return out


def service(c: ReportContent) -> list[Section]:
    """Work orders, satisfaction and callbacks of the period."""
    o, s, k = c.orders, c.orders.satisfaction, c.whole.total
    orders = [
        f"opened {o.opened}, resolved {o.resolved} ({pct(o.resolution_rate)}), "
        f"resolved on time {o.resolved_on_time} ({pct(o.on_time_rate)})",
        f"overdue {o.overdue}, reopened {o.reopened}, cancelled {o.cancelled}",
    ]
    score = "-" if s.mean_score is None else f"{s.mean_score:.2f}"
    survey = [
        f"replies {s.replies} of {s.requested} surveys ({pct(s.response_rate)}), "
        f"satisfied {pct(s.satisfied_rate)}, unsatisfied {pct(s.unsatisfied_rate)}, "
        f"mean score {score}"
    ]
    callbacks = [
        f"created {k.callbacks_created}, completed {k.callbacks_completed} "
        f"({pct(k.callback_completion_rate)}), reached {k.callbacks_reached}"
    ]
    return [("Work orders", orders), ("Satisfaction", survey), ("Callbacks", callbacks)]


def people(c: ReportContent) -> list[Section]:
    """The queues' KPIs and the agents' handle time and occupancy."""
    queues = [kpi_line(q, k) for q, k in c.whole.queues.items()] or ["No contacts."]
    agents = [
        f"{a}: handled {k.handled}, AHT {secs(k.aht_s)}, occupancy {pct(k.occupancy)}"
        for a, k in c.agents[:MAX_ROWS]
    ] or ["No agent handled a contact."]
    # the per-queue SL here is at the report's threshold; the daily warning judges each queue
    # at its own (so a queue's two figures may differ): say which one this is
    within = f"Queues (SL within {c.whole.total.options.sl_threshold_s:g} s)"
    return [(within, queues), ("Agents", agents)]


NO_FORECAST = (
    "No forecast stored for this period: save one with `hotline forecast --save` or "
    "POST /api/forecasts to compare volume with it."
)


def _signed(v: float | None) -> str:
    return "-" if v is None else f"{v:+.1%}"


def forecast_lines(c: ReportContent) -> list[str]:
    """Arrived contacts against the saved forecast, or that there is none."""
    f = c.forecast
    if f is None:
        return [NO_FORECAST]
    unit = "hours" if c.kind == "daily" else "days"
    planned, arrived = f.totals
    lines = [
        f"{f.scope}: arrived {arrived} against forecast {planned:.0f} "
        f"({_signed(error(planned, arrived))}) over the {f.covered} of {len(f.forecast)} "
        f"{unit} the forecast covers",
        f"forecast {f.made}",
    ]
    if f.scope == "center":
        lines += [
            f"{q.queue}: arrived {q.arrived} against forecast {q.forecast:.0f} "
            f"({_signed(error(q.forecast, q.arrived))})"
            for q in f.queues
        ]
    return lines


def _previous(n: int, before: int, weekly: bool) -> str:
    return f" (previous week {before}, change {n - before:+d})" if weekly else ""


def demand(c: ReportContent) -> list[Section]:
    """Volume vs forecast, the top contact reasons and the hot topics (weekly: with last week)."""
    d, weekly = c.demand, c.kind == "weekly"
    r = d.reasons
    reasons = [
        f"{i}. {name}: {n} ({pct(n / r.contacts)})"
        + _previous(n, d.previous.reasons.get(name, 0), weekly)
        for i, (name, n) in enumerate(r.ranked()[:MAX_REASONS], 1)
    ]
    rest = f"no reason recorded: {r.unrecorded} of {r.contacts} contacts"
    reasons = [*reasons, rest] if r.contacts else ["No contacts in the period."]
    topics = [
        f"{t.label}: {t.contacts}"
        + _previous(t.contacts, t.previous, weekly)
        + (f", SPIKE {t.spike}" if t.spike else "")
        for t in d.topics
    ] or [
        f"Hot topics left out: {d.failed}"
        if d.failed
        else f"No hot topics: {d.analysed} contacts analysed by QA in the period."
    ]
    return [
        ("Volume vs forecast", forecast_lines(c)),
        ("Top contact reasons (work-order category, else disposition)", reasons),
        ("Hot topics (what customers said, QA clustering)", topics),
    ]
