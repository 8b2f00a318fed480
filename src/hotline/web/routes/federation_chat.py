"""A chat handed to a peer goes on: messages are relayed between the two centers.

The customer's widget stays connected to the home center (A). The receiving center (B) keeps
a mirror session for the contact (channel `federated`, transcript carried), so its agent
desktop works as for any chat. Agent replies and notices written in B are sent to A and
appear in the customer's widget; the customer's messages in A are sent to B. When B's chat
ends, A's session ends too. Relaying happens on one background thread (`POST
/api/federation/messages` on the other side), so a slow peer never blocks a chat request.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from typing import Any

from hotline.channels.chat.service import ENDED, QUEUED
from hotline.services.federation import Federation
from hotline.services.federation_wire import PeerUnreachable
from hotline.store.kb import ChatMessageRec, ChatSessionRec

log = logging.getLogger(__name__)
RELAYED = frozenset({"agent", "system"})  # from B to A; "customer" goes from A to B


class ChatRelay:
    def __init__(self, channels: Any, fed: Federation) -> None:
        self.chat, self.store, self.fed = channels.chat, channels.chat_store, fed
        self._out: queue.SimpleQueue[tuple[str, dict[str, Any]] | None] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._run, name="federation-chat", daemon=True)
        self._worker.start()
        self.chat.listeners.append(self.on_message)

    def close(self) -> None:
        self._out.put(None)

    # ------------------------------------------------------------------ receiving center (B)
    def mirror(self, body: dict[str, Any]) -> None:
        """A local session for a transferred chat, holding the carried transcript."""
        now = self.fed.center.clock()
        rec = ChatSessionRec(
            id=secrets.token_hex(12),
            token_hash="-",  # no widget connects here; the customer is at the home center
            channel="federated",
            customer=body.get("customer") or f"peer:{body['from_center']}",
            language=body.get("language") or "zh-CN",
            queue=body["queue"],
            status=QUEUED,
            contact_id=body["contact_id"],
            agent_id=None,
            bot_outcome=None,
            created_at=now,
            updated_at=now,
            ended_at=None,
            data={"federated_from": body["from_center"]},
        )
        self.store.create_session(rec)
        for m in body.get("transcript", []):
            self.store.add_message(
                ChatMessageRec(
                    0,
                    rec.id,
                    float(m.get("at") or now),
                    str(m.get("sender", "?")),
                    str(m.get("kind", "text")),
                    str(m.get("body", "")),
                    data={"carried_from": body["from_center"]},
                )
            )

    # ------------------------------------------------------------------ both sides
    def on_message(self, rec: ChatSessionRec, msg: ChatMessageRec) -> None:
        if msg.data.get("relayed_from") or not rec.contact_id:
            return  # arrived from the peer: never echo it back
        origin = rec.data.get("federated_from")
        if origin and msg.sender in RELAYED:
            peer = origin  # B -> A: the agent's side reaches the customer
        elif not origin and msg.sender == "customer":
            peer = self.fed.handed_off.get(rec.contact_id)  # A -> B, once handed over
        else:
            return
        if peer:
            self._out.put(
                (
                    peer,
                    {
                        "from_center": self.fed.name,
                        "contact_id": rec.contact_id,
                        "sender": msg.sender,
                        "kind": msg.kind,
                        "body": msg.body,
                        "ended": rec.status == ENDED,
                    },
                )
            )

    def deliver(self, body: dict[str, Any]) -> bool:
        """A relayed message from a peer; False when no such conversation is shared with it."""
        rec = self.store.find_session(contact_id=body["contact_id"])
        origin = body["from_center"]
        if rec is None:
            return False
        mine = rec.data.get("federated_from") == origin  # B: the customer wrote at A
        theirs = self.fed.handed_off.get(body["contact_id"]) == origin  # A: B's agent wrote
        if not (mine or theirs) or rec.status == ENDED:
            return False
        self.chat._say(rec, body["sender"], body["body"], data={"relayed_from": origin})
        if theirs and body.get("ended"):
            self.chat._end(rec, rec.bot_outcome, f"ended at {origin}")
        return True

    def _run(self) -> None:
        while (item := self._out.get()) is not None:
            peer, payload = item
            try:
                self.fed._client(peer).post("/api/federation/messages", payload)
            except PeerUnreachable as exc:  # the peer's own copy stays; logged, not retried
                log.warning("chat relay to %s failed: %s", peer, exc)
            except Exception:
                log.exception("chat relay to %s failed", peer)
