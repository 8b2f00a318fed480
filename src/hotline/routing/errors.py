"""Refusals: the router raises these *before* changing any state, so a refused event is a no-op."""


class RoutingError(Exception):
    """Base of all refusals; `reason` is a sentence meant for the person who asked."""

    status = 409

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IllegalTransition(RoutingError):
    """The event is not allowed in the current state (HTTP 409)."""


class UnknownEntity(RoutingError):
    """The contact, agent or queue named does not exist (HTTP 404)."""

    status = 404


class InvalidEvent(RoutingError):
    """The event itself is malformed, e.g. a duplicate contact id (HTTP 422)."""

    status = 422
