"""Regional routing through the API: an admin adds a region to the live center, then a call
from that province lands in the region's queue, on both databases.

* the contact shows its region and the regional queue; a gateway retry with the same id is the
  same contact (the asked queue, not the regional one, is what the retry repeats);
* the IVR may name the region; an unknown one is a 422 that names the reason and creates
  nothing; a region block with an unknown province is refused naming the field.
"""

from __future__ import annotations

import pytest

from .api_client import login, running_app

SHANXI_MOBILE = "15935123456"


@pytest.fixture
def client(db_url):
    with running_app(db_url) as c:
        yield c


def _add_region(client, region: dict) -> None:
    adm = login(client, "admin")
    body = client.get("/api/admin/config", headers=adm).json()["config"]
    body["regions"] = [region]
    r = client.put("/api/admin/config", json=body, headers=adm)
    assert r.status_code == 200, r.text


def test_a_call_from_the_region_lands_in_its_queue(client):
    _add_region(client, {"id": "sx", "name": "山西", "provinces": ["山西"],
                         "queues": {"general": "complaints"}})  # fmt: skip
    channel = login(client, "channel")
    body = {"id": "call-1", "queue": "general", "customer": SHANXI_MOBILE}
    r = client.post("/api/contacts", json=body, headers=channel)
    assert r.status_code == 201, r.text
    assert (r.json()["queue"], r.json()["region"]) == ("complaints", "sx")
    again = client.post("/api/contacts", json=body, headers=channel)  # the gateway's retry
    assert again.status_code == 201 and again.json()["id"] == "call-1", again.text
    other = {"queue": "general", "customer": "18601234567"}  # Beijing: not a region here
    r = client.post("/api/contacts", json=other, headers=channel)
    assert (r.json()["queue"], r.json()["region"]) == ("general", None)


def test_the_ivr_names_the_region_and_an_unknown_one_is_refused(client):
    _add_region(client, {"id": "sx", "prefixes": ["0351"], "queues": {"general": "complaints"}})
    channel = login(client, "channel")
    body = {"id": "call-2", "queue": "general", "customer": "18601234567", "region": "sx"}
    r = client.post("/api/contacts", json=body, headers=channel)
    assert (r.status_code, r.json()["queue"]) == (201, "complaints"), r.text
    bad = {"id": "call-3", "queue": "general", "customer": "18601234567", "region": "hn"}
    r = client.post("/api/contacts", json=bad, headers=channel)
    assert r.status_code == 422 and "unknown region 'hn'" in r.text, r.text
    sup = login(client, "supervisor")
    assert client.get("/api/contacts/call-3", headers=sup).status_code == 404


def test_a_region_with_an_unknown_province_is_refused_naming_the_field(client):
    adm = login(client, "admin")
    body = client.get("/api/admin/config", headers=adm).json()["config"]
    body["regions"] = [{"id": "x", "provinces": ["Atlantis"]}]
    r = client.put("/api/admin/config", json=body, headers=adm)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "regions[0].provinces[0]" and "Atlantis" in r.text
