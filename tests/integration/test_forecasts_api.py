"""Specification of saved forecasts: `POST /api/forecasts` and `GET /api/forecasts` (both
databases), a save replacing the queue's points over its range only, bad bodies named by
field, and `hotline forecast --save` storing what it printed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from hotline.commands.forecast import register as register_forecast
from hotline.store import open_store
from hotline.store.forecasts import Forecasts
from tests.unit.test_wfm_forecast import HISTORY

from .api_client import login, running_app


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        c.sup, c.a01 = login(c, "supervisor"), login(c, "a01")
        c.cookies.clear()
        yield c


def points(first: str, n: int, each: float = 2.0, step_min: int = 30) -> list[dict]:
    start = pd.Timestamp(first)
    return [{"start": (start + pd.Timedelta(minutes=step_min * i)).isoformat(), "contacts": each}
            for i in range(n)]  # fmt: skip


def test_a_saved_forecast_is_read_back_and_a_later_save_replaces_only_its_range(client):
    body = {"queue": "general", "interval_min": 30, "points": points("2026-12-07T08:00", 8)}
    r = client.post("/api/forecasts", json=body, headers=client.sup)
    assert r.status_code == 201, r.text
    assert r.json()["saved"] == 8 and r.json()["to"] - r.json()["from"] == 4 * 3600
    again = {**body, "points": points("2026-12-07T10:00", 2, each=5.0)}  # 10:00-11:00 anew
    assert client.post("/api/forecasts", json=again, headers=client.sup).status_code == 201
    center = {"queue": None, "interval_min": 60, "points": points("2026-12-07T08:00", 1, 9.0, 60)}
    assert client.post("/api/forecasts", json=center, headers=client.sup).status_code == 201

    span = {"from": "2026-12-07", "to": "2026-12-08"}
    got = client.get("/api/forecasts", params={**span, "queue": "general"}, headers=client.sup)
    rows = got.json()["points"]
    assert [(p["local"][11:16], p["contacts"]) for p in rows] == [
        ("08:00", 2.0), ("08:30", 2.0), ("09:00", 2.0), ("09:30", 2.0),
        ("10:00", 5.0), ("10:30", 5.0), ("11:00", 2.0), ("11:30", 2.0)]  # fmt: skip
    assert {p["made_by"] for p in rows} == {"supervisor"} and rows[0]["source"] == "api"
    everything = client.get("/api/forecasts", params=span, headers=client.sup).json()["points"]
    assert len(everything) == 9
    only_center = client.get("/api/forecasts", params={**span, "queue": ""}, headers=client.sup)
    assert [(p["queue"], p["contacts"]) for p in only_center.json()["points"]] == [(None, 9.0)]
    assert client.get("/api/forecasts", params=span, headers=client.a01).status_code == 403
    assert client.post("/api/forecasts", json=body, headers=client.a01).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"queue": "nope"}, ["body", "queue"]),
        ({"interval_min": 45}, ["body", "interval_min"]),
        ({"points": []}, ["body", "points"]),
        ({"points": [{"start": "2026-12-07T08:10", "contacts": 1}]}, ["body", "points"]),
        ({"points": [{"start": "2026-12-07T08:00", "contacts": -1}]},
         ["body", "points", 0, "contacts"]),
        ({"points": [{"start": "yesterday", "contacts": 1}]}, ["body", "points", 0, "start"]),
        ({"points": points("2026-12-07T08:00", 1) * 2}, ["body", "points"]),
    ],
)  # fmt: skip
def test_a_bad_forecast_is_a_422_naming_the_field_and_nothing_is_saved(client, change, field):
    body = {"queue": "general", "interval_min": 30, "points": points("2026-12-07T08:00", 2)}
    r = client.post("/api/forecasts", json={**body, **change}, headers=client.sup)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][: len(field)] == field, r.json()
    span = {"from": "2026-12-01", "to": "2026-12-31"}
    assert client.get("/api/forecasts", params=span, headers=client.sup).json()["points"] == []


def test_hotline_forecast_save_stores_the_forecast_it_printed(tmp_path: Path):
    app = typer.Typer()
    app.callback()(lambda: None)  # a group, as `hotline` is: the command is named
    register_forecast(app)
    history = tmp_path / "history.csv"
    pd.DataFrame({"start": HISTORY.index.astype(str), "contacts": HISTORY.values}).to_csv(
        history, index=False
    )
    url, out = f"sqlite:///{tmp_path / 'h.db'}", tmp_path / "f.csv"
    args = ["forecast", "--history", str(history), "--days", "1", "--holdout", "0",
            "--database-url", url, "--out", str(out), "--save", "--queue", "general",
            "--by", "planner"]  # fmt: skip
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "saved 48 intervals for general" in result.output
    printed = pd.read_csv(out)
    stored = Forecasts(open_store(url).engine).between(0, 4e9)
    assert len(stored) == 48 and {p.queue for p in stored} == {"general"}
    assert [round(p.contacts, 6) for p in stored] == [round(v, 6) for v in printed.contacts]
    first = pd.Timestamp(printed.start[0])  # the history's local times, with their offset
    assert first.utcoffset() is not None
    assert stored[0].start == first.timestamp() and stored[0].made_by == "planner"
    bad = CliRunner().invoke(app, [*args, "--interval-min", "20"], env={"COLUMNS": "300"})
    assert bad.exit_code == 2 and "--save" in bad.output
