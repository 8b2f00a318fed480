"""The shell around the pure router: clock, persistence of every fact, live fan-out."""

from hotline.runtime.commands import Accept, Arrive, Finish
from hotline.runtime.service import CenterService, Stats, Unavailable

__all__ = ["Accept", "Arrive", "CenterService", "Finish", "Stats", "Unavailable"]
