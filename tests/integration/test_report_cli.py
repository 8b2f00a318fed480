"""Specification of `hotline report`'s numbers: dates in the center's zone, today cut at now,
occupancy printed once for the center (found: epoch seconds in the range line, 0.0 % occupancy
for "today", and the center's occupancy repeated under every queue)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from hotline.cli import app
from hotline.routing import events as ev
from hotline.runtime import CenterService
from hotline.store import open_store

CENTER_TZ = ZoneInfo("Asia/Shanghai")  # the demo center's zone


def run(*args: str) -> str:
    r = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture
def db(db_url: str) -> str:
    """The demo center where a01 has just handled one call and is wrapping up."""
    run("init", "--database-url", db_url)
    service = CenterService(open_store(db_url))
    service.apply(ev.AgentLogin("a01"))
    service.apply(ev.ContactArrived("c1", "general", customer="13800000000"))
    service.apply(ev.OfferAccepted("a01", "c1"))
    service.apply(ev.ContactCompleted("a01", "c1"))
    return db_url


def row(output: str, name: str) -> list[str]:
    line = next(x for x in output.splitlines() if x.startswith(f"│ {name} "))
    return [cell.strip() for cell in line.strip("│").split("│")]


def header(output: str) -> list[str]:
    line = next(x for x in output.splitlines() if x.startswith("┃ queue "))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


def test_today_is_cut_at_now_and_printed_as_local_dates_with_the_zone(db):
    today = datetime.now(CENTER_TZ).date()
    out = run(
        "report", "--database-url", db, "--from", str(today), "--to", str(today + timedelta(1))
    )
    assert f"{today} 00:00 – {today} " in out and "Asia/Shanghai (UTC+08:00) (cut at now)" in out
    midnight = datetime.combine(today, datetime.min.time(), CENTER_TZ).timestamp()
    assert f"{midnight:.15g}" not in out and not re.search(r"\b1[0-9]{9}\b", out)
    occupancy = row(out, "ALL")[header(out).index("occupancy")]
    assert float(occupancy.rstrip("%")) > 50  # busy, then wrap-up, since login: not 0.0 %


def test_occupancy_is_printed_once_for_the_center_not_under_each_queue(db):
    out = run("report", "--database-url", db)
    column = header(out).index("occupancy")
    assert row(out, "general")[column] == "-"
    center = row(out, "ALL")[column]
    assert center.endswith("%")
    assert f"occupancy (center, all agents): {center}" in out
    # Filtered to one queue, the ALL row is that queue's: the center figure stays below the table.
    only = run("report", "--database-url", db, "--queue", "general")
    assert row(only, "ALL")[column] == "-"
    assert "occupancy (center, all agents): " in only and "%" in only.split("all agents): ")[1]


def test_a_bad_date_names_the_option_and_what_is_expected(db):
    r = CliRunner().invoke(app, ["report", "--database-url", db, "--to", "tomorrow"])
    assert r.exit_code == 2 and "--to" in r.output and "ISO 8601" in r.output


def test_report_filters_by_skill_and_refuses_a_team_the_config_does_not_know(db):
    from hotline.config import load_demo_config

    skill = next(q for q in load_demo_config().queues if q.id == "general").skills[0].skill
    out = run("report", "--database-url", db, "--skill", skill)
    assert row(out, "general")[header(out).index("answered")] == "1"
    r = CliRunner().invoke(app, ["report", "--database-url", db, "--team", "夜班"])
    assert r.exit_code == 2 and "--team" in r.output and "none configured" in r.output
