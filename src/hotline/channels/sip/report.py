"""`hotline report`'s voice section: IVR containment and DTMF survey figures, with definitions."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hotline.kpi.call_control import __doc__ as control_doc
from hotline.kpi.call_control import call_control_kpis
from hotline.kpi.voice import __doc__ as voice_doc
from hotline.kpi.voice import voice_kpis


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def print_voice_report(store, t0: float, t1: float, out: Console) -> None:
    """One table of voice figures for calls summarised in [t0, t1); nothing without calls."""
    _print_call_control(store, t0, t1, out)
    k = voice_kpis(store.events_of_kind("voice.", t0, t1), t0, t1)
    if not k.calls:
        return
    table = Table(title="voice IVR and survey 语音自助与满意度")
    cols = ("calls", "contained (self-service)", "containment rate", "to a person")
    cols += ("survey offered", "replies", "response rate", "mean score (1-5)", "satisfied")
    for col in cols:
        table.add_column(col, justify="right")
    mean = "-" if k.mean_score is None else f"{k.mean_score:.2f}"
    table.add_row(
        str(k.calls),
        str(k.contained),
        _pct(k.containment_rate),
        str(k.to_person),
        str(k.survey_offered),
        str(k.survey_replies),
        _pct(k.response_rate),
        mean,
        _pct(k.satisfied_rate),
    )
    out.print(table)
    for line in (voice_doc or "").split("Definitions", 1)[-1].splitlines()[1:]:
        if line.strip():
            out.print(f"[dim]{line.strip()}[/dim]")


def _print_call_control(store, t0: float, t1: float, out: Console) -> None:
    """Transfers and consults per queue (nothing when there were none)."""
    facts = store.events_of_kind("contact.transferred", t0, t1)
    facts += store.events_of_kind("contact.consult_ended", t0, t1)
    rows = call_control_kpis(facts, t0, t1)
    if not rows:
        return
    table = Table(title="transfers and consults 转接与咨询")
    for col in ("queue", "transfers", "after consult", "out", "consults", "conferences"):
        table.add_column(col, justify="right")
    table.add_column("mean consult s", justify="right")
    for q in rows.values():
        mean = "-" if q.mean_consult_s is None else f"{q.mean_consult_s:.1f}"
        cells = (q.transfers, q.after_consult, q.out, q.consults, q.conferences)
        table.add_row(q.queue, *(str(x) for x in cells), mean)
    out.print(table)
    for line in (control_doc or "").split("Definitions", 1)[-1].splitlines()[1:]:
        if line.strip():
            out.print(f"[dim]{line.strip()}[/dim]")
