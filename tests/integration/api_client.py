"""Helpers to run the real app (lifespan, store, router) in-process for API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from hotline.bootstrap import DEMO_PASSWORD, init_center
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app


@contextmanager
def running_app(db_url: str, **settings) -> Iterator[TestClient]:
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    app = create_app(Settings(database_url=db_url, **settings))
    with TestClient(app) as client:
        yield client


def login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
