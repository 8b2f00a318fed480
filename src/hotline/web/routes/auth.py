"""Log in (bearer token, also set as an HttpOnly cookie for the browser UI) and log out.

Login is `async` on purpose: the attempt (lookups, the argon2 check, failure counting) runs in
the login guard's own small thread pool, never in FastAPI's shared one, so a flood of wrong
passwords queues behind a cap instead of taking every worker thread and core. Refusals: 401
wrong name or password (the same answer, in the same time, for a name that does not exist),
423 user name locked after too many failures, 429 too many failures from this address, 503
too many logins waiting for a check; the last three carry `Retry-After`.
See `hotline.web.login_guard` for the rules.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from hotline.web.deps import COOKIE, LoggedIn, Service
from hotline.web.login_guard import Busy, login_guard
from hotline.web.schemas import LoginIn, LoginOut
from hotline.web.security import new_token, token_hash

router = APIRouter(prefix="/api/auth", tags=["auth"])


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refuse(code: int, reason: str, wait_s: float) -> HTTPException:
    return HTTPException(code, reason, headers={"Retry-After": str(int(wait_s))})


@router.post(
    "/login",
    responses={
        401: {"description": "wrong username or password"},
        423: {"description": "user name locked after too many failed logins (Retry-After)"},
        429: {"description": "too many failed logins from this address (Retry-After)"},
        503: {"description": "too many logins waiting for a password check (Retry-After)"},
    },
)
async def login(body: LoginIn, service: Service, request: Request, response: Response) -> LoginOut:
    guard = login_guard(request.app)
    address = client_address(request)
    wait = guard.address_wait(address)
    if wait is not None:
        raise _refuse(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins from this address; try again in {int(wait) + 1} s",
            wait + 1,
        )
    try:
        outcome = await guard.attempt(body.username, body.password, address)
    except Busy:
        raise _refuse(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "too many logins are being checked; try again in a second",
            1,
        ) from None
    if outcome.result == "locked":
        raise _refuse(
            status.HTTP_423_LOCKED,
            f"user name locked after {guard.settings.login_max_failures} failed logins; try "
            f"again in {int(outcome.retry_after_s)} s or ask an admin to unlock it",
            outcome.retry_after_s,
        )
    if outcome.result != "ok" or outcome.user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    user = outcome.user
    token, hashed = new_token()
    now = service.clock()
    expires = now + request.app.state.settings.token_ttl_s
    service.store.add_token(hashed, user.id, expires, created_at=now)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=int(expires - now))
    return LoginOut(token=token, role=user.role, agent_id=user.agent_id, expires_at=expires)


@router.post("/logout", status_code=204)
def logout(user: LoggedIn, service: Service, request: Request, response: Response) -> None:
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    token = token or request.cookies.get(COOKIE, "")
    if token:
        service.store.revoke_token(token_hash(token))
        request.app.state.sessions.forget_token(token_hash(token))
    response.delete_cookie(COOKIE)


@router.get("/me")
def me(user: LoggedIn) -> dict:
    return {
        "username": user.username,
        "role": user.role,
        "agent_id": user.agent_id,
        "display_name": user.display_name,
    }
