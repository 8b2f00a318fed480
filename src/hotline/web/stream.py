"""Push stored facts to browsers over a WebSocket, with resync by sequence number.

Every fact carries the store's `seq`. A client connects with `?since=<last seq it saw>`; the
server first subscribes it to live facts (buffered), then replays what it missed from the
database, then forwards the buffer, skipping anything already sent - so a reconnecting client
never misses or duplicates a fact and nobody needs to reload a page to see a waiting contact.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from hotline.domain.records import EventRecord
from hotline.runtime import CenterService
from hotline.store import User
from hotline.web.deps import COOKIE, SUPERVISORS
from hotline.web.routes.views import event_view
from hotline.web.security import token_hash

router = APIRouter(tags=["stream"])
EVERYTHING = SUPERVISORS | {"channel"}
CLIENT_BUFFER = 10_000  # a client this far behind is dropped; it reconnects and resyncs
# Center-wide notices every agent must see at once (the emergency banner on each desktop); they
# name no agent, so the per-agent index alone would deliver them to nobody.
FOR_EVERY_AGENT = frozenset({"emergency.on", "emergency.off"})
Inbox = asyncio.Queue  # of list[EventRecord] | None (None = close)


class Broadcaster:
    """Bridges the service's worker-thread callbacks to asyncio client queues.

    Clients are indexed by what they may see: supervisors get every fact, an agent only the
    facts naming them. Fan-out therefore costs one queue put per interested client, not one
    wake-up per connected browser (200 agents would otherwise wake 200 tasks per fact).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.everything: set[Inbox] = set()
        self.by_agent: dict[str, set[Inbox]] = {}

    def add(self, user: User, inbox: Inbox) -> None:
        if user.role in EVERYTHING:
            self.everything.add(inbox)
        elif user.agent_id:
            self.by_agent.setdefault(user.agent_id, set()).add(inbox)

    def remove(self, inbox: Inbox) -> None:
        self.everything.discard(inbox)
        for inboxes in self.by_agent.values():
            inboxes.discard(inbox)

    def close_all(self) -> None:
        for inbox in [*self.everything, *(i for s in self.by_agent.values() for i in s)]:
            inbox.put_nowait(None)

    def publish(self, records: list[EventRecord]) -> None:
        """Called from any thread by `CenterService` after a commit."""
        self.loop.call_soon_threadsafe(self._fanout, records)

    def _fanout(self, records: list[EventRecord]) -> None:
        targets: dict[Inbox, list[EventRecord]] = {q: records for q in self.everything}
        for r in records:
            if r.kind in FOR_EVERY_AGENT:
                for inboxes in self.by_agent.values():
                    for q in inboxes:
                        targets.setdefault(q, []).append(r)
                continue
            for q in self.by_agent.get(r.agent_id or "", ()):
                targets.setdefault(q, []).append(r)
        for q, batch in targets.items():
            if q.qsize() >= CLIENT_BUFFER:
                self.remove(q)
                q.put_nowait(None)  # tell the sender to close: the client will resync
            else:
                q.put_nowait(batch)


def visible(user: User, r: EventRecord) -> bool:
    """Supervisors and channel adapters (which must ring agents' phones and hang up calls)
    see the whole center; an agent sees facts about themself, and the center-wide notices."""
    if user.role in EVERYTHING or r.kind in FOR_EVERY_AGENT:
        return True
    return r.agent_id is not None and r.agent_id == user.agent_id


@router.websocket("/api/stream")
async def stream(ws: WebSocket, since: int = 0) -> None:
    service: CenterService = ws.app.state.service
    broadcaster: Broadcaster = ws.app.state.broadcaster
    token = ws.query_params.get("token") or ws.cookies.get(COOKIE)
    user = await ws.app.state.sessions.user_async(token_hash(token)) if token else None
    if user is None:
        await ws.close(code=4401, reason="not logged in")
        return
    await ws.accept()
    queue: Inbox = asyncio.Queue()
    broadcaster.add(user, queue)
    watcher = asyncio.create_task(_close_on_disconnect(ws, queue))
    try:
        last = await _replay(ws, service, user, since, ws.app.state.settings.stream_backlog)
        while (batch := await queue.get()) is not None:
            for r in batch:
                if r.seq > last and visible(user, r):
                    await ws.send_json({"type": "event", **event_view(r)})
                last = max(last, r.seq)
    except WebSocketDisconnect:
        pass
    finally:
        watcher.cancel()
        broadcaster.remove(queue)
        with contextlib.suppress(Exception):
            await ws.close()


async def _close_on_disconnect(ws: WebSocket, queue: Inbox) -> None:
    """Read (and ignore) what the client sends, so a browser that leaves is noticed at once
    instead of at the next fact: the sender stops and the client is unregistered."""
    with contextlib.suppress(Exception):
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
    queue.put_nowait(None)


async def _replay(
    ws: WebSocket, service: CenterService, user: User, since: int, backlog: int
) -> int:
    """Send what the client missed; if too much, tell it to reload its snapshot instead."""
    head = await asyncio.to_thread(service.store.last_event_seq)
    hello: dict[str, Any] = {
        "type": "hello",
        "seq": head,
        "role": user.role,
        "agent_id": user.agent_id,
    }
    if since <= 0 or head - since > backlog:
        hello["resync"] = since > 0  # client must re-read state through the REST endpoints
        await ws.send_json(hello)
        return head
    await ws.send_json(hello)
    missed = await asyncio.to_thread(service.store.events, since, head - since)
    last = since
    for r in missed:
        if visible(user, r):
            await ws.send_json({"type": "event", **event_view(r)})
        last = r.seq
    return max(last, since)
