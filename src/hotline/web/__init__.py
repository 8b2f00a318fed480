"""The HTTP/WebSocket face of hotline: `create_app(settings)`.

`create_app` and `Settings` are loaded on first use (PEP 562): the CLI reads its database
default from `hotline.web.settings`, and importing the whole app for that cost every
`hotline kb search` or `hotline report` seconds before it did anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hotline.web.app import create_app
    from hotline.web.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from hotline.web.app import create_app

        return create_app
    if name == "Settings":
        from hotline.web.settings import Settings

        return Settings
    raise AttributeError(f"module 'hotline.web' has no attribute {name!r}")
