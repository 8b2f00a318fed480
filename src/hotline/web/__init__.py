"""The HTTP/WebSocket face of hotline: `create_app(settings)`."""

from hotline.web.app import create_app
from hotline.web.settings import Settings

__all__ = ["Settings", "create_app"]
