"""The wfm commands: forecast -> staff -> schedule through files, and bad input named."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from hotline.commands.forecast import register as register_forecast
from hotline.commands.wfm import register

from .test_wfm_forecast import HISTORY

app = typer.Typer()
register(app)
register_forecast(app)
runner = CliRunner()


def run(*args: str):
    # A wide terminal, so that Rich does not wrap the error messages we look for.
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "400"})


@pytest.fixture
def history_csv(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    pd.DataFrame({"start": HISTORY.index.astype(str), "contacts": HISTORY.values}).to_csv(
        path, index=False
    )
    return path


def test_forecast_staff_schedule_pipeline(tmp_path: Path, history_csv: Path) -> None:
    forecast_csv, req_csv, shifts_csv = (tmp_path / n for n in ("f.csv", "r.csv", "s.csv"))
    result = run(
        "forecast", "--history", str(history_csv), "--days", "1", "--out", str(forecast_csv)
    )
    assert result.exit_code == 0, result.output
    assert "MAPE" in result.output and "seasonal naive" in result.output
    assert len(pd.read_csv(forecast_csv)) == 48

    # ~3,000 calls/day on one queue would need dozens of agents; scale down for a quick solve.
    small = pd.read_csv(forecast_csv).assign(contacts=lambda f: (f.contacts / 20).round())
    small.to_csv(forecast_csv, index=False)
    result = run("staff", "--forecast", str(forecast_csv), "--aht", "180", "--target", "0.8",
                 "--shrinkage", "0.25", "--out", str(req_csv))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Erlang C" in result.output
    required = pd.read_csv(req_csv)
    assert (required.scheduled >= required.agents).all()

    result = run("schedule", "--requirement", str(req_csv), "--out", str(shifts_csv))
    assert result.exit_code == 0, result.output
    assert "intervals short: 0" in result.output and "Running HiGHS" not in result.output
    assert pd.read_csv(shifts_csv)["count"].sum() > 0


def test_staff_with_patience_uses_erlang_a() -> None:
    result = run("staff", "--calls", "100,200", "--aht", "240", "--patience", "60",
                 "--max-abandon", "0.03")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Erlang A" in result.output and "abandon rate" in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("staff", "--calls", "10", "--aht", "0"), "--aht"),
        (("staff", "--calls", "10", "--aht", "180", "--target", "80"), "--target"),
        (("staff", "--calls", "10,x", "--aht", "180"), "--calls"),
        (("staff", "--calls", "10", "--aht", "180", "--max-abandon", "0.05"), "--max-abandon"),
        (("staff", "--aht", "180"), "--forecast/--calls"),
        (("staff", "--calls", "10", "--aht", "180", "--interval-min", "7"), "--interval-min"),
        (("schedule", "--agents", "1,2,3"), "--agents"),
        (("schedule", "--agents", ",".join(["1"] * 48), "--gap", "2"), "--gap"),
        (("forecast", "--history", "/nonexistent.csv"), "--history"),
    ],
)
def test_bad_input_names_the_option(args: tuple[str, ...], option: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert option in result.output


def test_template_file_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "- name: ft\n  length: 8h\n  starts: 08:00-10:00/30\n  breaks: [{length: 60}]\n"
    )
    result = run("schedule", "--agents", ",".join(["1"] * 48), "--templates", str(path))
    assert result.exit_code == 2
    assert "--templates" in result.output and "breaks[0].window" in result.output


def test_template_file_is_used(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("- name: day\n  length: 12h\n  starts: ['08:00']\n- name: night\n"
                    "  length: 12h\n  starts: ['20:00']\n")  # fmt: skip
    result = run("schedule", "--agents", ",".join(["2"] * 48), "--week", "--templates", str(path))
    assert result.exit_code == 0, result.output
    assert "night" in result.output and "intervals short: 0" in result.output


def test_forecast_reads_the_stored_timeline(tmp_path: Path) -> None:
    from hotline.domain.records import EventRecord
    from hotline.store import open_store

    url = f"sqlite:///{tmp_path / 'h.db'}"
    three_weeks = HISTORY[(HISTORY.index >= "2025-03-31") & (HISTORY.index < "2025-04-21")]
    events = [
        EventRecord(
            ts.timestamp() + k, "contact.created", f"c{i}-{k}", queue="main", channel="voice"
        )
        for i, (ts, n) in enumerate(three_weeks.items())
        for k in range(int(n) // 100)  # ~100 calls a day keep the test quick
    ]
    open_store(url).append(events)
    result = run("forecast", "--database-url", url, "--queue", "main", "--weeks", "3",
                 "--until", "2025-04-21", "--days", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2025-04-21" in result.output and "MAPE" in result.output
    result = run("forecast", "--database-url", url, "--queue", "other", "--weeks", "3",
                 "--until", "2025-04-21")  # fmt: skip
    assert result.exit_code == 2 and "--weeks" in result.output


def _store_contacts(url: str, stamps: list[float]) -> None:
    from hotline.domain.records import EventRecord
    from hotline.store import open_store

    open_store(url).append(
        [
            EventRecord(t, "contact.created", f"c{i}", queue="main", channel="voice")
            for i, t in enumerate(stamps)
        ]
    )


def test_forecast_by_default_reads_todays_contacts_and_warns_the_history_is_short(
    tmp_path: Path,
) -> None:
    import time

    zone = ZoneInfo("Asia/Shanghai")
    now = time.time()
    midnight = datetime.fromtimestamp(now, zone).replace(hour=0, minute=0, second=0).timestamp()
    url = f"sqlite:///{tmp_path / 'today.db'}"
    _store_contacts(url, [midnight + (now - midnight) * k / 40 for k in range(40)])
    result = run("forecast", "--database-url", url, "--days", "2")
    assert result.exit_code == 0, result.output
    assert "no contacts" not in result.output
    assert "the history runs 1 day" in result.output and "with contacts on 1;" in result.output
    assert "needs at least 14 whole days" in result.output and "it has 0" in result.output
    tomorrow = (datetime.fromtimestamp(now, zone).date() + timedelta(days=1)).isoformat()
    assert tomorrow in result.output


def test_forecast_from_one_stored_day_in_eight_weeks_warns_instead_of_fitting_zeros(
    tmp_path: Path,
) -> None:
    day = datetime(2025, 4, 16, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    url = f"sqlite:///{tmp_path / 'one.db'}"
    _store_contacts(url, [day + 8 * 3600 + 60 * k for k in range(300)])  # 08:00-13:00
    out = tmp_path / "f.csv"
    result = run("forecast", "--database-url", url, "--until", "2025-04-21", "--days", "1",
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "runs 5 days (2025-04-16 to 2025-04-20) with contacts on 1;" in result.output
    assert "it has 5" in result.output and "not scored" in result.output
    forecast = pd.read_csv(out)
    # The day seen once, averaged over the five days since: 300 / 5 contacts, all 08:00-13:00.
    assert forecast.contacts.sum() == pytest.approx(60)
    assert forecast.start.iloc[0].startswith("2025-04-21")


def test_forecast_from_a_short_csv_history_warns_and_repeats_the_average_day(
    history_csv: Path,
) -> None:
    short = pd.read_csv(history_csv).iloc[: 5 * 48]
    short.to_csv(history_csv, index=False)
    result = run("forecast", "--history", str(history_csv), "--days", "1")
    assert result.exit_code == 0, result.output
    assert "runs 5 days" in result.output and "it has 5." in result.output


def test_schedule_prints_shifts_by_clock_time_with_breaks_and_a_total(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("- name: day\n  length: 12h\n  starts: ['08:00']\n- name: night\n"
                    "  length: 12h\n  starts: ['20:00']\n")  # fmt: skip
    out = tmp_path / "s.csv"
    result = run("schedule", "--agents", ",".join(["2"] * 96), "--week", "--templates", str(path),
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "+12h" not in result.output and "d0 " not in result.output
    assert "08:00–20:00" in result.output and "20:00–08:00 (next day)" in result.output
    total = next(line for line in result.output.splitlines() if "total" in line)
    assert total.split("│")[-3].strip() == "8"  # 2 day + 2 night agents on each of 2 days
    roster = pd.read_csv(out)
    assert sorted(roster.day.unique()) == [1, 2] and roster["count"].sum() == 8
    assert set(roster.start) == {"08:00", "20:00"} and set(roster.end) == {"20:00", "08:00"}


def test_forecast_leaves_out_the_unfinished_today_when_two_weeks_came_before(
    tmp_path: Path,
) -> None:
    import time

    zone = ZoneInfo("Asia/Shanghai")
    now = time.time()
    today = datetime.fromtimestamp(now, zone).date()
    midnight = datetime(today.year, today.month, today.day, tzinfo=zone).timestamp()
    stamps = [midnight - d * 86400 + 600 * k for d in range(1, 16) for k in range(144)]
    stamps += [midnight + (now - midnight) * k / 10 for k in range(10)]  # today so far
    url = f"sqlite:///{tmp_path / 'weeks.db'}"
    _store_contacts(url, stamps)
    result = run("forecast", "--database-url", url, "--days", "1")
    assert result.exit_code == 0, result.output
    assert f"left out {today}: the day is not over" in result.output
    assert "the forecast starts with it" in result.output
    assert "warning" not in result.output
    assert "not scored: holding back 7 days needs 21 whole days of history, it has 15" in (
        result.output
    )
    (day_row,) = [line for line in result.output.splitlines() if line.startswith("│ 20")]
    assert day_row.split("│")[1].strip() == today.isoformat()
