"""Federation settings as frozen values: which peer centers exist and how load is shared.

Validation of the `federation:` block lives in `hotline.config`; the load-sharing decision in
`hotline.federation`. Here only already-valid values, so `CenterConfig` can carry them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PeerConfig:
    """One peer center we may hand contacts to (and accept contacts from).

    `queues` maps a local queue id to the peer's queue id. A waiting contact moves when the
    local estimated wait exceeds `ewt_over_s` (or it has waited `after_s`) and the peer's
    estimated wait for the mapped queue is below `peer_ewt_under_s`; never beyond `max_share`
    (live contacts we sent it per staffed agent of its queue, what the peer says it accepts).
    """

    name: str
    url: str
    username: str
    password: str = ""
    password_env: str | None = None  # read the password from this environment variable
    queues: Mapping[str, str] = field(default_factory=dict)
    ewt_over_s: float | None = 60.0
    after_s: float | None = None
    peer_ewt_under_s: float = 30.0
    max_share: float = 0.5
    #: the login on *this* center the peer signs in with; when set, only that login may speak
    #: for the peer (and it may speak for no other center), so one peer's credentials - or the
    #: voice gateway's `channel` login - cannot pose as another center
    inbound_username: str | None = None


@dataclass(frozen=True, slots=True)
class FederationConfig:
    """The `federation:` block; no peers = a standalone center (nothing runs)."""

    peers: tuple[PeerConfig, ...] = ()
    push_every_s: float = 2.0  # how often our load is pushed to every peer
    stale_after_s: float = 10.0  # a peer not heard from for this long is treated as down
    transfer_timeout_s: float = 5.0  # a transfer not answered in this time is refused
    accept_max_share: float = 0.5  # live contacts from peers per staffed agent we accept
    accept_max_ewt_s: float = 120.0  # refuse a transfer when our own wait is above this

    def peer(self, name: str) -> PeerConfig | None:
        return next((p for p in self.peers if p.name == name), None)

    def speaker_problem(self, center: str, login: str) -> str | None:
        """Why `login` may not speak for peer `center` (None: it may)."""
        peer = self.peer(center)
        if peer is None:
            return f"center {center!r} is not a configured peer"
        if peer.inbound_username is not None and peer.inbound_username != login:
            return f"login {login!r} may not speak for center {center!r}"
        bound = [p.name for p in self.peers if p.inbound_username == login and p.name != center]
        if bound:
            return f"login {login!r} speaks for center {bound[0]!r}, not {center!r}"
        return None


@dataclass(frozen=True, slots=True)
class EmergencyPlan:
    """A named plan (typhoon, outage…) one switch puts the whole center into.

    While on: `queues` replaces each named queue's overflow rules (e.g. callbacks only for a
    low-priority queue: `[{after_s: 0, target: callback}]`), `federation_ewt_over_s` makes
    contacts move to peers earlier, and `banner` is shown on every desk and the wallboard.
    """

    name: str
    banner: str
    queues: Mapping[str, tuple] = field(default_factory=dict)  # queue id -> OverflowRule tuple
    federation_ewt_over_s: float | None = None
