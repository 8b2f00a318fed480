"""Database fixtures shared by every test file.

`db_url` runs a test once on a fresh SQLite file and once on PostgreSQL; `store` gives a
migrated `Store` on that database. PostgreSQL comes from `HOTLINE_TEST_PG_URL` (default: the
CI server below). Each PostgreSQL test gets its own throw-away schema, selected through the
connection's `search_path`, so parallel or interrupted runs never see each other's tables.
An unreachable server FAILS the PostgreSQL tests: CI guarantees one, and a silent skip would
hide that half of the suite never ran. Deselect them locally with `-m "not postgres"`.

`require_system` is the one way a test says it needs a system tool (sipp, Chromium…): missing
under `CI=true` it FAILS — CI must never pass by skipping what it cannot run — and elsewhere it
skips with the reason repeated in a banner at the end of the run, not as a lone "s".
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from hotline.store import Store

# Cheap argon2 parameters for the hundreds of test logins (production keeps RFC 9106's).
os.environ.setdefault("HOTLINE_PASSWORD_HASH", "cheap")
# Every server a test starts runs the QA loop; speech-to-text of each test call's recordings
# would cost a core per server. The QA tests that check transcripts turn it back on.
os.environ.setdefault("HOTLINE_QA_ASR", "off")

PG_URL_ENV = "HOTLINE_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


#: (what, missing) of every test skipped for a missing tool, for the end-of-run banner
_MISSING: dict[str, set[str]] = {}
SYSTEM_DEPS_HINT = "sudo bash scripts/system-deps.sh"


def in_ci() -> bool:
    """CI sets CI=true (GitHub, GitLab and .ci/run all do)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(what: str, missing: Iterable[str], hint: str = SYSTEM_DEPS_HINT) -> None:
    """Fail (CI) or skip loudly (elsewhere) the calling test when `missing` is not empty."""
    missing = sorted(set(missing))
    if not missing:
        return
    message = f"{what}: missing {', '.join(missing)} — install with: {hint}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing tool is a failure)", pytrace=False)
    _MISSING.setdefault(what, set()).update(missing)
    pytest.skip(message)


@pytest.fixture(scope="session")
def require_system() -> Callable[..., None]:
    """`require_system(what, missing_names)`: see `require`."""
    return require


def pytest_terminal_summary(terminalreporter) -> None:
    if not _MISSING:
        return
    terminalreporter.section("SKIPPED: system tools missing", sep="!", red=True, bold=True)
    for what, missing in sorted(_MISSING.items()):
        terminalreporter.line(f"{what}: {', '.join(sorted(missing))}", red=True)
    terminalreporter.line(f"install them with: {SYSTEM_DEPS_HINT} (under CI=true these fail)")


#: test files that must not share the machine with each other: real SIP calls (audio checked
#: sample by sample, RTP timeouts, module-wide centers whose tests build on each other) and
#: timing medians. `make test` runs two pytest-xdist workers; each group below goes to one
#: worker, one test after another, and every other test is balanced on its own.
SERIAL_GROUPS = {
    "voice": ("test_voice_", "test_compliance_voice"),
    "timing": ("test_login_timing", "test_restart"),
}


def serial_group(nodeid: str) -> str | None:
    """The `SERIAL_GROUPS` name of a test id's file, or None."""
    name = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return next((g for g, prefixes in SERIAL_GROUPS.items() if name.startswith(prefixes)), None)


@pytest.hookimpl(optionalhook=True)  # a plain `pytest` without xdist never calls it
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Groups by `serial_group` (xdist's own `loadgroup` does not group under pytest 9: it
    renames `item._nodeid`, which pytest 9 no longer reads)."""
    from xdist.scheduler import LoadScopeScheduling

    class SerialGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return serial_group(nodeid) or nodeid

    return SerialGroups(config, log)


def pg_base_url() -> str:
    """The PostgreSQL server used by tests (no schema selected)."""
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'hotline.db'}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        yield from _pg_schema_url()


def _pg_schema_url() -> Iterator[str]:
    base = make_url(pg_base_url())
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    schema = f"hotline_test_{uuid.uuid4().hex[:12]}"
    problem = None
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        problem = str(exc.orig).strip()
    if problem is not None:  # outside `except`: keep the report to one clear message
        admin.dispose()
        pytest.fail(
            f"PostgreSQL test server unreachable at "
            f"{base.render_as_string(hide_password=True)}: {problem}\n"
            f"Start it or point {PG_URL_ENV} at one; deselect with -m 'not postgres'.",
            pytrace=False,
        )
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A `Store` on a freshly migrated database (both backends via `db_url`)."""
    from hotline.store import Store, make_engine, migrate

    engine = make_engine(db_url)
    migrate(engine)
    try:
        yield Store(engine)
    finally:
        engine.dispose()
