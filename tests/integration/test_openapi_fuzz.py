"""The API keeps its OpenAPI contract under generated input (schemathesis over the real app).

Every operation of the document the app serves is fuzzed - logged in as admin, and once
anonymously - through the whole app in-process (store, router, chat, KB, work orders, on
SQLite and on PostgreSQL), and every answer must:

* never be a 5xx;
* carry a status code the document lists for that operation;
* have the declared content type, headers and body schema (every 4xx is an `ErrorOut`).

A stateful run then chains operations along the links schemathesis infers (create an order,
then act on it...). The budget is FIXED and the generation derandomised with a fixed seed, so
a run is reproducible and takes about a minute on SQLite (less on PostgreSQL, whose budget
is smaller). Generated text never contains U+0000: the edge refuses NUL with a 422 before any
route runs (tests/integration/test_edges*), so fuzzing NUL would only re-test that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi

from hotline.bootstrap import DEMO_PASSWORD, init_center
from hotline.channels.chat.settings import ChatSettings
from hotline.config import load_demo_config
from hotline.store import open_store
from hotline.web import Settings, create_app

SEED = 19
# Fuzzed cases per operation (the coverage phase adds its own boundary cases on top).
BUDGET = {"sqlite": 25, "postgresql": 10}
ANONYMOUS_BUDGET = 5  # nearly every answer is a 401; this mostly proves those are documented
STATEFUL = {"sqlite": (25, 8), "postgresql": (8, 6)}  # (scenarios, max steps each)
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


@dataclass
class Target:
    backend: str
    identity: str | None


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


@pytest.mark.parametrize("identity", ["admin"], indirect=True)
def test_chained_operations_keep_their_contract(api: schemathesis.BaseSchema, db_url: str) -> None:
    scenarios, steps = STATEFUL[_backend(db_url)]
    machine = api.as_state_machine()
    machine.run(
        settings=settings(
            max_examples=scenarios,
            stateful_step_count=steps,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
