"""The shell around the pure router: clock, persistence of every fact, live fan-out."""

from hotline.runtime.service import CenterService, Stats, Unavailable

__all__ = ["CenterService", "Stats", "Unavailable"]
