"""Dependency aliases in one place: the service, the store, the caller and role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotline.runtime import CenterService
from hotline.store import Store, User
from hotline.web.security import token_hash

# Dependencies and the hot endpoints are `async def` on purpose: they `await service.submit()`
# and the router thread commits (grouped) while the event loop serves others, so a hop through
# the thread pool per request would only add cost (measured with bench/route.py). Slow reads
# (KPIs over a day, timelines) stay synchronous so FastAPI runs them in worker threads.

# Who may do what. Admin and supervisor include the agent's read rights but act on agents
# only through the explicit supervisor endpoints; `channel` is the service account that
# channel adapters (SIP gateway, chat, WeChat) use to create contacts.
SUPERVISORS = frozenset({"supervisor", "admin"})
CONTACT_CREATORS = frozenset({"channel", "admin", "supervisor"})

_bearer = HTTPBearer(auto_error=False)
COOKIE = "hotline_token"


def get_service(request: Request) -> CenterService:
    return request.app.state.service


def get_store(request: Request) -> Store:
    return request.app.state.service.store


def token_from(request: Request, creds: HTTPAuthorizationCredentials | None) -> str | None:
    if creds is not None and creds.scheme.lower() == "bearer":
        return creds.credentials
    return request.cookies.get(COOKIE)


async def current_user(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    token = token_from(request, creds)
    user = await request.app.state.sessions.user_async(token_hash(token)) if token else None
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "not logged in or session expired",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def require(*roles: str):
    """A dependency that admits only users whose role is in `roles`."""
    allowed = frozenset(roles)

    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {user.role} may not do this; needs {sorted(allowed)}",
            )
        return user

    check.roles = allowed  # type: ignore[attr-defined]  # read by responses.py and the tests
    return check


def agent_of(user: User) -> str:
    if not user.agent_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this login is not linked to an agent")
    return user.agent_id


Service = Annotated[CenterService, Depends(get_service)]
LoggedIn = Annotated[User, Depends(current_user)]  # any login, outside teams included
# Every core endpoint refuses outside-team logins by default: they see only their own orders.
AnyUser = Annotated[User, Depends(require("agent", "supervisor", "admin", "channel"))]
Supervisor = Annotated[User, Depends(require(*SUPERVISORS))]
Admin = Annotated[User, Depends(require("admin"))]
Creator = Annotated[User, Depends(require(*CONTACT_CREATORS))]
AgentUser = Annotated[User, Depends(require("agent", "supervisor", "admin"))]
