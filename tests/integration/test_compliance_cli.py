"""`hotline compliance`: purge --dry-run and a real purge respect a hold; opt-out, export, erase."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hotline.cli import app
from hotline.domain.enums import Channel, ContactStatus
from hotline.domain.records import EventRecord
from hotline.routing.snapshot import ContactSnapshot
from hotline.store import open_store

runner = CliRunner()
OLD = 1_000_000_000.0  # 2001: past every retention


def run(*args: str):
    return runner.invoke(app, ["compliance", *args], catch_exceptions=False)


def old_contact(url: str, cid: str, customer: str) -> None:
    store = open_store(url)
    snap = ContactSnapshot(
        id=cid, channel=Channel.VOICE, queue="general", status=ContactStatus.ENDED,
        created_at=OLD, enqueued_at=OLD, seq=1, customer=customer, ended_at=OLD + 60,
    )  # fmt: skip
    store.append([EventRecord(at=OLD, kind="contact.created", contact_id=cid)], contacts=[snap])
    store.close()


def test_purge_dry_run_then_for_real_keeps_what_is_held(db_url):
    old_contact(db_url, "c-a", "13500000001")
    old_contact(db_url, "c-b", "13500000002")
    db = ("--database-url", db_url)
    r = run("hold", "13500000001", "--reason", "仲裁案件", *db, "--by", "legal")
    assert r.exit_code == 0 and "hold 1" in r.output, r.output
    dry = run("purge", "--dry-run", "--json", *db)
    assert json.loads(dry.output)["deleted"]["contact_records"] == 1
    assert open_store(db_url).contact("c-b") is not None
    table = run("purge", *db)
    assert table.exit_code == 0 and "contact_records" in table.output
    store = open_store(db_url)
    assert store.contact("c-a") is not None and store.contact("c-b") is None
    assert store.audit_entries(action="compliance.hold")[0].user == "legal"
    assert run("hold", "x", "--reason", "r", "--kind", "order", *db).exit_code == 2


def test_opt_out_export_and_erase_from_the_command_line(db_url, tmp_path: Path):
    db = ("--database-url", db_url)
    old_contact(db_url, "c-x", "13500000003")
    assert "added" in run("opt-out", "135 0000 0003", *db).output
    assert "already" in run("opt-out", "13500000003", *db).output
    assert run("export", "13500000003", "--out", str(tmp_path), *db).exit_code == 0
    doc = json.loads((tmp_path / "customer.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in doc["contacts"]] == ["c-x"] and doc["opt_outs"]
    refused = run("erase", "13500000003", *db)
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert run("erase", "13500000003", "--yes", *db).exit_code == 0
    assert open_store(db_url).contact("c-x").customer.startswith("erased:")


def test_plan_campaign_shows_quiet_hours_holidays_and_the_dnc_list(db_url, tmp_path: Path):
    db = ("--database-url", db_url)
    assert run("opt-out", "13500000009", *db).exit_code == 0
    csv = tmp_path / "list.csv"
    csv.write_text("name,phone\n王,13500000008\n李,13500000009\n", encoding="utf-8")
    short = run("plan-campaign", str(csv), "--start", "2026-09-30T21:30", "--days", "3", *db)
    assert "campaign_ended" in short.output  # three days of National Day: nobody is called
    r = run("plan-campaign", str(csv), "--start", "2026-09-30T21:30", "--days", "14", *db)
    assert r.exit_code == 0, r.output
    lines = {ln.split()[1]: ln for ln in r.output.splitlines() if "135****" in ln}
    first = lines["135****0008"]
    assert "2026-10-" in first and "08:00" in first  # after quiet hours and National Day
    assert "2026-10-01" not in first
    assert "dnc" in lines["135****0009"]
    bad = run("plan-campaign", str(csv), "--start", "tomorrow", *db)
    assert bad.exit_code == 2 and "--start" in bad.output
