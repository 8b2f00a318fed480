"""Fixtures for the integration tests that need more than a database."""

from __future__ import annotations

import pytest

from .voice_rig import missing_peers


@pytest.fixture(scope="module")
def voice_peers(require_system) -> None:
    """The real-call tests' peers: a failure under CI=true, a loud skip elsewhere."""
    require_system("real SIP calls", missing_peers())
