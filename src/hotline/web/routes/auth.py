"""Log in (bearer token, also set as an HttpOnly cookie for the browser UI) and log out."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from hotline.web.deps import COOKIE, LoggedIn, Service
from hotline.web.responses import errors
from hotline.web.schemas import LoginIn, LoginOut
from hotline.web.security import new_token, token_hash, verify_password

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", responses=errors(401))
def login(body: LoginIn, service: Service, request: Request, response: Response) -> LoginOut:
    user = service.store.user_by_name(body.username)
    if user is None or not user.active or not verify_password(user.password_hash, body.password):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
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
