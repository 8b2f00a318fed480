"""Login brute-force protection: lockout per user name, rate limit per client address, and a
bounded pool for argon2 so a flood of logins cannot starve the rest of the API.

Rules (defaults in `Settings`, `HOTLINE_LOGIN_*`):

* **Per user name** — `login_max_failures` wrong passwords within `login_window_s` lock the
  name for `login_lockout_s` (answer 423 with `Retry-After`); an admin lifts it early
  (`POST /api/admin/users/{id}/unlock`, `hotline user unlock NAME`). A name that does not exist
  is counted and locked the same way, so neither the answer nor the lockout tells which names
  are valid. Counters live in the database (`login_failures`): a restart does not reset them
  and every server process sees the same count.
* **Per client address** — more than `login_address_failures` failures from one address within
  `login_address_window_s` answer 429 with `Retry-After` before any password is checked (this
  catches one address spraying many names). Kept in memory: a restart forgets it, and with
  several processes each counts its own share (the per-name lockout is the durable limit).
  The address is the TCP peer; behind a reverse proxy run uvicorn with `--proxy-headers` and
  `--forwarded-allow-ips` so it is the client's.
* **Constant time** — an unknown name is checked against a dummy hash with the same argon2
  parameters, so it takes as long as a known one.
* **Off the event loop, capped** — the whole attempt (lookups, argon2, counting) runs in a
  dedicated pool of `login_hash_workers` threads. argon2 is CPU-bound and uses several lanes
  per hash, so running it in FastAPI's 40-thread pool let 48 parallel wrong logins take every
  core and every worker thread (another endpoint went from 17 ms to 4.5 s). A semaphore
  admits at most `login_hash_queue` waiting attempts; beyond that the answer is 503 with
  `Retry-After: 1`.

Failures (`login_failed`), lockouts (`login_locked`) and unlocks (`unlock_user`) are audited.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from fastapi import FastAPI

from hotline.passwords import verify_password, verify_unknown
from hotline.store import Store, User
from hotline.web.settings import Settings

T = TypeVar("T")
MAX_ADDRESSES = 100_000  # memory bound for the per-address table
PURGE_EVERY_S = 600.0


class Busy(Exception):
    """Too many logins are already waiting for a password check."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a login attempt came to: `ok` (with the user), `failed`, or `locked`."""

    result: str
    user: User | None = None
    retry_after_s: float = 0.0
    failures: int = 0


class AddressLimiter:
    """Failed logins per client address in a sliding window (in memory, thread-safe)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str, now: float) -> float | None:
        """Seconds until `address` may try again, or `None` when it may now."""
        with self._lock:
            times = self._seen.get(address)
            if times is None:
                return None
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if not times:
                del self._seen[address]
                return None
            if len(times) < self.limit:
                return None
            return times[0] + self.window_s - now

    def failed(self, address: str, now: float) -> None:
        with self._lock:
            if address not in self._seen and len(self._seen) >= MAX_ADDRESSES:
                self._seen.clear()  # crude but bounded; the per-name lockout still holds
            times = self._seen.setdefault(address, deque())
            times.append(now)
            while len(times) > self.limit:
                times.popleft()

    def forget(self, address: str) -> None:
        with self._lock:
            self._seen.pop(address, None)


class HashPool:
    """A few worker threads for password checks, behind a bounded admission count."""

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers or max(1, (os.cpu_count() or 2) // 2)
        self.capacity = self.workers + queue
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="login-argon2")
        self._admitted = 0
        self._lock = threading.Lock()
        self._slots: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Semaphore]] = {}

    async def run(self, fn: Callable[[], T]) -> T:
        with self._lock:
            if self._admitted >= self.capacity:
                raise Busy
            self._admitted += 1
        try:
            loop = asyncio.get_running_loop()
            # One semaphore per event loop (a semaphore belongs to the loop it first waits
            # on); the loop is kept with it so its id cannot be reused by another loop.
            _loop, slots = self._slots.setdefault(id(loop), (loop, asyncio.Semaphore(self.workers)))
            async with slots:
                return await loop.run_in_executor(self._pool, fn)
        finally:
            with self._lock:
                self._admitted -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class LoginGuard:
    """Decides one login attempt: lockout check, password check, counting, audit."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], float]) -> None:
        self.store, self.settings, self.clock = store, settings, clock
        self.addresses = AddressLimiter(
            settings.login_address_failures, settings.login_address_window_s
        )
        self.pool = HashPool(settings.login_hash_workers, settings.login_hash_queue)
        self._purged_at = 0.0

    def address_wait(self, address: str) -> float | None:
        return self.addresses.retry_after(address, self.clock())

    async def attempt(self, username: str, password: str, address: str) -> Outcome:
        """Raises `Busy` when the pool is full; otherwise the outcome (already audited)."""
        outcome = await self.pool.run(lambda: self._attempt(username, password, address))
        if outcome.result != "ok":
            self.addresses.failed(address, self.clock())
        return outcome

    def _attempt(self, username: str, password: str, address: str) -> Outcome:
        s, store, now = self.settings, self.store, self.clock()
        lock = store.login_lock(username)
        if lock is not None and lock.locked(now):
            return Outcome("locked", retry_after_s=_wait(lock.locked_until, now))
        user = store.user_by_name(username)
        ok = verify_password(user.password_hash, password) if user else verify_unknown(password)
        if ok and user is not None and user.active:
            if lock is not None:
                store.clear_login_failures(username)
            return Outcome("ok", user)
        now = self.clock()
        lock = store.record_login_failure(
            username,
            now,
            window_s=s.login_window_s,
            max_failures=s.login_max_failures,
            lockout_s=s.login_lockout_s,
        )
        data = {"address": address, "failures": lock.failures, "known": user is not None}
        store.audit(username, "login_failed", f"user:{username}", data, at=now)
        self._purge(now)
        if lock.locked(now):
            if lock.failures == s.login_max_failures:  # this attempt locked it
                data = {"address": address, "until": lock.locked_until}
                store.audit(username, "login_locked", f"user:{username}", data, at=now)
            return Outcome("locked", retry_after_s=_wait(lock.locked_until, now))
        return Outcome("failed", failures=lock.failures)

    def unlock(self, username: str, by: str) -> bool:
        """Lift a name's lockout (and forget its failures); audited. True if it had any."""
        had = self.store.clear_login_failures(username)
        self.store.audit(by, "unlock_user", f"user:{username}", {"had_failures": had})
        return had

    def _purge(self, now: float) -> None:
        if now - self._purged_at < PURGE_EVERY_S:
            return
        self._purged_at = now
        keep = max(self.settings.login_window_s, self.settings.login_lockout_s)
        self.store.purge_login_failures(now - keep)

    def close(self) -> None:
        self.pool.close()


def _wait(until: float | None, now: float) -> float:
    return max(1.0, math.ceil((until or now) - now))


_build = threading.Lock()


def login_guard(app: FastAPI) -> LoginGuard:
    """The app's guard, built on first use from its service and settings."""
    guard = getattr(app.state, "login_guard", None)
    if guard is None or guard.store is not app.state.service.store:
        with _build:
            guard = getattr(app.state, "login_guard", None)
            if guard is None or guard.store is not app.state.service.store:
                if guard is not None:
                    guard.close()  # the app was started again with a new store
                service = app.state.service
                settings = app.state.settings
                guard = LoginGuard(service.store, settings, getattr(service, "clock", time.time))
                app.state.login_guard = guard
    return guard
