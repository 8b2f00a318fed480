"""Who may call what: every route of the app against an explicit access table, for every role.

The routes are read from the app itself (`iter_route_contexts(app.routes)`, the way FastAPI
builds its own OpenAPI document, pages and the WebSocket included), and the table below must
name every one of them: a new route without a rule fails `test_every_route_has_an_access_rule`
until someone decides who may call it.

For each route and each login - anonymous, agent, supervisor, admin, channel (the adapters'
service account) and team (an outside team) - the answer must be:

* anonymous: 401 (pages: a 303 to the login page; the stream: close code 4401), except on the
  public allow-list (login, health, the OpenAPI document, static files, the chat widget whose
  chats are reached by their own token, the WeChat webhook that checks its signature);
* a role the rule does not admit: 403;
* a role it admits: anything but 401/403 (the probe's placeholder ids and empty bodies give
  404/422 - the role gate passed, which is what this test is about).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Route
from starlette.websockets import WebSocketDisconnect

from .api_client import login, running_app

AGENT, SUPERVISOR, ADMIN, CHANNEL, TEAM = "agent", "supervisor", "admin", "channel", "team"
ROLES = (AGENT, SUPERVISOR, ADMIN, CHANNEL, TEAM)
PUBLIC = "public"  # no login needed (the route guards itself, or there is nothing to guard)
PAGE = "page"  # HTML page: anonymous is sent to the login page

SUPERVISORS = frozenset({SUPERVISOR, ADMIN})
STAFF = SUPERVISORS | {AGENT}
CORE = STAFF | {CHANNEL}  # every core endpoint refuses outside-team logins
ORDERS = CORE | {TEAM}  # the work-order API: scope is checked per order by the service
CREATORS = SUPERVISORS | {CHANNEL}  # channel adapters create and end contacts
ANY_LOGIN = frozenset(ROLES)
AGENT_LINKED = frozenset({AGENT})  # `/me` routes need a login linked to an agent
ONLY_ADMIN = frozenset({ADMIN})

RULES: dict[tuple[str, str], Any] = {
    # framework and public surface
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/api/health"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC,
    ("GET", "/ui/static/{name:path}"): PUBLIC,
    ("GET", "/chat/widget.js"): PUBLIC,
    ("GET", "/chat/demo"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    # the chat widget: a chat is reached with its own X-Chat-Token, never a login
    ("OPTIONS", "/api/chat/sessions{rest:path}"): PUBLIC,
    ("OPTIONS", "/api/chat/sessions"): PUBLIC,
    ("POST", "/api/chat/sessions"): PUBLIC,
    ("GET", "/api/chat/sessions/{session_id}/messages"): PUBLIC,
    ("POST", "/api/chat/sessions/{session_id}/messages"): PUBLIC,
    ("POST", "/api/chat/sessions/{session_id}/survey"): PUBLIC,  # the widget's chat token
    ("POST", "/api/chat/sessions/{session_id}/images"): PUBLIC,
    ("GET", "/api/chat/sessions/{session_id}/media/{media_id}"): PUBLIC,
    ("POST", "/api/chat/sessions/{session_id}/agent"): PUBLIC,
    ("POST", "/api/chat/sessions/{session_id}/feedback"): PUBLIC,
    ("POST", "/api/chat/sessions/{session_id}/close"): PUBLIC,
    # WeChat calls us; the request is authenticated by its signature
    ("GET", "/api/wechat/webhook"): PUBLIC,
    ("POST", "/api/wechat/webhook"): PUBLIC,
    # pages (role checks in the page; the data behind them is checked by the API)
    ("GET", "/"): (PAGE, ANY_LOGIN),
    ("GET", "/agent"): (PAGE, AGENT_LINKED),
    ("GET", "/wallboard"): (PAGE, SUPERVISORS),
    ("GET", "/admin"): (PAGE, ONLY_ADMIN),
    ("GET", "/reports"): (PAGE, SUPERVISORS),
    ("GET", "/alerts"): (PAGE, SUPERVISORS),
    ("GET", "/campaigns"): (PAGE, SUPERVISORS),
    ("GET", "/kb"): (PAGE, SUPERVISORS),
    # live stream (WebSocket): any login; what each login sees is filtered per event
    ("WS", "/api/stream"): ANY_LOGIN,
    # auth
    ("POST", "/api/auth/logout"): ANY_LOGIN,
    ("GET", "/api/auth/me"): ANY_LOGIN,
    # contacts
    ("POST", "/api/contacts"): CREATORS,
    ("GET", "/api/contacts"): STAFF,  # a channel account creates contacts, never lists them
    # (the probe's contact waits in a queue, offered to nobody: an agent may not see it)
    ("GET", "/api/contacts/{contact_id}"): SUPERVISORS,
    ("GET", "/api/contacts/{contact_id}/events"): SUPERVISORS,
    ("POST", "/api/contacts/{contact_id}/reveal"): SUPERVISORS,
    ("POST", "/api/contacts/{contact_id}/accept"): AGENT_LINKED,  # the agent offered it
    ("POST", "/api/contacts/{contact_id}/decline"): AGENT_LINKED,
    ("POST", "/api/contacts/{contact_id}/complete"): AGENT_LINKED,
    ("POST", "/api/contacts/{contact_id}/note"): SUPERVISORS,
    ("POST", "/api/contacts/{contact_id}/hold"): AGENT_LINKED,
    ("POST", "/api/contacts/{contact_id}/resume"): AGENT_LINKED,
    ("POST", "/api/contacts/{contact_id}/transfer"): AGENT_LINKED,  # the handling agent
    ("POST", "/api/contacts/{contact_id}/leave"): CREATORS,
    ("POST", "/api/contacts/{contact_id}/move"): SUPERVISORS,
    ("POST", "/api/contacts/{contact_id}/green"): SUPERVISORS,
    # agents
    ("GET", "/api/agents"): SUPERVISORS,
    ("GET", "/api/agents/me"): AGENT_LINKED,
    ("POST", "/api/agents/me/state"): AGENT_LINKED,
    ("POST", "/api/agents/me/wrap-up-done"): AGENT_LINKED,
    ("POST", "/api/agents/{agent_id}/state"): SUPERVISORS,  # another agent's state
    # queues, KPIs
    ("GET", "/api/queues"): CORE,
    ("GET", "/api/queues/{queue_id}/waiting"): STAFF,
    ("GET", "/api/kpis"): SUPERVISORS,
    # admin
    ("GET", "/api/admin/config"): ONLY_ADMIN,
    ("PUT", "/api/admin/config"): ONLY_ADMIN,
    ("GET", "/api/admin/users"): ONLY_ADMIN,
    ("POST", "/api/admin/users"): ONLY_ADMIN,
    ("PATCH", "/api/admin/users/{user_id}"): ONLY_ADMIN,
    ("POST", "/api/admin/users/{user_id}/unlock"): ONLY_ADMIN,
    ("GET", "/api/admin/phones"): ONLY_ADMIN,
    ("PUT", "/api/admin/phones/{agent_id}"): ONLY_ADMIN,
    ("DELETE", "/api/admin/phones/{agent_id}"): ONLY_ADMIN,
    ("GET", "/api/voice/phones/credentials"): frozenset({CHANNEL}),
    ("POST", "/api/voice/phones/registrations"): frozenset({CHANNEL}),
    ("POST", "/api/agents/me/softphone"): AGENT_LINKED,  # the agent's own SIP HA1
    # work orders
    ("POST", "/api/tickets"): ORDERS,
    ("GET", "/api/tickets"): ORDERS - {CHANNEL},
    ("GET", "/api/tickets/at-risk"): SUPERVISORS,
    ("GET", "/api/tickets/kpis"): SUPERVISORS,
    ("GET", "/api/tickets/config"): SUPERVISORS,
    ("PUT", "/api/tickets/config"): ONLY_ADMIN,
    # (the probe's order was created by the supervisor and given to nobody: agents, the
    # channel and the team may not see or move it; the service checks each order)
    ("GET", "/api/tickets/{order_id}"): SUPERVISORS,
    ("GET", "/api/tickets/{order_id}/events"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/reveal"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/assign"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/dispatch"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/accept"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/progress"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/wait"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/resume"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/resolve"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/answer"): CREATORS,  # the channel relays the customer
    ("POST", "/api/tickets/{order_id}/close"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/cancel"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/priority"): SUPERVISORS,
    ("POST", "/api/tickets/{order_id}/contacts"): SUPERVISORS,  # agents: their own contacts
    # teams
    ("GET", "/api/teams"): STAFF,
    ("POST", "/api/teams"): SUPERVISORS,
    ("POST", "/api/teams/{team_id}/members"): SUPERVISORS,
    ("GET", "/api/teams/me/queue"): frozenset({TEAM}),  # logins that belong to a team
    ("GET", "/api/teams/{team_id}/queue"): SUPERVISORS | {TEAM},  # the team's own members
    # surveys
    ("POST", "/api/surveys/offers"): CREATORS,
    ("POST", "/api/surveys"): CREATORS,
    ("GET", "/api/surveys"): SUPERVISORS,
    ("GET", "/api/surveys/summary"): SUPERVISORS,
    # customers
    ("POST", "/api/customers"): STAFF,
    ("GET", "/api/customers/lookup"): CREATORS,  # the IVR looks the caller up
    ("GET", "/api/customers/portrait/{contact_id}"): SUPERVISORS,
    ("GET", "/api/customers/intent/evaluation"): SUPERVISORS,
    ("POST", "/api/customers/intent/train"): SUPERVISORS,
    ("GET", "/api/customers/{customer_id}"): STAFF,
    ("PATCH", "/api/customers/{customer_id}"): STAFF,
    ("POST", "/api/customers/{customer_id}/identifiers"): STAFF,
    # voice gateway
    ("POST", "/api/voice/{contact_id}/answered"): CREATORS,
    ("POST", "/api/voice/{contact_id}/declined"): CREATORS,
    ("POST", "/api/voice/{contact_id}/hangup"): CREATORS,
    ("POST", "/api/voice/{contact_id}/dial"): CREATORS,
    ("POST", "/api/voice/{contact_id}/dialled"): CREATORS,
    ("POST", "/api/voice/{contact_id}/facts"): CREATORS,
    ("GET", "/api/voice/{call_id}/events"): SUPERVISORS,
    # call control: the handling agent consults / transfers; the gateway reports legs;
    # supervisors monitor
    ("POST", "/api/contacts/{contact_id}/consult"): AGENT_LINKED,
    ("POST", "/api/contacts/{contact_id}/consult/{action}"): AGENT_LINKED,
    ("POST", "/api/contacts/{contact_id}/transfer-out"): AGENT_LINKED,
    ("POST", "/api/voice/{contact_id}/consult/answered"): CREATORS,
    ("POST", "/api/voice/{contact_id}/consult/left"): CREATORS,
    ("POST", "/api/voice/{contact_id}/monitor"): SUPERVISORS,
    # desk and wallboard data
    ("GET", "/api/ui/directory"): STAFF,
    ("GET", "/api/ui/desk"): AGENT_LINKED,
    ("GET", "/api/ui/my-day"): AGENT_LINKED,
    ("GET", "/api/ui/contacts/{contact_id}/card"): SUPERVISORS,
    ("GET", "/api/ui/contacts/{contact_id}/assist"): SUPERVISORS,  # or the contact's agent
    ("POST", "/api/ui/contacts/{contact_id}/assist/used"): SUPERVISORS,  # or the contact's agent
    ("GET", "/api/kb/usage"): SUPERVISORS,
    ("GET", "/api/ui/wallboard/live"): SUPERVISORS,
    ("GET", "/api/ui/wallboard/stats"): SUPERVISORS,
    # knowledge base: everyone in the center reads; supervisors (and owners) edit
    ("GET", "/api/kb/search"): CORE,
    ("GET", "/api/kb/articles"): CORE,
    ("GET", "/api/kb/articles/{article_id}"): CORE,
    ("GET", "/api/kb/articles/{article_id}/versions"): CORE,
    ("GET", "/api/kb/articles/{article_id}/diff"): CORE,
    ("POST", "/api/kb/articles"): SUPERVISORS,
    # (the probe's article belongs to the supervisor; an owner may edit their own too)
    ("PUT", "/api/kb/articles/{article_id}"): SUPERVISORS,
    ("DELETE", "/api/kb/articles/{article_id}"): SUPERVISORS,
    ("POST", "/api/kb/articles/{article_id}/restore"): SUPERVISORS,
    ("POST", "/api/kb/articles/{article_id}/reports"): CORE,
    ("GET", "/api/kb/reports"): CORE,
    ("POST", "/api/kb/reports/{report_id}/resolve"): SUPERVISORS,  # or its assignee
    ("GET", "/api/kb/templates"): CORE,
    ("POST", "/api/kb/templates"): SUPERVISORS,
    ("PUT", "/api/kb/templates/{template_id}"): SUPERVISORS,
    ("POST", "/api/kb/templates/{template_id}/render"): CORE,
    ("GET", "/api/kb/synonyms"): CORE,
    ("POST", "/api/kb/synonyms"): SUPERVISORS,
    ("PUT", "/api/kb/synonyms/{group_id}"): SUPERVISORS,
    ("DELETE", "/api/kb/synonyms/{group_id}"): SUPERVISORS,
    # chat, agent side
    ("GET", "/api/chat/contacts/{contact_id}/messages"): CORE,
    ("POST", "/api/chat/contacts/{contact_id}/messages"): CORE,
    ("POST", "/api/chat/contacts/{contact_id}/typing"): CORE,
    ("GET", "/api/chat/media/{media_id}"): CORE,
    ("GET", "/api/chat/kpis"): SUPERVISORS,
    # compliance: admins run it (retention, holds, purges, data-subject requests, lifting an
    # opt-out); supervisors read the lists and logs and mark confidential callers; an opt-out
    # may be recorded by anyone in the center who hears it (it only ever stops contact)
    ("POST", "/api/compliance/opt-outs"): CORE,
    ("GET", "/api/compliance/opt-outs"): SUPERVISORS,
    ("DELETE", "/api/compliance/opt-outs/{identifier}"): ONLY_ADMIN,
    ("POST", "/api/compliance/attempts/check"): CREATORS,  # the dialler/adapters before a call
    ("GET", "/api/compliance/attempts"): SUPERVISORS,
    ("GET", "/api/compliance/agent-check"): STAFF,  # the desk before a manual call
    ("GET", "/api/compliance/settings"): SUPERVISORS,
    ("PUT", "/api/compliance/settings"): ONLY_ADMIN,
    ("POST", "/api/compliance/holds"): ONLY_ADMIN,
    ("GET", "/api/compliance/holds"): ONLY_ADMIN,
    ("DELETE", "/api/compliance/holds/{hold_id}"): ONLY_ADMIN,
    ("POST", "/api/compliance/purge"): ONLY_ADMIN,
    ("GET", "/api/compliance/purges"): ONLY_ADMIN,
    ("POST", "/api/compliance/subjects/export"): ONLY_ADMIN,
    ("POST", "/api/compliance/subjects/erase"): ONLY_ADMIN,
    ("POST", "/api/compliance/confidential"): SUPERVISORS,
    # lifting it is an admin's, like lifting an opt-out: a marking may hide the caller from
    # supervisors (the default shows them to admins only)
    ("DELETE", "/api/compliance/confidential/{identifier}"): ONLY_ADMIN,
    # (agents: only the calls they took - checked per row, the probe's contact has none)
    ("GET", "/api/compliance/recordings/{contact_id}/{leg}"): STAFF,
    ("POST", "/api/compliance/notice/{contact_id}"): CREATORS,  # the gateway played it
    # quality assurance: supervisors review everything; an agent sees only their own results
    # (lists filtered to their agent id, one result or its audio checked per row) and
    # disputes findings on their own contacts
    ("GET", "/qa"): (PAGE, STAFF),  # agents: logins linked to an agent
    ("GET", "/api/qa/status"): SUPERVISORS,
    ("GET", "/api/qa/contacts"): STAFF,
    ("GET", "/api/qa/contacts/{contact_id}"): STAFF,
    ("GET", "/api/qa/contacts/{contact_id}/audio/{speaker}"): STAFF,
    ("POST", "/api/qa/contacts/{contact_id}/marks"): SUPERVISORS,
    ("POST", "/api/qa/findings/{finding_id}/review"): SUPERVISORS,
    ("POST", "/api/qa/findings/{finding_id}/dispute"): AGENT_LINKED,
    ("GET", "/api/qa/agents"): STAFF,
    ("GET", "/api/qa/search"): STAFF,
    ("GET", "/api/qa/topics"): SUPERVISORS,
    # reports, alerts and metrics: supervisors (the Prometheus scraper uses its own token)
    ("GET", "/api/reports"): SUPERVISORS,
    ("GET", "/api/reports/export"): SUPERVISORS,  # CSV/XLSX of the same query
    ("GET", "/api/reports/documents"): SUPERVISORS,
    ("GET", "/api/reports/documents/{doc_id}.{fmt}"): SUPERVISORS,
    # saved forecasts: supervisors plan the day (the reports draw volume against them)
    ("GET", "/api/forecasts"): SUPERVISORS,
    ("POST", "/api/forecasts"): SUPERVISORS,
    ("GET", "/api/alerts"): SUPERVISORS,
    ("POST", "/api/alerts/{alert_id}/ack"): SUPERVISORS,
    # alert rules live in the center config; supervisors edit them (not the rest of it)
    ("GET", "/api/alert-rules"): SUPERVISORS,
    ("POST", "/api/alert-rules"): SUPERVISORS,
    ("PUT", "/api/alert-rules/{rule_id}"): SUPERVISORS,
    ("DELETE", "/api/alert-rules/{rule_id}"): SUPERVISORS,
    ("GET", "/metrics"): SUPERVISORS,  # other logins: 403 like everywhere, not 401
    # federation: the peer API is called by the other centers with the `channel` service
    # login (never a person's login); supervisors watch the peers' status
    # outbound campaigns: supervisors run them
    ("POST", "/api/campaigns"): SUPERVISORS,
    ("POST", "/api/campaigns/calendar"): SUPERVISORS,
    ("GET", "/api/campaigns"): SUPERVISORS,
    ("GET", "/api/campaigns/{campaign_id}"): SUPERVISORS,
    ("POST", "/api/campaigns/{campaign_id}/start"): SUPERVISORS,
    ("POST", "/api/campaigns/{campaign_id}/pause"): SUPERVISORS,
    ("POST", "/api/federation/load"): frozenset({CHANNEL}),
    ("POST", "/api/federation/transfers"): frozenset({CHANNEL}),
    ("POST", "/api/federation/transfers/{contact_id}/withdraw"): frozenset({CHANNEL}),
    ("POST", "/api/federation/messages"): frozenset({CHANNEL}),
    ("POST", "/api/federation/orders"): frozenset({CHANNEL}),
    ("GET", "/api/federation/status"): SUPERVISORS,
    # emergency plans: everyone in the center sees the banner; supervisors switch it
    ("GET", "/api/emergency"): CORE,
    ("POST", "/api/emergency/on"): SUPERVISORS,
    ("POST", "/api/emergency/off"): SUPERVISORS,
    ("GET", "/api/emergency/kpis"): SUPERVISORS,
}

# Placeholder path values: ids nobody has, so no probe touches a real row - except the
# resources whose access is decided per row, which the fixture creates: a waiting contact
# nobody has been offered, a work order nobody has been given, a team the team login belongs
# to, a supervisor's KB article and an error report about it (assigned to its owner).
INT_PARAMS = {
    "user_id", "article_id", "report_id", "template_id", "group_id", "media_id",
    "hold_id", "finding_id", "alert_id", "doc_id",
}  # fmt: skip
PARAM = re.compile(r"{(\w+)(?::path)?}")
TEAM_PASSWORD = "Kettle-Maple-7291-harbor"
# Valid bodies where a handler decides after reading the body (an empty one would be a 422).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/agents/me/state"): {"state": "login"},
    ("POST", "/api/agents/{agent_id}/state"): {"state": "login"},
    ("PUT", "/api/kb/articles/{article_id}"): {"title": "Refunds", "body": "Ask for the order."},
    ("POST", "/api/kb/articles/{article_id}/restore"): {"version": 1},
    ("POST", "/api/kb/reports/{report_id}/resolve"): {"fixed": True},
    ("POST", "/api/contacts/{contact_id}/note"): {"note": "called back"},
    ("POST", "/api/ui/contacts/{contact_id}/assist/used"): {"article_id": 1},
    ("POST", "/api/contacts/{contact_id}/transfer"): {"queue": "general"},
    ("POST", "/api/contacts/{contact_id}/transfer-out"): {"number": "4008001234"},
    ("POST", "/api/tickets/{order_id}/assign"): {"agent_id": "a01"},
    ("POST", "/api/tickets/{order_id}/dispatch"): {"team": "fixers"},
    ("POST", "/api/tickets/{order_id}/progress"): {"note": "on it"},
    ("POST", "/api/tickets/{order_id}/wait"): {"on": "customer"},
    ("POST", "/api/tickets/{order_id}/resolve"): {"resolution": "refunded"},
    ("POST", "/api/tickets/{order_id}/answer"): {"solved": True},
    ("POST", "/api/tickets/{order_id}/contacts"): {"contact_id": "{contact_id}"},
    ("POST", "/api/qa/findings/{finding_id}/review"): {"decision": "confirm"},
    ("POST", "/api/qa/findings/{finding_id}/dispute"): {"reason": "the customer hung up"},
    ("POST", "/api/emergency/on"): {"plan": "no-such-plan"},
}


def app_routes(app) -> Iterator[tuple[str, str]]:
    """(method, path) for every route the app serves; `WS` for WebSockets."""
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIWebSocketRoute):
            yield "WS", ctx.path
        elif isinstance(route, Route):
            for method in sorted(ctx.methods or ()):
                if method != "HEAD":
                    yield method, ctx.path


def concrete(path: str, ids: dict[str, str]) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name in ids:
            return ids[name]
        if name == "rest":
            return "/x"
        if name == "name":
            return "no-such-file.css"
        return "999999" if name in INT_PARAMS else "nobody"

    return PARAM.sub(fill, path)


@pytest.fixture
def center(db_url):
    with running_app(db_url) as client:
        admin = login(client, "admin")
        r = client.post(
            "/api/admin/users",
            json={"username": "outside", "password": TEAM_PASSWORD, "role": TEAM},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        client.cookies.clear()
        tokens = {ADMIN: admin}
        for role, user in ((AGENT, "a01"), (SUPERVISOR, "supervisor"), (CHANNEL, "channel")):
            tokens[role] = login(client, user)
        r = client.post("/api/auth/login", json={"username": "outside", "password": TEAM_PASSWORD})
        assert r.status_code == 200, r.text
        tokens[TEAM] = {"Authorization": f"Bearer {r.json()['token']}"}
        client.cookies.clear()
        client.tokens = tokens
        client.ids = _resources(client, tokens)
        yield client


def _resources(client: TestClient, tokens: dict[str, dict[str, str]]) -> dict[str, str]:
    """The rows whose access is decided per row, and their ids as path placeholders."""
    sup = tokens[SUPERVISOR]
    r = client.post("/api/teams", json={"id": "fixers", "name": "Fixers"}, headers=sup)
    assert r.status_code == 201, r.text
    r = client.post("/api/teams/fixers/members", json={"username": "outside"}, headers=sup)
    assert r.status_code == 201, r.text
    r = client.post("/api/kb/articles", json={"title": "T", "body": "B"}, headers=sup)
    assert r.status_code == 201, r.text
    article = r.json()["id"]
    r = client.post(
        f"/api/kb/articles/{article}/reports", json={"reason": "outdated"}, headers=tokens[AGENT]
    )
    assert r.status_code == 201, r.text
    report = r.json()["id"]
    r = client.post(
        "/api/contacts",
        json={"queue": "general", "customer": "13812345678"},
        headers=tokens[CHANNEL],
    )
    assert r.status_code == 201, r.text
    contact = r.json()["id"]
    r = client.post(
        "/api/tickets",
        json={"category": "complaint", "title": "Late refund", "customer": "13812345678"},
        headers=sup,
    )
    assert r.status_code == 201, r.text
    return {
        "team_id": "fixers",
        "article_id": str(article),
        "report_id": str(report),
        "contact_id": contact,
        "order_id": r.json()["id"],
        "action": "transfer",  # a valid consult action, so the role gate decides
    }


def probe(client: TestClient, method: str, path: str, role: str | None) -> int:
    """Call the route as `role` (None: anonymous); the status code, or the WebSocket close code."""
    headers = client.tokens[role] if role else {}
    url = concrete(path, client.ids)
    if method == "WS":
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            with client.websocket_connect(f"{url}?token={token}" if token else url):
                return 101
        except WebSocketDisconnect as exc:
            return exc.code
    client.cookies.clear()
    if RULES[(method, path)].__class__ is tuple:  # pages read the browser's cookie
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token:
            client.cookies.set("hotline_token", token)
        r = client.request(method, url, follow_redirects=False)
        client.cookies.clear()
        return r.status_code
    body = {}
    if method in ("POST", "PUT", "PATCH"):
        fields = BODIES.get((method, path), {})
        body = {
            "json": {
                k: concrete(v, client.ids) if isinstance(v, str) else v for k, v in fields.items()
            }
        }
    return client.request(method, url, headers=headers, follow_redirects=False, **body).status_code


def ordered(routes):
    """Logout last: it ends the session the other probes of that role use."""
    return sorted(routes, key=lambda mp: mp == ("POST", "/api/auth/logout"))


def test_every_route_has_an_access_rule(center):
    served = set(app_routes(center.app))
    missing, stale = sorted(served - RULES.keys()), sorted(RULES.keys() - served)
    assert not missing, f"routes without a rule in RULES: {missing}"
    assert not stale, f"rules for routes the app no longer serves: {stale}"


def test_anonymous_is_refused_everywhere_but_the_public_allow_list(center):
    wrong = []
    for method, path in ordered(RULES):
        rule, got = RULES[(method, path)], probe(center, method, path, None)
        if rule == PUBLIC:
            ok = got not in (401, 403) and got < 500
        elif isinstance(rule, tuple):
            ok = got == 303
        elif method == "WS":
            ok = got == 4401
        else:
            ok = got == 401
        if not ok:
            wrong.append(f"{method} {path}: anonymous got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_admitted_exactly_where_its_rule_says(center, role):
    wrong = []
    for method, path in ordered(RULES):
        rule = RULES[(method, path)]
        if rule == PUBLIC:
            continue
        allowed = rule[1] if isinstance(rule, tuple) else rule
        got = probe(center, method, path, role)
        admitted = got not in (401, 403, 4401) and got < 500
        if isinstance(rule, tuple) and path != "/":
            admitted = got == 200  # the page itself, not a redirect to the login page
        ok = admitted if role in allowed else got == 403
        if not ok:
            verdict = "admitted" if role in allowed else "refused (403)"
            wrong.append(f"{method} {path}: {role} should be {verdict}, got {got}")
    assert not wrong, "\n".join(wrong)
