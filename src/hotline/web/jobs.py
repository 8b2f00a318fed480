"""Where the background jobs run: a `hotline jobs` child of the server, separate, or inline.

`Settings.jobs` chooses (`hotline serve --jobs`):

* `child` (what `hotline serve` does by default): the server starts `hotline jobs` as a child
  process at a lower CPU priority (nice +10: on a busy machine the requests come first) once
  its store is open (migrations done), starts it again if it dies (after 1 s,
  doubling up to 30 s while it keeps dying at once) and stops it on shutdown. The child
  watches a pipe from the server and exits when it closes, so even a `kill -9` of the server
  does not leave it behind.
* `off`: the server runs no jobs; run `hotline jobs` yourself (another host, a systemd unit).
* `inline` (in-process test servers, embedding): the same `Jobs` on the server's event loop.

Only one jobs process runs per center (`hotline.store.jobs_lock`): a second one waits as a
standby and takes over when the first one's lock goes. The jobs' results reach the server
through the database: aggregates, alerts, report documents, QA results, purge audit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from typing import Literal

from hotline.services.jobs import JobIntervals, Jobs
from hotline.services.qa import max_workers
from hotline.store import Store, open_store
from hotline.store.db import is_sqlite
from hotline.store.jobs_lock import JobsLock
from hotline.web.routes.compliance import ComplianceSettings

log = logging.getLogger(__name__)
JobsMode = Literal["child", "off", "inline"]
QA_EVERY_ENV = "HOTLINE_QA_EVERY_S"
#: a SQLite batch's write holds the single write lock: small batches keep the commits flowing
SQLITE_CATCH_UP_BATCH = 500
STANDBY_POLL_S = 2.0  # a standby jobs process retries the lock this often
#: the child's niceness: batch work yields the CPU to the requests on a busy machine
CHILD_NICE = 10
EXIT_GRACE_S = 3.0  # a stopped jobs process waits this long for the round in progress


def intervals_from_env(database_url: str) -> JobIntervals:
    """`HOTLINE_QA_EVERY_S`, `HOTLINE_QA_WORKERS`, `HOTLINE_PURGE_EVERY_S` (0 = no purge)."""
    return JobIntervals(
        qa_s=float(os.environ.get(QA_EVERY_ENV, "5")),
        purge_s=ComplianceSettings().purge_every_s,
        qa_workers=max_workers(),
        catch_up_batch=SQLITE_CATCH_UP_BATCH if is_sqlite(database_url) else 5000,
    )


# ---------------------------------------------------------------------- the server's side
class JobsChild:
    """The server's `hotline jobs` child: started, restarted when it dies, stopped at the end."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.starts = 0  # processes started so far (the first one and every restart)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise())

    async def _supervise(self) -> None:
        backoff = 1.0
        while not self._stopping:
            started = time.monotonic()
            try:
                self._proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "hotline.cli", "jobs", "--watch-stdin",
                    "--nice", str(CHILD_NICE),
                    env={**os.environ, "HOTLINE_DATABASE_URL": self._url},
                    stdin=asyncio.subprocess.PIPE,
                )  # fmt: skip
                self.starts += 1
                code = await self._proc.wait()
            except Exception:
                log.exception("could not start the jobs process")
                code = None
            if self._stopping:
                return
            if time.monotonic() - started > 60:  # it ran for a while: a fresh failure
                backoff = 1.0
            log.warning("jobs process ended (exit %s); starting it again in %.0f s", code, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    async def stop(self, grace_s: float = 5.0) -> None:
        self._stopping = True
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), grace_s)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# ---------------------------------------------------------------------- the jobs process
def run_jobs_process(database_url: str, *, watch_stdin: bool = False, nice: int = 0) -> None:
    """`hotline jobs`: take the center's jobs lock (or wait as a standby), then run the jobs
    until SIGTERM/SIGINT - or, with `watch_stdin`, until the parent's pipe closes. `nice`
    lowers its CPU priority (the server's child runs at +10 beside the server)."""
    if nice:
        os.nice(nice)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: _stopping(stop))
    if watch_stdin:
        threading.Thread(target=_watch, args=(stop,), name="watch-parent", daemon=True).start()
    store = open_store(database_url)
    lock = JobsLock(store)
    standby = False
    try:
        while not stop.is_set():
            if lock.acquire():
                log.info("jobs process %d runs the background jobs", os.getpid())
                _run_while_held(store, lock, intervals_from_env(database_url), stop)
                standby = False
                continue
            if not standby:
                log.info("jobs process %d stands by: another one runs the jobs", os.getpid())
                standby = True
            stop.wait(STANDBY_POLL_S)
    finally:
        lock.release()
        store.close()


def _stopping(stop: threading.Event) -> None:
    """Stop after the round in progress - or, if that takes longer than `EXIT_GRACE_S` (a
    long transcription), exit anyway: every job commits atomically and resumes from the
    database (a claimed QA job is claimed again once its lease runs out)."""
    if not stop.is_set():
        stop.set()
        timer = threading.Timer(EXIT_GRACE_S, os._exit, args=(0,))
        timer.daemon = True
        timer.start()


def _watch(stop: threading.Event) -> None:
    """Block on stdin (the server's pipe); end of file means the server is gone."""
    with contextlib.suppress(Exception):
        sys.stdin.buffer.read()
    _stopping(stop)


def _run_while_held(store: Store, lock: JobsLock, iv: JobIntervals, stop: threading.Event) -> None:
    async def main() -> None:
        task = asyncio.create_task(Jobs(store, iv).run())
        ticks = 0
        while not task.done() and not stop.is_set():
            await asyncio.sleep(0.2)
            ticks += 1
            # every 5 s: PostgreSQL may have gone away with our session (and the lock)
            if ticks % 25 == 0 and not lock.held():
                log.warning("lost the jobs lock; stopping the jobs")
                break
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())
