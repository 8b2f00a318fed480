"""Federation use cases: push our load to peers, move waiting contacts to them, receive theirs.

Send side: every round, for each queue mapped to a peer, the waiting contacts (head of the line
first) are checked against `hotline.federation.choose_peer`. A chosen contact is offered to the
peer over its API *while it keeps waiting here*; only when the peer answers "accepted" is it
ended locally (`ContactHandedOff` -> `contact.overflowed` rule=federation, outcome
overflowed_out). A refusal, a timeout or a dead peer leaves it where it was - at the head of
the local line, nothing lost - and the peer is treated as down until it reports again. If a
local agent took the contact meanwhile (or the customer left), the peer is asked to withdraw it.

Receive side: a transfer is queued in the mapped queue with the caller's original wait kept
(`waited_s`, relative, so the two machines' clocks need not agree), refused over the share we
accept or without capacity, and recorded as `federation.transferred_in` with the transcript,
customer data, IVR path and predicted intent.

Voice: this path carries chats (and other non-voice contacts). A voice leg is meant to follow
the same payload: the gateway sends a SIP INVITE (or REFER) to the peer's gateway with the
contact id in an `X-Hotline-Contact` header; the peer's gateway matches it to the transfer
accepted here. Not built yet: voice contacts are never offered to peers.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from hotline.domain.enums import Channel, ContactStatus
from hotline.domain.federation import FederationConfig
from hotline.domain.records import EventRecord
from hotline.federation import (
    Candidate,
    CenterLoad,
    PeerBoard,
    SlWindow,
    acceptance,
    choose_peer,
)
from hotline.federation.live import load_of
from hotline.routing import Router, RoutingError
from hotline.routing import events as ev
from hotline.routing.snapshot import ContactSnapshot
from hotline.runtime import CenterService
from hotline.services.federation_wire import PeerClient, PeerUnreachable

log = logging.getLogger(__name__)
MOVABLE = frozenset({Channel.CHAT, Channel.EMAIL})  # voice moves through SIP (not yet)
STATS_WINDOW_S = 86_400.0


class Refused(Exception):
    """The receiving side will not take the contact; the text is the reason sent back."""


class Federation:
    def __init__(self, center: CenterService) -> None:
        self.center = center
        self.board = PeerBoard(self.config.stale_after_s)
        self.sl = SlWindow()
        self.extras: Callable[[ContactSnapshot], dict[str, Any]] = lambda _s: {}
        self._federated_in: dict[str, str] = {}  # live contact id -> the center it came from
        self.handed_off: dict[str, str] = {}  # contact id -> the peer now serving it (chat relay)
        self._clients: dict[str, PeerClient] = {}
        self._lock = threading.Lock()  # in-flight counters only; never held across a call
        # Serialises what peers ask of us (check, then queue). Not the center's read lock: the
        # router thread needs that one to apply the arrival we wait for.
        self._receiving = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self._sending: set[str] = set()
        self._restore()
        center.subscribe(self._on_records)

    @property
    def config(self) -> FederationConfig:
        return self.center.router.config.federation

    @property
    def name(self) -> str:
        return self.center.router.config.name

    def close(self) -> None:
        for c in self._clients.values():
            c.close()

    # ------------------------------------------------------------------ our load
    def local_load(self) -> CenterLoad:
        return self.center.read(self._load)  # type: ignore[return-value]

    def _load(self, r: Router) -> CenterLoad:
        return load_of(r, self.sl, self._federated_in, self.center.clock())

    def push(self) -> dict[str, str]:
        """Send our load to every peer; returns peer -> "ok" or the problem."""
        body, result = self.local_load().to_json(), {}
        for peer in self.config.peers:
            try:
                ans = self._client(peer.name).post("/api/federation/load", body)
                result[peer.name] = "ok" if ans.status < 300 else f"{ans.status} {ans.reason}"
            except PeerUnreachable as exc:
                result[peer.name] = str(exc)
        return result

    def _check_speaker(self, center: str, login: str | None) -> None:
        """PermissionError unless `login` may speak for peer `center` (None: trusted caller)."""
        if login is not None:
            problem = self.config.speaker_problem(center, login)
        elif self.config.peer(center) is None:
            problem = f"center {center!r} is not a configured peer"
        else:
            problem = None
        if problem:
            raise PermissionError(problem)

    def receive_load(self, body: dict[str, Any], login: str | None = None) -> None:
        """A peer's report (ValueError names a bad field; PermissionError: not our peer, or
        not the login bound to it)."""
        load = CenterLoad.from_json(body)
        self._check_speaker(load.center, login)
        self.board.stale_after_s = self.config.stale_after_s
        self.board.heard(load, self.center.clock())
        with self._lock:
            self._in_flight[load.center] = 0  # what we sent is in its report now

    # ------------------------------------------------------------------ send side
    def overflow_round(self) -> list[dict[str, Any]]:
        """Move what should move now; one result per attempted transfer."""
        cfg, results = self.config, []
        for queue in sorted({q for p in cfg.peers for q in p.queues}):
            for snap in self.center.read(lambda r, q=queue: self._movable(r, q)):  # type: ignore[union-attr]
                now = self.center.clock()
                ewt = self.center.read(lambda r, q=queue: r.estimated_wait(q))
                with self._lock:
                    flying = dict(self._in_flight)
                cand = choose_peer(queue, ewt, now - snap.enqueued_at, cfg, self.board, now, flying)
                if cand is not None:
                    results.append(self.transfer(snap, cand))
        return results

    def _movable(self, r: Router, queue: str) -> list[ContactSnapshot]:
        out = []
        for cid in r.waiting(queue):
            c = r.contact(cid)
            if c and c.channel in MOVABLE and cid not in self._federated_in:
                out.append(c)
        return [c for c in out if c.id not in self._sending]

    def transfer(self, snap: ContactSnapshot, cand: Candidate) -> dict[str, Any]:
        """Offer one waiting contact to a peer; end it here only once the peer accepted."""
        payload = self.payload(snap, cand.peer_queue)
        with self._lock:
            self._in_flight[cand.peer] += 1
            self._sending.add(snap.id)
        try:
            ans = self._client(cand.peer).post("/api/federation/transfers", payload)
        except PeerUnreachable as exc:
            self.board.forget(cand.peer)
            return self._refused(snap, cand, f"unreachable: {exc}")
        finally:
            with self._lock:
                self._sending.discard(snap.id)
        if ans.status >= 300:
            return self._refused(snap, cand, ans.reason)
        try:
            self.center.apply(ev.ContactHandedOff(snap.id, cand.peer))
        except RoutingError as exc:  # served here (or gone) meanwhile: take it back
            self._withdraw_at(cand.peer, snap.id, str(exc))
            return {"contact_id": snap.id, "peer": cand.peer, "moved": False, "reason": str(exc)}
        self.handed_off[snap.id] = cand.peer
        return {"contact_id": snap.id, "peer": cand.peer, "moved": True}

    def payload(self, snap: ContactSnapshot, peer_queue: str) -> dict[str, Any]:
        now = self.center.clock()
        ivr = [
            r.data for r in self.center.store.events_for_contact(snap.id) if r.kind == "voice.ivr"
        ]
        return {
            "from_center": self.name,
            "home_center": self.name,
            "contact_id": snap.id,
            "queue": peer_queue,
            "from_queue": snap.queue,
            "channel": snap.channel.value,
            "customer": snap.customer,
            "priority": snap.priority,
            "language": snap.language,
            "intent": snap.intent,
            "skills": dict(snap.skills),
            "waited_s": max(0.0, now - snap.enqueued_at),
            "ivr_path": ivr,
            "transcript": [],
            "voice": None,  # later: {"gateway": "sip:…", "header": "X-Hotline-Contact"}
        } | self.extras(snap)

    def _refused(self, snap: ContactSnapshot, cand: Candidate, reason: str) -> dict[str, Any]:
        with self._lock:
            self._in_flight[cand.peer] = max(0, self._in_flight[cand.peer] - 1)
        self.center.annotate(
            EventRecord(
                at=self.center.clock(),
                kind="federation.refused",
                contact_id=snap.id,
                queue=snap.queue,
                channel=snap.channel.value,
                data={"peer": cand.peer, "reason": reason[:300]},
            )
        )
        return {"contact_id": snap.id, "peer": cand.peer, "moved": False, "reason": reason}

    def _withdraw_at(self, peer: str, cid: str, why: str) -> None:
        try:
            self._client(peer).post(
                f"/api/federation/transfers/{cid}/withdraw", {"from_center": self.name}
            )
        except PeerUnreachable:
            log.warning("could not withdraw %s from %s (%s)", cid, peer, why)

    def client(self, peer: str) -> PeerClient:
        """The authenticated client for `peer` (PeerUnreachable when it is not configured)."""
        return self._client(peer)

    def _client(self, peer: str) -> PeerClient:
        client = self._clients.get(peer)
        cfg = self.config.peer(peer)
        if cfg is None:
            raise PeerUnreachable(f"{peer} is not a configured peer")
        if client is None or client.peer != cfg:
            client = self._clients[peer] = PeerClient(cfg, self.config.transfer_timeout_s)
        return client

    # ------------------------------------------------------------------ receive side
    def receive_transfer(self, body: dict[str, Any], login: str | None = None) -> dict[str, Any]:
        """Queue a peer's contact keeping its wait; Refused(reason) / PermissionError."""
        self._check_speaker(body["from_center"], login)
        with self._receiving:
            return self._receive(body)

    def _receive(self, body: dict[str, Any]) -> dict[str, Any]:
        origin, cid, queue = body["from_center"], body["contact_id"], body["queue"]
        if self._federated_in.get(cid) == origin:  # a retry of a transfer we already took
            return self._accepted(cid, queue)
        if Channel(body["channel"]) not in MOVABLE:
            raise Refused(f"channel {body['channel']} does not move through the API")
        if self.center.read(lambda r: r.contact(cid)) or self.center.store.contact(cid):
            raise Refused(f"contact {cid} already exists here")
        reason = acceptance(self.config, self.local_load().queues.get(queue))
        if reason:
            raise Refused(reason)
        self.center.apply(
            ev.ContactArrived(
                contact_id=cid,
                queue=queue,
                channel=Channel(body["channel"]),
                customer=body.get("customer"),
                priority=body.get("priority", 0),
                language=body.get("language"),
                intent=body.get("intent"),
                skills=tuple(sorted(body.get("skills", {}).items())),
                waited_s=body["waited_s"],
            )
        )
        self._federated_in[cid] = origin
        data = {k: v for k, v in body.items() if k not in ("contact_id", "queue", "channel")}
        self.center.annotate(
            EventRecord(
                at=self.center.clock(),
                kind="federation.transferred_in",
                contact_id=cid,
                queue=queue,
                channel=body["channel"],
                data=data,
            )
        )
        return self._accepted(cid, queue)

    def _accepted(self, cid: str, queue: str) -> dict[str, Any]:
        ewt = self.center.router.estimated_wait(queue, cid)
        return {"accepted": True, "contact_id": cid, "queue": queue, "estimated_wait_s": ewt}

    def withdraw(self, cid: str, origin: str, login: str | None = None) -> None:
        """The sender served the contact itself meanwhile: end our copy, back to its home."""
        self._check_speaker(origin, login)
        with self._receiving:
            if self._federated_in.get(cid) != origin:
                raise Refused(f"contact {cid} did not come from {origin}")
            c = self.center.read(lambda r: r.contact(cid))
            if c is None or c.status is not ContactStatus.QUEUED:
                raise Refused(f"contact {cid} is no longer waiting here")
            self.center.apply(ev.ContactHandedOff(cid, origin))
            self.center.annotate(
                EventRecord(
                    at=self.center.clock(),
                    kind="federation.withdrawn",
                    contact_id=cid,
                    queue=c.queue,
                    data={"from_center": origin},
                )
            )

    # ------------------------------------------------------------------ facts and counts
    def _on_records(self, records: list[EventRecord]) -> None:
        """Runs under the center's lock: keep the SL window and the live transfers-in."""
        cfg = self.center.router.config
        for r in records:
            if r.kind == "contact.answered" and r.queue:
                threshold = next((q.sl_threshold_s for q in cfg.queues if q.id == r.queue), 20)
                self.sl.answered(r.queue, r.at, r.data.get("wait_s", 0.0), threshold)
            elif r.kind == "contact.ended":
                if r.data.get("outcome") == "abandoned" and r.queue:
                    self.sl.abandoned(r.queue, r.at)
                self._federated_in.pop(r.contact_id or "", None)

    def _restore(self) -> None:
        """After a restart: which live contacts came from peers (from the stored facts)."""
        now = self.center.clock()
        live = {c.id for c in self.center.store.live_contacts()}
        for r in self.center.store.events_for_range(now - STATS_WINDOW_S, now + 1):
            if r.kind == "federation.transferred_in" and r.contact_id in live:
                self._federated_in[r.contact_id] = r.data.get("from_center", "")
            elif r.kind == "contact.overflowed" and r.data.get("rule") == "federation":
                self.handed_off[r.contact_id or ""] = r.data["to_center"]

    def stats(self, window_s: float = STATS_WINDOW_S) -> dict[str, dict[str, Any]]:
        """Per peer: overflowed out / in, refused, answered for others and their SL."""
        now, cfg = self.center.clock(), self.center.router.config
        thresholds = {q.id: q.sl_threshold_s for q in cfg.queues}
        per: dict[str, Counter[str]] = {}
        came_from: dict[str, str] = {}
        for r in self.center.store.events_for_range(now - window_s, now + 1):
            d = r.data
            if r.kind == "contact.overflowed" and d.get("rule") == "federation":
                per.setdefault(d["to_center"], Counter())["out"] += 1
            elif r.kind == "federation.transferred_in":
                came_from[r.contact_id or ""] = d.get("from_center", "")
                per.setdefault(d.get("from_center", ""), Counter())["in"] += 1
            elif r.kind == "federation.refused":
                per.setdefault(d.get("peer", ""), Counter())["refused"] += 1
            elif r.kind == "contact.answered" and r.contact_id in came_from:
                c = per[came_from[r.contact_id]]
                c["answered_in"] += 1
                c["answered_in_sl"] += d.get("wait_s", 0.0) <= thresholds.get(r.queue or "", 20)
        return {
            p: {
                "out": c["out"],
                "in": c["in"],
                "refused": c["refused"],
                "answered_in": c["answered_in"],
                "sl_in": c["answered_in_sl"] / c["answered_in"] if c["answered_in"] else None,
            }
            for p, c in sorted(per.items())
        }
