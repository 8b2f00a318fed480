"""A voice media worker is one of ~100 processes on a node: what it imports is paid 100 times.
It once loaded libphonenumber's geocoding data through the IVR's models (100 MB each, 10 GB for
a 200-call pool) without ever geocoding a number."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import hotline.channels.sip.worker
heavy = ("phonenumbers.geocoder", "sqlalchemy", "fastapi", "pydantic", "httpx", "jieba")
print(sorted(m for m in heavy if m in sys.modules))
"""


def test_a_media_worker_loads_no_geodata_no_store_no_web_stack():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_geocoding_still_works_where_it_is_used():
    from hotline.domain.regions import province_of

    assert province_of("02088886666") == "Guangdong"
