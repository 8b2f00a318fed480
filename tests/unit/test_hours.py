"""BusinessHours: when a queue is open, following the Chinese statutory calendar."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.domain.hours import (
    FULL_DAY,
    BusinessHours,
    DayKind,
    HoursSpecError,
    day_kind,
    format_windows,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

OFFICE = {"mon-fri": "08:00-20:00", "sat-sun": "09:00-17:00", "holidays": "closed"}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: str = "") -> float:
    """Epoch seconds of a local wall time (Shanghai unless `tz` is given)."""
    zone = ZoneInfo(tz) if tz else SHANGHAI
    return datetime(year, month, day, hour, minute, tzinfo=zone).timestamp()


def local(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, SHANGHAI).replace(tzinfo=None)


@pytest.fixture
def office() -> BusinessHours:
    return BusinessHours.parse(OFFICE)


class TestCalendar:
    """Which kind of day a date is, per the State Council schedule."""

    @pytest.mark.parametrize(
        ("day", "kind"),
        [
            (date(2025, 10, 1), DayKind.HOLIDAY),  # National Day
            (date(2025, 10, 8), DayKind.HOLIDAY),  # a Wednesday given off in lieu
            (date(2025, 9, 28), DayKind.MAKEUP_WORKDAY),  # Sunday worked (调休上班)
            (date(2025, 10, 11), DayKind.MAKEUP_WORKDAY),  # Saturday worked
            (date(2025, 10, 9), DayKind.WORKDAY),
            (date(2025, 9, 21), DayKind.WEEKEND),
            (date(2026, 2, 17), DayKind.HOLIDAY),  # Spring Festival 2026
            (date(2026, 2, 14), DayKind.MAKEUP_WORKDAY),
        ],
    )
    def test_known_years_follow_chinese_calendar(self, day: date, kind: DayKind) -> None:
        assert day_kind(day) is kind

    @pytest.mark.parametrize(
        ("day", "kind"),
        [
            (date(2027, 2, 6), DayKind.HOLIDAY),  # Spring Festival 2027, via `holidays`
            (date(2027, 10, 1), DayKind.HOLIDAY),
            (date(2027, 3, 3), DayKind.WORKDAY),
            (date(2027, 3, 6), DayKind.WEEKEND),
        ],
    )
    def test_later_years_fall_back_to_holidays_package(self, day: date, kind: DayKind) -> None:
        assert day_kind(day) is kind

    def test_lookups_are_cached_because_the_router_asks_on_every_arrival(self) -> None:
        day_kind(date(2025, 5, 6))
        hits = day_kind.cache_info().hits
        day_kind(date(2025, 5, 6))
        assert day_kind.cache_info().hits == hits + 1


class TestIsOpen:
    def test_ordinary_weekday_uses_weekday_windows_half_open(self, office: BusinessHours) -> None:
        assert not office.is_open(at(2025, 9, 30, 7, 59))
        assert office.is_open(at(2025, 9, 30, 8, 0))
        assert office.is_open(at(2025, 9, 30, 19, 59))
        assert not office.is_open(at(2025, 9, 30, 20, 0))

    def test_ordinary_weekend_uses_weekend_windows(self, office: BusinessHours) -> None:
        assert not office.is_open(at(2025, 9, 21, 8, 30))
        assert office.is_open(at(2025, 9, 21, 9, 0))
        assert not office.is_open(at(2025, 9, 21, 18, 0))

    def test_national_day_is_closed_when_holidays_are_closed(self, office: BusinessHours) -> None:
        assert not office.is_open(at(2025, 10, 1, 10, 0))
        assert not office.is_open(at(2025, 10, 8, 10, 0))  # weekday off in lieu

    def test_makeup_sunday_runs_the_weekday_shift(self, office: BusinessHours) -> None:
        assert office.is_open(at(2025, 9, 28, 8, 30))  # a plain Sunday opens at 09:00
        assert office.is_open(at(2025, 9, 28, 18, 0))  # and closes at 17:00

    def test_holiday_windows_apply_on_holidays(self) -> None:
        hours = BusinessHours.parse({**OFFICE, "holidays": "09:00-12:00"})
        assert hours.is_open(at(2025, 10, 1, 10, 0))
        assert not hours.is_open(at(2025, 10, 1, 13, 0))

    def test_spring_festival_2026(self, office: BusinessHours) -> None:
        assert not office.is_open(at(2026, 2, 17, 10, 0))
        assert office.is_open(at(2026, 2, 14, 8, 30))  # Saturday make-up workday

    def test_2027_uses_the_fallback_calendar(self, office: BusinessHours) -> None:
        assert not office.is_open(at(2027, 2, 8, 10, 0))  # Spring Festival Monday
        assert office.is_open(at(2027, 3, 1, 10, 0))

    def test_override_wins_over_the_holiday(self) -> None:
        hours = BusinessHours.parse({**OFFICE, "overrides": {"2027-02-06": "09:00-12:00"}})
        assert hours.is_open(at(2027, 2, 6, 10, 0))
        assert not hours.is_open(at(2027, 2, 6, 13, 0))

    def test_override_can_close_an_ordinary_day(self) -> None:
        hours = BusinessHours.parse({**OFFICE, "overrides": {date(2025, 9, 30): "closed"}})
        assert not hours.is_open(at(2025, 9, 30, 12, 0))

    def test_override_makes_a_makeup_workday_known_for_a_future_year(self) -> None:
        hours = BusinessHours.parse({**OFFICE, "overrides": {"2027-02-13": "08:00-20:00"}})
        assert hours.is_open(at(2027, 2, 13, 8, 30))

    def test_weekly_holidays_ignore_the_statutory_calendar(self) -> None:
        hours = BusinessHours.parse({**OFFICE, "holidays": "weekly"})
        assert hours.holiday is None
        assert hours.is_open(at(2025, 10, 1, 10, 0))  # National Day, a Wednesday
        assert not hours.is_open(at(2025, 9, 28, 8, 30))  # make-up Sunday is just a Sunday

    def test_window_ending_at_midnight_includes_the_last_second(self) -> None:
        hours = BusinessHours.parse({"mon-sun": "18:00-24:00", "holidays": "18:00-24:00"})
        assert hours.is_open(at(2025, 9, 30, 23, 59) + 59.999)
        assert not hours.is_open(at(2025, 10, 1, 0, 0))

    def test_shanghai_has_no_dst_so_local_eight_is_always_midnight_utc(self) -> None:
        hours = BusinessHours.parse({"mon-sun": "08:00-09:00", "holidays": "weekly"})
        for offset in range(0, 366, 7):
            day = date(2025, 1, 1) + timedelta(days=offset)
            opening = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
            assert hours.next_open(opening - 3600) == opening

    def test_time_zone_decides_the_local_date_and_time(self) -> None:
        london = BusinessHours.parse(
            {"mon-sun": "08:00-20:00", "holidays": "weekly"}, "Europe/London"
        )
        assert london.tz == "Europe/London"
        assert london.is_open(at(2025, 9, 30, 9, 0, tz="Europe/London"))
        assert not london.is_open(at(2025, 9, 30, 9, 0))  # 02:00 in London


class TestNextOpenAndClose:
    def test_next_open_is_now_when_open(self, office: BusinessHours) -> None:
        now = at(2025, 9, 30, 12, 0)
        assert office.next_open(now) == now

    def test_next_open_skips_the_whole_national_day_week(self, office: BusinessHours) -> None:
        assert local(office.next_open(at(2025, 9, 30, 21, 0))) == datetime(2025, 10, 9, 8, 0)

    def test_next_open_skips_spring_festival(self, office: BusinessHours) -> None:
        assert local(office.next_open(at(2026, 2, 14, 21, 0))) == datetime(2026, 2, 24, 8, 0)

    def test_next_open_later_the_same_day(self, office: BusinessHours) -> None:
        assert local(office.next_open(at(2025, 9, 30, 6, 0))) == datetime(2025, 9, 30, 8, 0)

    def test_next_close_is_end_of_current_window(self, office: BusinessHours) -> None:
        assert local(office.next_close(at(2025, 9, 30, 12, 0))) == datetime(2025, 9, 30, 20, 0)

    def test_next_close_is_now_when_closed(self, office: BusinessHours) -> None:
        now = at(2025, 10, 1, 12, 0)
        assert office.next_close(now) == now

    def test_windows_touching_at_midnight_are_one_open_period(self) -> None:
        night = BusinessHours.parse({"mon-sun": "00:00-06:00,22:00-24:00", "holidays": "weekly"})
        assert local(night.next_close(at(2025, 9, 30, 23, 0))) == datetime(2025, 10, 1, 6, 0)
        assert night.is_open(at(2025, 10, 1, 0, 0))

    def test_24x7_never_closes(self) -> None:
        always = BusinessHours.parse("24x7")
        now = at(2025, 10, 1, 3, 0)
        assert always.is_open(now)
        assert always.next_open(now) == now
        assert always.next_close(now) is None

    def test_open_every_day_except_one_closes_on_that_day(self) -> None:
        hours = BusinessHours.parse({"mon-sun": "00:00-24:00", "holidays": "00:00-24:00",
                                     "overrides": {"2025-12-25": "closed"}})  # fmt: skip
        assert local(hours.next_close(at(2025, 10, 1))) == datetime(2025, 12, 25, 0, 0)

    def test_never_open_gives_none(self) -> None:
        never = BusinessHours.parse({"holidays": "closed"})
        now = at(2025, 9, 30)
        assert never.next_open(now) is None
        assert never.next_close(now) == now

    def test_override_is_found_by_next_open(self) -> None:
        hours = BusinessHours.parse(
            {"holidays": "closed", "overrides": {"2026-01-10": "10:00-11:00"}}
        )
        assert local(hours.next_open(at(2025, 9, 30))) == datetime(2026, 1, 10, 10, 0)


class TestParse:
    def test_24x7_is_case_insensitive(self) -> None:
        assert BusinessHours.parse("24X7").weekly == (FULL_DAY,) * 7

    def test_comma_separated_windows_are_sorted_and_merged(self) -> None:
        hours = BusinessHours.parse({"mon": "13:00-18:00,08:00-12:00,12:00-12:30"})
        assert hours.weekly[0] == ((480, 750), (780, 1080))

    def test_unmentioned_days_are_closed(self) -> None:
        hours = BusinessHours.parse({"mon,wed-thu": "08:00-09:00"})
        assert [bool(w) for w in hours.weekly] == [True, False, True, True, False, False, False]

    def test_holidays_default_to_closed(self) -> None:
        assert BusinessHours.parse({"mon-sun": "08:00-20:00"}).holiday == ()

    def test_tz_in_spec_wins_over_argument(self) -> None:
        assert BusinessHours.parse({"tz": "Asia/Tokyo"}, tz="Asia/Shanghai").tz == "Asia/Tokyo"

    def test_spec_is_kept_for_dumping_with_iso_dates(self) -> None:
        spec = {"mon-fri": "08:00-20:00", "overrides": {date(2027, 2, 6): "09:00-12:00"}}
        hours = BusinessHours.parse(spec)
        assert hours.to_spec() == {
            "mon-fri": "08:00-20:00",
            "overrides": {"2027-02-06": "09:00-12:00"},
        }
        assert BusinessHours.parse(hours.to_spec()) == hours

    def test_to_spec_returns_a_copy(self, office: BusinessHours) -> None:
        office.to_spec()["mon-fri"] = "closed"  # type: ignore[index]
        assert office.to_spec() == OFFICE

    def test_directly_built_hours_rebuild_an_equivalent_spec(self) -> None:
        hours = BusinessHours(
            weekly=(((480, 1200),),) * 5 + ((), ()),
            holiday=None,
            overrides={date(2027, 2, 6): ((540, 1440),)},
        )
        spec = hours.to_spec()
        assert spec["mon"] == "08:00-20:00"  # type: ignore[index]
        assert spec["overrides"] == {"2027-02-06": "09:00-24:00"}  # type: ignore[index]
        assert BusinessHours.parse(spec) == hours

    def test_format_windows(self) -> None:
        assert format_windows(((480, 720), (780, 1440))) == "08:00-12:00,13:00-24:00"
        assert format_windows(()) == "closed"

    @pytest.mark.parametrize(
        ("spec", "part", "fragment"),
        [
            ({"mon-fri": "08:00-25:00"}, "mon-fri", "between 00:00 and 24:00"),
            ({"mon-fri": "8am-5pm"}, "mon-fri", "expected HH:MM"),
            ({"mon": "20:00-08:00"}, "mon", "cannot cross midnight"),
            ({"mon": "08:00"}, "mon", "expected HH:MM-HH:MM"),
            ({"mon": 800}, "mon", "expected a string"),
            ({"funday": "08:00-09:00"}, "funday", "unknown key"),
            ({"fri-mon": "08:00-09:00"}, "fri-mon", "run forward"),
            ({"mon-fri": "08:00-09:00", "fri": "closed"}, "fri", "already given"),
            ({"holidays": False}, "holidays", "expected a string"),
            ({"overrides": {"2027-02-30": "closed"}}, "overrides.2027-02-30", "YYYY-MM-DD"),
            ({"overrides": ["2027-02-06"]}, "overrides", "mapping"),
            ({"overrides": {"2027-02-06": "9-12"}}, "overrides.2027-02-06", "HH:MM"),
            ({"tz": "Mars/Olympus"}, "tz", "unknown time zone"),
            ("always", "", "24x7"),
            (42, "", "mapping"),
        ],
    )
    def test_bad_specs_name_the_bad_part(self, spec: object, part: str, fragment: str) -> None:
        with pytest.raises(HoursSpecError) as info:
            BusinessHours.parse(spec)  # type: ignore[arg-type]
        assert info.value.part == part
        assert fragment in str(info.value)
        assert isinstance(info.value, ValueError)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"weekly": ((),) * 6},
            {"weekly": (((600, 500),),) + ((),) * 6},
            {"weekly": (((0, 1441),),) + ((),) * 6},
            {"weekly": ((),) * 7, "tz": "Nowhere/Town"},
            {"weekly": ((),) * 7, "overrides": {"2027-02-06": ()}},
        ],
    )
    def test_direct_construction_is_validated(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            BusinessHours(**kwargs)  # type: ignore[arg-type]


def test_hours_are_frozen_picklable_values(office: BusinessHours) -> None:
    assert pickle.loads(pickle.dumps(office)) == office
    assert BusinessHours.parse(OFFICE) == office
    with pytest.raises(AttributeError):
        office.tz = "UTC"  # type: ignore[misc]
