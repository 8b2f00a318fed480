"""When does a waiting contact move to a peer, and may a peer's contact come in?

Send rule, per peer mapped for the contact's queue: my estimated wait is above the peer's
`ewt_over_s` (or the contact has waited `after_s`), the peer is not stale, its estimated wait
for the mapped queue is below `peer_ewt_under_s` (or it has a ready agent), and the live
contacts we have there stay within `max_share` per staffed agent. Among peers that qualify the
one with the shortest wait wins, ties by name, so the choice is deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotline.domain.federation import FederationConfig, PeerConfig
from hotline.federation.load import PeerBoard, QueueLoad


@dataclass(frozen=True, slots=True)
class Candidate:
    peer: str
    peer_queue: str
    peer_ewt_s: float


def triggered(peer: PeerConfig, my_ewt_s: float | None, waited_s: float) -> bool:
    """My side of the rule: is the local wait bad enough to look elsewhere?"""
    too_long = peer.ewt_over_s is not None and (my_ewt_s is None or my_ewt_s > peer.ewt_over_s)
    waited = peer.after_s is not None and waited_s >= peer.after_s
    return too_long or waited


def share_left(max_share: float, staffed: int, live_in: int) -> bool:
    """Room for one more contact from peers: live ones stay within max_share per agent."""
    return staffed > 0 and live_in + 1 <= math.floor(max_share * staffed + 1e-9)


def choose_peer(
    queue: str,
    my_ewt_s: float | None,
    waited_s: float,
    config: FederationConfig,
    board: PeerBoard,
    now: float,
    in_flight: dict[str, int] | None = None,
) -> Candidate | None:
    """The peer this contact should move to now, or None to keep it here.

    `in_flight` counts contacts already sent to a peer and not yet visible in its load report
    (sent since its last push), so one surge does not overshoot the share.
    """
    best: Candidate | None = None
    for peer in config.peers:
        target = peer.queues.get(queue)
        if target is None or not triggered(peer, my_ewt_s, waited_s):
            continue
        load = board.load(peer.name, now)
        q = load.queues.get(target) if load else None
        if q is None or not _peer_can_take(peer, q, (in_flight or {}).get(peer.name, 0)):
            continue
        ewt = 0.0 if q.ewt_s is None and q.ready else (q.ewt_s if q.ewt_s is not None else 0.0)
        if my_ewt_s is not None and ewt >= my_ewt_s:
            continue  # moving would not shorten the wait
        key = (ewt, peer.name)
        if best is None or key < (best.peer_ewt_s, best.peer):
            best = Candidate(peer.name, target, ewt)
    return best


def _peer_can_take(peer: PeerConfig, q: QueueLoad, in_flight: int) -> bool:
    if not share_left(peer.max_share, q.staffed, q.federated_in + in_flight):
        return False
    if q.ready > in_flight:
        return True
    return q.ewt_s is not None and q.ewt_s < peer.peer_ewt_under_s


def acceptance(config: FederationConfig, q: QueueLoad | None) -> str | None:
    """Why the receiving side refuses one more contact for this queue, or None to accept."""
    if q is None:
        return "no such queue here"
    if q.staffed == 0:
        return "no agent is logged in for this queue"
    if not share_left(config.accept_max_share, q.staffed, q.federated_in):
        return f"over the share we accept ({config.accept_max_share:g} per staffed agent)"
    if q.ready == 0 and q.ewt_s is not None and q.ewt_s > config.accept_max_ewt_s:
        return f"our own estimated wait {q.ewt_s:.0f} s is above {config.accept_max_ewt_s:g} s"
    return None
