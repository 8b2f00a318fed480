"""KPIs from stored, additive partial sums instead of a refold of the whole timeline.

A report over a year cannot refold 70 million contacts on every request. Instead each contact
is folded once into a `FactRow` (its fate, wait, talk and wrap-up), and the facts are summed per
queue × channel × 15-minute bucket into `Sums`. Every `Kpis` figure is a ratio of such sums (or
a max), so a range is the sum of its buckets and `kpis_from_sums` turns it back into exactly
what `compute_kpis` computes from the events. The counts that depend on the thresholds (short
abandons, answered/abandoned within T) are kept per threshold pair, a "profile".

Pure maths: the store decides where facts and sums live; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from hotline.domain.enums import Channel, Outcome
from hotline.kpi.compute import CALLBACK_FINAL_OUTCOMES, Kpis
from hotline.kpi.contacts import ContactFacts
from hotline.kpi.options import KpiOptions, service_level

#: the finest grain stored: 15 minutes, the interval of WFM forecasts and intraday reports
BUCKET_S = 900
CALLBACK = Channel.CALLBACK.value


def bucket_of(t: float) -> int:
    """Index of the 15-minute bucket [i·900, (i+1)·900) holding epoch second `t`."""
    return int(t // BUCKET_S)


def profile_key(options: KpiOptions) -> str:
    """The thresholds that change the stored counts (the SL formula does not): `20:5`."""
    return f"{options.sl_threshold_s:.15g}:{options.short_abandon_s:.15g}"


@dataclass(frozen=True, slots=True)
class FactRow:
    """One contact as the aggregates keep it; `queue`/`channel` None are stored as ''.

    `agent_id` is the agent of the first answer (the agent filter counts a contact for the
    agent who took it); `acw_s` the wrap-up charged to it; `ewt_err_s` is
    |estimate at first queueing − wait| when both are known.
    """

    contact_id: str
    created_at: float
    queue: str | None
    channel: str | None
    agent_id: str | None
    queued: bool
    answered: bool
    gave_up: bool
    handled: bool
    wait_s: float | None
    talk_s: float | None
    acw_s: float
    ewt_err_s: float | None
    outcome: str | None


def fact_row(facts: ContactFacts, acw_s: float = 0.0, agent_id: str | None = None) -> FactRow:
    """The stored row of one folded contact."""
    ewt_err = None
    if facts.first_ewt_s is not None and facts.wait_s is not None:
        ewt_err = abs(float(facts.first_ewt_s) - facts.wait_s)
    return FactRow(
        contact_id=facts.contact_id,
        created_at=facts.created_at,
        queue=facts.queue,
        channel=facts.channel,
        agent_id=agent_id,
        queued=facts.queued,
        answered=facts.answered,
        gave_up=facts.gave_up,
        handled=facts.handled,
        wait_s=facts.wait_s,
        talk_s=facts.talk_s,
        acw_s=acw_s,
        ewt_err_s=ewt_err,
        outcome=facts.outcome,
    )


@dataclass(frozen=True, slots=True)
class Sums:
    """Additive partial sums of a set of contacts under one profile (see `sums_of`).

    Served figures (`queued` … `ewt_n`) count queued contacts only; `cb_*` count callback
    contacts whether queued or not. `contacts` counts every contact (a queue with any contact
    in the range gets a row in per-queue tables, as `kpis_by_queue` does).
    """

    contacts: int = 0
    queued: int = 0
    answered: int = 0
    short: int = 0
    abandoned: int = 0
    answered_in: int = 0
    abandoned_in: int = 0
    wait_sum: float = 0.0
    wait_n: int = 0
    max_wait: float | None = None
    handled: int = 0
    talk_sum: float = 0.0
    acw_sum: float = 0.0
    ewt_sum: float = 0.0
    ewt_n: int = 0
    cb_created: int = 0
    cb_completed: int = 0
    cb_reached: int = 0

    def __add__(self, other: Sums) -> Sums:
        values = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "max_wait":
                values[f.name] = b if a is None else a if b is None else max(a, b)
            else:
                values[f.name] = a + b
        return Sums(**values)

    def served_only(self) -> Sums:
        """These sums without the callback figures (a non-callback channel)."""
        return _replace(self, cb_created=0, cb_completed=0, cb_reached=0)

    def callbacks_only(self) -> Sums:
        """Only the callback figures (callback contacts under `channel=None`)."""
        return Sums(
            contacts=self.contacts,
            cb_created=self.cb_created,
            cb_completed=self.cb_completed,
            cb_reached=self.cb_reached,
        )


def _replace(s: Sums, **changes: int) -> Sums:
    values = {f.name: getattr(s, f.name) for f in fields(s)}
    return Sums(**{**values, **changes})


def total(parts: Iterable[Sums]) -> Sums:
    out = Sums()
    for part in parts:
        out = out + part
    return out


def sums_of(rows: Iterable[FactRow], options: KpiOptions) -> Sums:
    """The sums of `rows` (one channel's contacts, or mixed: scope with `scoped`)."""
    t, short_s = options.sl_threshold_s, options.short_abandon_s
    acc: dict[str, float] = dict.fromkeys((f.name for f in fields(Sums)), 0)
    max_wait: float | None = None
    for r in rows:
        acc["contacts"] += 1
        if r.channel == CALLBACK:
            acc["cb_created"] += 1
            acc["cb_completed"] += r.outcome in CALLBACK_FINAL_OUTCOMES
            acc["cb_reached"] += r.outcome == Outcome.COMPLETED.value
        if not r.queued:
            continue
        acc["queued"] += 1
        w = r.wait_s
        if r.answered:
            acc["answered"] += 1
            if w is not None:
                acc["wait_sum"] += w
                acc["wait_n"] += 1
                acc["answered_in"] += w <= t
                max_wait = w if max_wait is None else max(max_wait, w)
            if r.ewt_err_s is not None:
                acc["ewt_sum"] += r.ewt_err_s
                acc["ewt_n"] += 1
            if r.handled:
                acc["handled"] += 1
                acc["talk_sum"] += r.talk_s or 0.0
                acc["acw_sum"] += r.acw_s
        elif r.gave_up:
            if w is not None and w < short_s:
                acc["short"] += 1
                continue
            acc["abandoned"] += 1
            if w is not None:
                acc["abandoned_in"] += w <= t
                max_wait = w if max_wait is None else max(max_wait, w)
    acc.pop("max_wait")
    typed = {k: float(v) if k in _FLOAT_SUMS else int(v) for k, v in acc.items()}
    return Sums(**typed, max_wait=max_wait)


_FLOAT_SUMS = frozenset({"wait_sum", "talk_sum", "acw_sum", "ewt_sum"})


def scoped(by_channel: Iterable[tuple[str | None, Sums]], channel: str | None) -> Sums:
    """One scope's sums from per-channel sums, with `compute_kpis`' channel rule.

    `channel=None`: every channel except callback is served, and callback contacts count only
    in the callback figures; `channel="callback"`: callbacks are served too; any other channel:
    that channel served, no callback figures.
    """
    out = Sums()
    for ch, s in by_channel:
        if channel is None:
            out = out + (s.callbacks_only() if ch == CALLBACK else s.served_only())
        elif ch == channel:
            out = out + (s if ch == CALLBACK else s.served_only())
        else:
            out = out + Sums(contacts=s.contacts)
    return out


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


_DEFAULT_OPTIONS = KpiOptions()


@dataclass(frozen=True, slots=True)
class Scope:
    """What a `Kpis` value is about: range, filters, options and (center scope) occupancy."""

    start: float
    end: float
    queue: str | None = None
    channel: str | None = None
    options: KpiOptions = _DEFAULT_OPTIONS
    occupancy: tuple[float, float] | None = None


def kpis_from_sums(s: Sums, scope: Scope) -> Kpis:
    """The `Kpis` that `compute_kpis` gives for the contacts these sums were made of.

    Occupancy (occupied, staffed seconds) is shown only for the center scope, like
    `compute_kpis`: pass it in `scope.occupancy`, None for a queue or channel.
    """
    options = scope.options
    offered = s.queued - s.short
    occupied, staffed = scope.occupancy or (0.0, 0.0)
    if scope.queue is not None or scope.channel is not None:
        occupied = staffed = 0.0
    return Kpis(
        start=scope.start,
        end=scope.end,
        queue=scope.queue,
        channel=scope.channel,
        offered=offered,
        answered=s.answered,
        abandoned=s.abandoned,
        short_abandoned=s.short,
        answered_in_threshold=s.answered_in,
        abandoned_in_threshold=s.abandoned_in,
        service_level=service_level(
            options.sl_formula,
            answered=s.answered,
            answered_in_threshold=s.answered_in,
            abandoned=s.abandoned,
            abandoned_in_threshold=s.abandoned_in,
        ),
        answer_rate=_ratio(s.answered, offered),
        abandon_rate=_ratio(s.abandoned, offered),
        asa_s=_ratio(s.wait_sum, s.wait_n),
        max_wait_s=s.max_wait,
        handled=s.handled,
        aht_s=_ratio(s.talk_sum + s.acw_sum, s.handled),
        talk_s_avg=_ratio(s.talk_sum, s.handled),
        acw_s_avg=_ratio(s.acw_sum, s.handled),
        occupancy=_ratio(occupied, staffed),
        callbacks_created=s.cb_created,
        callbacks_completed=s.cb_completed,
        callbacks_reached=s.cb_reached,
        callback_completion_rate=_ratio(s.cb_completed, s.cb_created),
        ewt_mae_s=_ratio(s.ewt_sum, s.ewt_n),
        ewt_samples=s.ewt_n,
        options=options,
    )
