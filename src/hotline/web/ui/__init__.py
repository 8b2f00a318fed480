"""The browser UI: login, agent desktop, supervisor wallboard and admin console.

Server-rendered pages (Jinja2) with small, well-known libraries served from `static/vendor/`
(Alpine.js for the screens' behaviour, Chart.js for the wallboard charts), fetched by
`scripts/ui-assets.sh` from the npm registry - no Node build step. The pages talk to the JSON
API and the `/api/stream` WebSocket with the login cookie; the few read-only endpoints the
screens need are `hotline.web.routes.ui_data` (mounted by `create_app`, so that the UI package
imports no route module: routes may use the UI's translations without an import cycle).
"""

from hotline.web.ui.pages import router

__all__ = ["router"]
