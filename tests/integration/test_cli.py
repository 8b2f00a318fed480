"""Specification of the `hotline` command: init, report, users, config check."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli import app
from hotline.routing import events as ev
from hotline.runtime import CenterService
from hotline.store import open_store

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def db(db_url: str) -> str:
    r = run("init", "--database-url", db_url, "--demo-logins")
    assert r.exit_code == 0, r.output
    return db_url


def test_init_stores_the_demo_center_and_is_harmless_to_repeat(db):
    again = run("init", "--database-url", db)
    assert again.exit_code == 0 and "login" not in again.output
    store = open_store(db)
    assert store.latest_config()[0] == 1  # the stored configuration was not replaced
    assert {u.username for u in store.list_users()} >= {"admin", "supervisor", "a01", "a08"}


def test_report_prints_kpis_from_the_stored_timeline(db):
    service = CenterService(open_store(db))
    service.apply(ev.AgentLogin("a01"))
    service.apply(ev.ContactArrived("c1", "general", customer="13800000000"))
    service.apply(ev.OfferAccepted("a01", "c1"))
    service.apply(ev.ContactCompleted("a01", "c1"))
    r = run("report", "--database-url", db)
    assert r.exit_code == 0, r.output
    assert "general" in r.output and "100.0%" in r.output
    assert "service level" in r.output  # the definitions are printed under the numbers


def test_report_refuses_a_bad_date_naming_the_option(db):
    r = run("report", "--database-url", db, "--from", "yesterday")
    assert r.exit_code == 2 and "--from" in r.output


def test_user_management_refuses_duplicates_and_short_passwords(db):
    r = run(
        "user",
        "add",
        "a01",
        "--role",
        "agent",
        "--database-url",
        db,
        input="long-enough-1\nlong-enough-1\n",
    )
    assert r.exit_code == 2 and "username" in r.output
    r = run(
        "user", "add", "newbie", "--role", "agent", "--database-url", db, input="short\nshort\n"
    )
    assert r.exit_code == 2 and "--password" in r.output
    r = run(
        "user",
        "add",
        "newbie",
        "--role",
        "wizard",
        "--database-url",
        db,
        input="long-enough-1\nlong-enough-1\n",
    )
    assert r.exit_code == 2 and "--role" in r.output
    assert "newbie" not in run("user", "list", "--database-url", db).output


def test_config_check_names_the_file_and_the_field(tmp_path: Path):
    bad = tmp_path / "center.yaml"
    bad.write_text("center: {name: x}\nqueues:\n  - {id: q1, name: Q, skills: {general: 11}}\n")
    r = run("config", "check", str(bad))
    assert r.exit_code == 2
    assert "center.yaml" in r.output and "queues[0].skills.general" in r.output
