"""The API keeps its OpenAPI contract under generated input (schemathesis over the real app).

Every operation of the document the app serves is fuzzed - logged in as admin, and once
anonymously - through the whole app in-process (store, router, chat, KB, work orders, on
SQLite and on PostgreSQL), and every answer must:

* never be a 5xx;
* carry a status code the document lists for that operation;
* have the declared content type, headers and body schema (every 4xx is an `ErrorOut`).

A stateful run then chains operations along the links schemathesis infers (create an
article, then edit it...) against a real `hotline serve`. Budgets are FIXED and generation is
deterministic with a fixed seed, so a run is reproducible; the whole file takes about two
minutes per database. Generated text never contains U+0000: the edge refuses NUL with a 422
before any route runs (tests/integration/test_edges_nul.py), so fuzzing it would only
re-test that. The pinned-down regressions at the end are what earlier runs found.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi

from hotline.bootstrap import DEMO_PASSWORD, init_center
from hotline.channels.chat.settings import ChatSettings
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app

from .api_client import login, running_app

SEED = 19
# Fuzzed cases per operation (the coverage phase adds its own boundary cases on top).
BUDGET = {"sqlite": 25, "postgresql": 10}
ANONYMOUS_BUDGET = 5  # nearly every answer is a 401; this mostly proves those are documented
STATEFUL = {"sqlite": 25, "postgresql": 10}  # stateful scenarios (--max-examples)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Logging out or disabling the fuzzer's own login would turn the rest of the run into 401s;
# both operations are still fuzzed by the anonymous run.
SELF_DESTRUCTIVE = (("POST", "/api/auth/logout"), ("PATCH", "/api/admin/users/{user_id}"))


def fuzz_config(examples: int, token: str | None) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"} if token else {},
            "generation": {
                "max-examples": examples,
                "deterministic": True,
                "database": "none",
                "allow-x00": False,
            },
            "phases": {"examples": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )


def _backend(db_url: str) -> str:
    return "postgresql" if db_url.startswith("postgresql") else "sqlite"


@pytest.fixture(params=["admin", None], ids=["admin", "anonymous"])
def identity(request: pytest.FixtureRequest) -> str | None:
    return request.param


@pytest.fixture
def api(
    request: pytest.FixtureRequest, db_url: str, identity: str | None
) -> Iterator[schemathesis.BaseSchema]:
    """The app's own OpenAPI document, bound to the running app (lifespan started)."""
    # schemathesis 4.32 renames the pytest item per operation through `_nodeid`, an attribute
    # pytest 9.2 no longer has (it became `_id`); give it one so the renaming is a no-op.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    # The widget limits new chats per client address; every fuzzed request comes from one.
    chat = ChatSettings(sessions_per_minute=100_000, messages_per_minute=100_000)
    app = create_app(Settings(database_url=db_url), chat=chat)
    token = None
    with asgi.get_client(app) as client:  # starts the app's lifespan, kept for the test
        if identity is not None:
            r = client.post(
                "http://testserver/api/auth/login",
                json={"username": identity, "password": DEMO_PASSWORD},
            )
            assert r.status_code == 200, r.text
            token = r.json()["token"]
    backend = _backend(db_url)
    examples = BUDGET[backend] if identity else ANONYMOUS_BUDGET
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=fuzz_config(examples, token)
    )
    if identity is not None:
        for method, path in SELF_DESTRUCTIVE:
            schema = schema.exclude(method=method, path=path)
    yield schema
    asgi.shutdown_lifespans()


fuzzed = schemathesis.pytest.from_fixture("api")


@fuzzed.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_chained_operations_keep_their_contract(db_url: str, tmp_path: Path) -> None:
    """Stateful: sequences along the links schemathesis infers, against a real server.

    Hypothesis' own state machine cannot run here: each scenario changes the database, so the
    next one draws differently from the same choices and hypothesis stops with "flaky
    strategy". The schemathesis runner (its CLI) explores scenarios without replaying them.
    """
    scenarios = STATEFUL[_backend(db_url)]
    store = open_store(db_url)
    init_center(store, load_demo_config(), demo_logins=True)
    store.close()
    with served(db_url, tmp_path / "server.log") as base:
        r = httpx.post(
            f"{base}/api/auth/login", json={"username": "admin", "password": DEMO_PASSWORD}
        )
        assert r.status_code == 200, r.text
        cmd = [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{base}/openapi.json",
            "--phases=stateful",
            f"--max-examples={scenarios}",
            f"--seed={SEED}",
            "--generation-deterministic",
            "--generation-allow-x00=false",
            "--workers=1",
            "--no-color",
            f"--checks={','.join(CHECKS)}",
            "-H",
            f"Authorization: Bearer {r.json()['token']}",
        ]
        for _method, path in SELF_DESTRUCTIVE:
            cmd += ["--exclude-path", path]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Stateful" in run.stdout


@contextmanager
def served(db_url: str, log: Path) -> Iterator[str]:
    """`hotline serve` on a free port; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": db_url,
        "HOTLINE_CHAT_SESSIONS_PER_MINUTE": "100000",
        "HOTLINE_CHAT_MESSAGES_PER_MINUTE": "100000",
    }
    cmd = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# -- what the fuzzer found, pinned down (each was a 500, or a NaN taken as a time) ----------
BIG = str(2**63)


@pytest.fixture
def client(db_url: str):
    with running_app(db_url) as c:
        c.headers.update(login(c, "admin"))
        yield c


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("GET", f"/api/kb/articles/{BIG}", "article_id"),
        ("GET", f"/api/kb/articles/{BIG}/versions", "article_id"),
        ("PUT", f"/api/kb/templates/{2**31}", "template_id"),  # PostgreSQL's INTEGER ends here
        ("POST", f"/api/kb/articles/{2**31}/reports", "article_id"),
        ("PUT", f"/api/kb/synonyms/{BIG}", "group_id"),
        ("DELETE", f"/api/kb/synonyms/{BIG}", "group_id"),
        ("POST", f"/api/kb/templates/{BIG}/render", "template_id"),
        ("GET", f"/api/chat/media/{BIG}", "media_id"),
        ("GET", "/api/kb/articles?offset=10000000000000000000", "offset"),
        ("GET", "/api/kb/articles?offset=-1", "offset"),
        ("GET", "/api/chat/sessions/s/messages?after=10000000000000000000", "after"),
        ("GET", "/api/tickets/kpis?from=nan", "from"),
        ("GET", "/api/surveys?to=inf", "to"),
        ("GET", "/api/chat/kpis?from=nan", "from"),
    ],
)
def test_out_of_range_ids_offsets_and_non_finite_times_are_a_422_naming_the_field(
    client, method, url, field
):
    body = {"terms": ["a", "b"], "values": {}, "name": "n", "body": "b", "reason": "r"}
    r = client.request(method, url, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


def test_nan_in_a_json_body_is_a_422_that_does_not_echo_the_input(client):
    r = client.post(
        "/api/contacts/c1/complete",
        content=b'{"wrap_up_s": NaN, "note": "' + b"x" * 3000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "wrap_up_s" and body["reason"]
    assert "xxxx" not in r.text  # the refused input is not reflected back
    r = client.post(
        "/api/kb/articles",
        content=b'{"title": "t", "body": "b", "valid_from": Infinity}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["field"] == "valid_from", r.text


def test_the_document_lists_each_routes_error_answers_with_one_body_shape(client):
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = op["responses"]
            if op.get("security"):
                assert "401" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            for code, answer in codes.items():
                if code.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    login_codes = doc["paths"]["/api/auth/login"]["post"]["responses"]
    assert "401" in login_codes


def test_a_refused_long_string_comes_back_cut_and_a_short_one_whole(client):
    r = client.post("/api/kb/synonyms", json={"terms": ["x" * 100_000]})
    issue = r.json()["detail"][0]
    assert r.status_code == 422 and r.json()["field"] == "terms"
    assert len(r.text) < 2000
    r = client.post("/api/admin/users", json={"username": "bad name", "password": "p"})
    assert r.status_code == 422
    shown = {i["loc"][-1]: i.get("input") for i in r.json()["detail"]}
    assert shown["username"] == "bad name"
    assert issue["loc"][:2] == ["body", "terms"]
