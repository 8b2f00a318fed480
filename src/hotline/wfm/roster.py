"""A schedule as a team lead reads it: shifts by clock time with their breaks and headcount.

Shared by `hotline schedule` and `hotline plan` so that both print (and write) the same
roster. Pure formatting: shifts in, a Rich table or CSV rows out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.table import Table

from hotline.wfm.schedule import ShiftChoice

__all__ = ["roster_rows", "roster_table"]


def _ordered(shifts: Iterable[ShiftChoice]) -> list[ShiftChoice]:
    return sorted(shifts, key=lambda s: (s.start_min, s.template, s.breaks))


def roster_table(shifts: Iterable[ShiftChoice], title: str, *, with_day: bool = False) -> Table:
    """One row per kind of shift (template, day, hours, breaks) with how many agents work it,
    in start order, and a total row; `with_day` adds the day column for a multi-day horizon."""
    rows = _ordered(shifts)
    table = Table(title=title)
    cols = ["shift", *(["day"] if with_day else []), "time", "break", "agents", "paid h"]
    for col in cols:
        table.add_column(col, justify="right" if col in ("agents", "paid h") else "left")
    for s in rows:
        day = [str(s.day + 1)] if with_day else []
        table.add_row(s.template, *day, s.hours(), s.break_text(), str(s.count),
                      f"{s.paid_hours:g}")  # fmt: skip
    table.add_section()
    blank = [""] * (3 if with_day else 2)
    table.add_row("total", *blank, str(sum(s.count for s in rows)),
                  f"{sum(s.paid_hours for s in rows):g}")  # fmt: skip
    return table


def roster_rows(shifts: Iterable[ShiftChoice]) -> list[dict[str, Any]]:
    """The roster as CSV rows: day (1-based), clock times, breaks, agents, paid hours."""
    return [
        {
            "template": s.template,
            "day": s.day + 1,
            "start": s.hours().split("–")[0],
            "end": s.hours().split("–")[1].removesuffix(" (next day)"),
            "hours": s.length_min / 60,
            "breaks": s.break_text() if s.breaks else "",
            "count": s.count,
            "paid_hours": s.paid_hours,
        }
        for s in _ordered(shifts)
    ]
