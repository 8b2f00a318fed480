"""The sans-I/O routing engine (ACD). See `router.Router`."""

from hotline.routing.errors import IllegalTransition, InvalidEvent, RoutingError, UnknownEntity
from hotline.routing.router import Router

__all__ = ["IllegalTransition", "InvalidEvent", "Router", "RoutingError", "UnknownEntity"]
