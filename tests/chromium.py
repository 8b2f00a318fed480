"""Where headless Chromium is and how every browser test and bench starts it: quiet (no
background networking, updates or sync), no sandbox (tests run as root in CI), and media that
plays without a user gesture. Callers add their own flags (fake microphone, certificates)."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
]
