"""Page routes: every page needs the login cookie, and each checks the role it serves.

* no valid cookie -> 303 to `/login?next=<page>`;
* wrong role -> a 403 page (an agent never sees the wallboard or the admin console);
* `/` sends each role to its home page.

Static files are served by a plain route (not a mounted app) so that this router is the only
thing `create_app` has to include.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hotline import __version__
from hotline.store import User
from hotline.web.deps import COOKIE, SUPERVISORS
from hotline.web.edges.headers import PAGE_CSP
from hotline.web.security import token_hash
from hotline.web.ui import i18n

HERE = Path(__file__).parent
STATIC = HERE / "static"
VENDOR_FILES = ("alpine.min.js", "chart.umd.min.js")

router = APIRouter()
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}

HOME = {"agent": "/agent", "supervisor": "/wallboard", "admin": "/admin"}


def page_user(request: Request) -> User | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    return request.app.state.sessions.user(token_hash(token))


def home_of(user: User) -> str | None:
    return HOME.get(user.role)


def _lang(request: Request) -> str:
    return i18n.normalise(request.cookies.get(i18n.LANG_COOKIE))


@lru_cache(maxsize=64)
def _stamp(name: str, mtime: float) -> str:
    return f"{__version__}-{int(mtime)}"


def static_url(name: str) -> str:
    """`/ui/static/<name>?v=<version-mtime>` so browsers never run a stale script."""
    path = STATIC / name
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return f"/ui/static/{name}?v={_stamp(name, mtime)}"


def _nav(user: User | None) -> list[dict[str, str]]:
    if user is None:
        return []
    items = []
    if user.agent_id:
        items.append({"href": "/agent", "key": "nav.agent"})
    if user.role in SUPERVISORS:
        items.append({"href": "/wallboard", "key": "nav.wallboard"})
        items.append({"href": "/reports", "key": "nav.reports"})
        items.append({"href": "/alerts", "key": "nav.alerts"})
        items.append({"href": "/campaigns", "key": "nav.campaigns"})
        items.append({"href": "/kb", "key": "nav.kb"})
    if user.role == "admin":
        items.append({"href": "/admin", "key": "nav.admin"})
    return items


def render(
    request: Request, template: str, user: User | None, status_code: int = 200, **extra: Any
) -> Response:
    lang = _lang(request)
    service = getattr(request.app.state, "service", None)
    center, tz, agents = (
        service.read(lambda r: (r.config.name, r.config.timezone, r.config.agents))
        if service is not None
        else ("", "", ())
    )
    shown = user.display_name or user.username if user else ""
    if user is not None and user.agent_id:  # an agent is greeted by the name in the config
        shown = next((a.name for a in agents if a.id == user.agent_id), shown)
    context = {
        "lang": lang,
        "t": i18n.translator(lang),
        "strings": i18n.strings(lang),
        "user": user,
        "shown_name": shown,
        "nav": _nav(user),
        "path": request.url.path,
        "center": center,
        "timezone": tz,
        "static": static_url,
        "vendor_ok": all((STATIC / "vendor" / f).exists() for f in VENDOR_FILES),
        "version": __version__,
        **extra,
    }
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def softphone_origin(request: Request) -> str | None:
    """`wss://host:port` the registrar reported for browsers (`routes/phones.py`), or None."""
    info = getattr(request.app.state, "softphone", None)
    if not info:
        return None
    scheme, _, host = info["url"].split("/", 3)[:3]
    return f"{scheme}//{host}"


def _gate(request: Request, allowed: set[str] | None, needs_agent: bool = False):
    """The logged-in user, a redirect to the login page, or a 403 page."""
    user = page_user(request)
    if user is None:
        target = quote(request.url.path, safe="/")
        return None, RedirectResponse(f"/login?next={target}", status_code=303)
    ok = (allowed is None or user.role in allowed) and (not needs_agent or user.agent_id)
    if not ok:
        return user, render(request, "forbidden.html", user, status_code=403)
    return user, None


def _safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/", include_in_schema=False)
def root(request: Request) -> Response:
    user = page_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(user) or "/login?no_ui=1", status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None, no_ui: int = 0) -> Response:
    user = page_user(request)
    if user is not None and home_of(user) and not no_ui:
        return RedirectResponse(_safe_next(next) or home_of(user) or "/", status_code=303)
    return render(
        request,
        "login.html",
        None,
        next=_safe_next(next) or "",
        no_ui=bool(no_ui),
        homes=HOME,
    )


@router.get("/agent", include_in_schema=False)
def agent_page(request: Request) -> Response:
    user, refused = _gate(request, None, needs_agent=True)
    if refused:
        return refused
    response = render(request, "agent.html", user)
    origin = softphone_origin(request)
    if origin:  # the softphone's WebSocket goes to the registrar, not to this origin
        csp = PAGE_CSP.replace("connect-src 'self'", f"connect-src 'self' {origin}")
        response.headers["Content-Security-Policy"] = csp
    return response


@router.get("/wallboard", include_in_schema=False)
def wallboard_page(request: Request) -> Response:
    user, refused = _gate(request, set(SUPERVISORS))
    from hotline.kpi import field_definitions  # the KPI definitions, shown as tooltips

    return refused or render(
        request,
        "wallboard.html",
        user,
        kpi_help=field_definitions(),
        queue_kpi_help=field_definitions(threshold="each queue's own SL threshold"),
    )


@router.get("/reports", include_in_schema=False)
def reports_page(request: Request) -> Response:
    """The supervisor's reports: range, grain, filters, chart, table and downloads."""
    user, refused = _gate(request, set(SUPERVISORS))
    from hotline.kpi.aggregate_time import GRAINS

    return refused or render(request, "reports.html", user, grains=GRAINS)


@router.get("/alerts", include_in_schema=False)
def alerts_page(request: Request) -> Response:
    """The supervisor's alerts console: open alerts, the rules and their editor, history."""
    user, refused = _gate(request, set(SUPERVISORS))
    return refused or render(request, "alerts.html", user)


@router.get("/campaigns", include_in_schema=False)
def campaigns_page(request: Request) -> Response:
    """The supervisor's outbound campaigns: list with results, start / pause, a new SMS one."""
    user, refused = _gate(request, set(SUPERVISORS))
    return refused or render(request, "campaigns.html", user)


@router.get("/kb", include_in_schema=False)
def kb_page(request: Request) -> Response:
    """The KB editor: articles with versions and diff, error reports, templates, synonyms.
    Supervisors and admins edit everything (an article's owner edits it through the API)."""
    user, refused = _gate(request, set(SUPERVISORS))
    return refused or render(request, "kb.html", user)


@router.get("/admin", include_in_schema=False)
def admin_page(request: Request) -> Response:
    user, refused = _gate(request, {"admin"})
    return refused or render(request, "admin.html", user)


@router.get("/qa", include_in_schema=False)
def qa_review_page(request: Request) -> Response:
    """The QA review page: supervisors review everything, agents see and dispute their own
    (here with the other pages, so the QA routes need nothing from the UI package)."""
    user, refused = _gate(request, None)
    if refused is None and user.role not in SUPERVISORS and not user.agent_id:
        refused = render(request, "forbidden.html", user, status_code=403)
    return refused or render(request, "qa.html", user)


@router.get("/ui/static/{name:path}", include_in_schema=False)
def static_file(name: str) -> Response:
    path = (STATIC / name).resolve()
    if not path.is_file() or STATIC.resolve() not in path.parents:
        raise HTTPException(404, "no such file")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media = "text/javascript"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=86400"})
