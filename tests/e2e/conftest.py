"""Browser tests: a real `hotline serve` process on SQLite with the demo center, driven by
headless Chromium through Playwright's sync API.

Chromium is Debian's (`apt-get install chromium fonts-noto-cjk`), never Playwright's own
download (`playwright install` cannot reach its servers here). Each test gets a fresh server on
a copy of one initialised database, so tests never see each other's contacts or agent states.
Screenshots go to `test-output/screenshots/` (1366x768, the smallest screen the UI supports).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hotline.bootstrap import DEMO_PASSWORD
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

VIEWPORT = {"width": 1366, "height": 768}
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser test (headless Chromium + a real server)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`hotline serve` in a subprocess on a free port; `api(user)` gives a logged-in client."""

    def __init__(self, db: Path, log: Path) -> None:
        self.db, self.log, self.port = db, log, _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._clients: list[httpx.Client] = []

    def start(self) -> None:
        env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{self.db}"}
        cmd = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self.log.open("a"), stderr=subprocess.STDOUT
        )
        deadline = time.time() + 90  # a loaded shared machine needs 20-40 s to import
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        for c in self._clients:
            c.close()
        if self.proc and self.proc.poll() is None:
            # uvicorn waits up to 5 s for open WebSocket streams on SIGTERM; a throw-away test
            # server need not wait that long.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(1.5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def api(self, user: str) -> httpx.Client:
        c = httpx.Client(base_url=self.base, timeout=10)
        r = c.post("/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        c.cookies.clear()
        self._clients.append(c)
        return c


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo center with demo logins, initialised once and copied for every test."""
    db = tmp_path_factory.mktemp("e2e-template") / "hotline.db"
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", "init", "--demo-logins"],
        env=env,
        check=True,
        capture_output=True,
    )
    return db


@pytest.fixture
def server(demo_db: Path, tmp_path: Path) -> Iterator[Server]:
    db = tmp_path / "hotline.db"
    shutil.copy(demo_db, db)
    s = Server(db, tmp_path / "server.log")
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: apt-get install -y chromium chromium-driver "
            "fonts-noto-cjk (or set HOTLINE_CHROMIUM); deselect with -m 'not e2e'",
            pytrace=False,
        )
    vendor = ROOT / "src" / "hotline" / "web" / "ui" / "static" / "vendor"
    if not all((vendor / f).exists() for f in ("alpine.min.js", "chart.umd.min.js")):
        pytest.fail(
            f"UI libraries missing in {vendor}: run `bash scripts/ui-assets.sh` "
            "(make install runs it)",
            pytrace=False,
        )
    try:
        from playwright import sync_api
    except ImportError:  # a dev dependency: a broken venv, never a reason to pass quietly
        pytest.fail("playwright is not installed: pip install -e '.[dev]'", pytrace=False)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser, server: Server):
    """`new_page()` opens a page in a fresh browser context (its own cookies) at 1366x768."""
    contexts = []

    def make(lang: str | None = None):
        ctx = browser.new_context(
            viewport=VIEWPORT, timezone_id="Asia/Shanghai", locale="zh-CN", base_url=server.base
        )
        if lang:
            ctx.add_cookies([{"name": "hotline_lang", "value": lang, "url": server.base}])
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []  # uncaught script errors: every test asserts there were none
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def login(page, user: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
