"""The gateway's link to the core: HTTP commands out, the WebSocket fact stream in.

The pjsua poll loop must never block on the network, so requests run on a few "lanes" (one
thread each) and their answers, like the stream's facts, are put in the worker's inbox, which
the poll loop drains. All requests of one call go to the same lane, so they reach the core in
the order the call made them (create the contact before leaving it, accept before hang-up).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from websockets.sync.client import connect

from hotline.channels.sip.link import CoreFact, CoreReply
from hotline.services.compliance_recordings import encrypt_finished

log = logging.getLogger(__name__)


class CoreClient:
    """Logs in as the channel account, follows the stream, sends requests in per-call order."""

    def __init__(
        self, url: str, username: str, password: str, inbox: queue.SimpleQueue, lanes: int = 4
    ) -> None:
        self.url = url.rstrip("/")
        self.username, self.password = username, password
        self.inbox = inbox
        self.token: str | None = None
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._lanes = [ThreadPoolExecutor(1, thread_name_prefix=f"core{i}") for i in range(lanes)]
        self._http = [httpx.Client(base_url=self.url, timeout=10) for _ in range(lanes)]
        self._login_lock = threading.Lock()
        self._stream: threading.Thread | None = None

    # ------------------------------------------------------------------ session
    def login(self) -> str:
        with self._login_lock:
            r = self._http[0].post(
                "/api/auth/login", json={"username": self.username, "password": self.password}
            )
            if r.status_code != 200:
                raise RuntimeError(
                    f"core login as {self.username} failed: {r.status_code} {r.text}"
                )
            self.token = r.json()["token"]
            return self.token

    def start(self, wait_s: float = 15.0) -> None:
        """Log in and follow the stream; returns once the stream is live (or raises)."""
        self.login()
        self._stream = threading.Thread(target=self._follow, name="core-stream", daemon=True)
        self._stream.start()
        if not self.connected.wait(wait_s):
            raise RuntimeError(f"no event stream from {self.url} after {wait_s:.0f} s")

    def close(self) -> None:
        self._stop.set()
        for lane in self._lanes:
            lane.shutdown(wait=True, cancel_futures=False)
        for client in self._http:
            client.close()

    # ------------------------------------------------------------------ requests
    def own(self, call_id: str) -> None:
        """Nothing to do: this client serves one worker, which owns all its calls."""

    def forget(self, call_id: str) -> None:
        """Nothing to do (see `own`)."""

    def post(
        self,
        call_id: str,
        path: str,
        body: dict[str, Any],
        tag: str | None = None,
        seal: list[str] | None = None,
    ) -> None:
        """Send in the background, in order with this call's other requests. `seal`: finished
        recordings to encrypt at rest first (on the lane: never on the pjsua thread)."""
        lane = zlib.crc32(call_id.encode()) % len(self._lanes)
        self._lanes[lane].submit(self._send, lane, call_id, path, body, tag, seal)

    def _send(
        self,
        lane: int,
        call_id: str,
        path: str,
        body: dict[str, Any],
        tag: str | None,
        seal: list[str] | None = None,
    ) -> None:
        for wav in seal or ():
            try:
                encrypt_finished(Path(wav))  # <path>.enc when HOTLINE_RECORDING_KEY is set
            except Exception:
                log.exception("encrypting %s failed", wav)
        status, payload = 0, None
        for attempt in range(3):
            try:
                r = self._http[lane].post(path, json=body, headers=self._auth())
                if r.status_code == 401 and attempt == 0:
                    self.login()
                    continue
                if r.status_code == 503 and attempt < 2:  # database hiccup: the core says retry
                    time.sleep(0.2)
                    continue
                status = r.status_code
                payload = r.json() if r.content else None
                break
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("POST %s failed: %s", path, exc)
                time.sleep(0.2)
        if status >= 400 or status == 0:
            log.info("POST %s -> %s %s", path, status, payload)
        if tag is not None:
            self.inbox.put(CoreReply(call_id, tag, status, payload))

    def get(self, path: str) -> Any:
        r = self._http[0].get(path, headers=self._auth())
        r.raise_for_status()
        return r.json()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # ------------------------------------------------------------------ stream
    def _follow(self) -> None:
        """Follow `/api/stream`; on a drop, reconnect with `since` so nothing is missed."""
        ws_url = "ws" + self.url[len("http") :] + "/api/stream"
        last = 0
        while not self._stop.is_set():
            try:
                url = f"{ws_url}?token={quote(self.token or '')}&since={last}"
                with connect(url, open_timeout=10, close_timeout=1, max_size=None) as ws:
                    while not self._stop.is_set():
                        try:
                            msg = json.loads(ws.recv(timeout=1.0))
                        except TimeoutError:
                            continue
                        if msg.get("type") == "hello":
                            last = max(last, int(msg.get("seq") or 0))
                            self.connected.set()
                        elif msg.get("type") == "event":
                            last = max(last, int(msg["seq"]))
                            self.inbox.put(CoreFact(msg))
            except Exception as exc:  # network, auth expiry, server restart: retry
                if self._stop.is_set():
                    return
                log.warning("event stream lost (%s); reconnecting", exc)
                time.sleep(1.0)
                try:
                    self.login()
                except Exception:
                    log.warning("re-login failed; will retry")
