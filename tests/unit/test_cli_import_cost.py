"""A CLI command's database default must not import the web app: `hotline kb search` spent
seconds importing FastAPI routes (and QA, chat, federation) before it searched anything."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from hotline.commands.options import database_url
database_url(None)
import hotline.kb.service
print(sorted(m for m in ("hotline.web.app", "fastapi", "pypinyin") if m in sys.modules))
"""


def test_the_database_default_and_the_kb_service_load_no_web_app_and_no_pinyin():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_web_package_still_gives_create_app_and_settings():
    import hotline.web

    assert hotline.web.create_app.__name__ == "create_app"
    assert hotline.web.Settings().database_url
