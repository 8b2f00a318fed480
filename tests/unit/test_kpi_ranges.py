"""Specification of KPI ranges: cut at now, typed as local dates, printed in the center's zone.

Found on a live center: "today's" occupancy read 0.0004 through the API (the hours still to come
counted as idle agent time) against 0.45 for the last 24 h, and the report printed its range
as epoch seconds.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from hotline.domain.records import EventRecord
from hotline.kpi import (
    RangeError,
    clip_to_now,
    compute_kpis,
    definitions,
    field_definitions,
    format_range,
    intervals,
    kpis_by_queue,
    parse_time,
)
from hotline.kpi.compute import Kpis

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIDNIGHT = 1_764_000_000.0 - 1_764_000_000.0 % 86400 - 8 * 3600  # a Shanghai midnight
NOW = MIDNIGHT + 10 * 3600  # 10:00 local


def state(at: float, agent: str, from_: str, to: str) -> EventRecord:
    return EventRecord(at, "agent.state", None, agent, data={"from": from_, "to": to})


# One agent logs in at 08:00, is busy 08:00–09:00 and available since: 1 h busy of 2 h staffed.
DAY = [
    state(MIDNIGHT + 8 * 3600, "a1", "offline", "busy"),
    state(MIDNIGHT + 9 * 3600, "a1", "busy", "available"),
]


def test_today_cut_at_now_counts_only_the_hours_that_happened() -> None:
    today = compute_kpis(DAY, MIDNIGHT, MIDNIGHT + 86400, now=NOW)
    assert today.occupancy == pytest.approx(0.5)
    assert today.end == NOW
    # Without the cut the 14 h still to come are "available": 1 h of 16 h, the misleading figure.
    assert compute_kpis(DAY, MIDNIGHT, MIDNIGHT + 86400).occupancy == pytest.approx(1 / 16)


def test_every_kpi_entry_point_takes_now() -> None:
    assert kpis_by_queue(DAY, MIDNIGHT, MIDNIGHT + 86400, now=NOW) == {}
    buckets = intervals(DAY, MIDNIGHT, MIDNIGHT + 86400, 3600, now=NOW)
    assert len(buckets) == 10  # 00:00 … 09:00; nothing after now
    assert buckets[-1][1].occupancy == 0.0  # 09:00–10:00 available
    assert buckets[-2][1].occupancy == 1.0  # 08:00–09:00 busy


def test_a_range_entirely_in_the_future_is_empty() -> None:
    assert clip_to_now(NOW + 10, NOW + 20, NOW) == (NOW + 10, NOW + 10)
    k = compute_kpis(DAY, NOW + 10, NOW + 20, now=NOW)
    assert (k.offered, k.occupancy) == (0, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-25", "2025-11-25T00:00:00+08:00"),
        ("2025-11-25T08:30", "2025-11-25T08:30:00+08:00"),
        ("2025-11-25 08:30:15", "2025-11-25T08:30:15+08:00"),
        ("2025-11-25T00:30:00Z", "2025-11-25T00:30:00+00:00"),
        ("2025-11-25T08:30+09:00", "2025-11-25T08:30:00+09:00"),
    ],
)
def test_iso_dates_are_read_in_the_center_zone_unless_they_carry_an_offset(
    text: str, expected: str
) -> None:
    from datetime import datetime

    assert parse_time(text, SHANGHAI) == datetime.fromisoformat(expected).timestamp()


def test_epoch_seconds_are_still_accepted() -> None:
    assert parse_time("1764000000", SHANGHAI) == 1764000000.0
    assert parse_time("1764000000.5", UTC) == 1764000000.5


@pytest.mark.parametrize("garbage", ["yesterday", "2025-13-01", "NaN", "inf", "", "25/11/2025"])
def test_garbage_is_refused_with_what_was_expected(garbage: str) -> None:
    with pytest.raises(RangeError, match=r"ISO 8601|finite"):
        parse_time(garbage, SHANGHAI)


def test_a_range_prints_as_local_dates_with_the_zone_named() -> None:
    text = format_range(MIDNIGHT, MIDNIGHT + 86400, SHANGHAI)
    assert text.endswith("Asia/Shanghai (UTC+08:00)")
    day = text.split(" ")[0]
    assert text == f"{day} 00:00 – {day[:8]}{int(day[8:]) + 1:02d} 00:00 Asia/Shanghai (UTC+08:00)"


def test_describe_prints_the_range_as_dates_not_epoch_seconds() -> None:
    head = compute_kpis(DAY, MIDNIGHT, NOW).describe(SHANGHAI).splitlines()[0]
    assert f"{MIDNIGHT:.15g}" not in head
    assert "00:00 – " in head and "10:00 Asia/Shanghai (UTC+08:00) (end excluded)" in head


def test_every_figure_has_its_definition() -> None:
    import dataclasses

    figures = {f.name for f in dataclasses.fields(Kpis)} - {
        "start",
        "end",
        "queue",
        "channel",
        "options",
    }
    texts = field_definitions()
    assert set(texts) == figures
    assert set(texts.values()) <= set(definitions().values())
    assert "cut at now" in texts["occupancy"]
