"""The agent state machine as one table: every legal move, and the reason a move is refused."""

from __future__ import annotations

from hotline.domain.enums import AgentState as S
from hotline.routing.errors import IllegalTransition

ALLOWED: dict[S, frozenset[S]] = {
    S.OFFLINE: frozenset({S.AVAILABLE, S.NOT_READY}),
    S.AVAILABLE: frozenset({S.NOT_READY, S.RESERVED, S.OFFLINE}),
    S.NOT_READY: frozenset({S.AVAILABLE, S.OFFLINE}),
    # A reserved agent accepts (busy), loses the offer to an abandon (available) or lets it ring
    # out / declines (not ready).
    S.RESERVED: frozenset({S.BUSY, S.AVAILABLE, S.NOT_READY}),
    # Busy ends in after-call work, straight to available (no wrap-up configured), in the
    # not-ready reason asked for during the contact, or reserved when the last chat ends while
    # the next chat offer is still ringing.
    S.BUSY: frozenset({S.WRAP_UP, S.AVAILABLE, S.NOT_READY, S.RESERVED}),
    S.WRAP_UP: frozenset({S.AVAILABLE, S.NOT_READY, S.OFFLINE}),
}

_WHY: dict[tuple[S, S], str] = {
    (S.OFFLINE, S.OFFLINE): "agent is already logged out",
    (S.BUSY, S.OFFLINE): "agent is busy with a contact; finish it before logging out",
    (S.RESERVED, S.OFFLINE): "agent has an offer pending; accept or decline it first",
    (S.NOT_READY, S.RESERVED): "agent is not ready",
    (S.OFFLINE, S.RESERVED): "agent is logged out",
    (S.OFFLINE, S.NOT_READY): "agent is logged out; log in first",
}


def check(current: S, target: S) -> None:
    """Raise `IllegalTransition` with a human reason unless current -> target is legal."""
    if target in ALLOWED[current]:
        return
    reason = _WHY.get((current, target), f"agent cannot go from {current} to {target}")
    raise IllegalTransition(reason)
