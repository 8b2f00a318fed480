"""Admin: the center configuration (queues, skills, agents, hours, overflow) and users.

Users: a new or reset password must pass the policy (`hotline.passwords.check_policy`: length,
not the user name, not a common password), else 422 naming `password` and the rule. A user
name locked after too many failed logins shows `locked_until`; `POST /users/{id}/unlock`
lifts it (audited).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from hotline.config import config_from_dict, dump_config
from hotline.passwords import PasswordRejected, check_policy
from hotline.web.deps import Admin, Service
from hotline.web.login_guard import login_guard
from hotline.web.responses import errors
from hotline.web.schemas import RowId, UserIn, UserPatch
from hotline.web.security import hash_password

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=errors(404, 409))


@router.get("/config")
def get_config(service: Service, _user: Admin) -> dict[str, Any]:
    return {
        "version": service.config_version,
        "config": dump_config(service.read(lambda r: r.config)),
    }


@router.put("/config")
def put_config(body: dict[str, Any], service: Service, user: Admin) -> dict[str, Any]:
    """Validate (422 naming the field) and apply live (409 if it would strand a contact)."""
    config = config_from_dict(body, source="config")
    version = service.reconfigure(config, user.username)
    return {"version": version}


def _user_view(u: Any, locks: dict[str, float] | None = None) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "role": u.role,
        "agent_id": u.agent_id,
        "display_name": u.display_name,
        "active": u.active,
        "locked_until": (locks or {}).get(u.username),
    }


def _checked_hash(password: str, username: str) -> str:
    """The hash of a password that passes the policy; 422 naming the field and rule if not."""
    try:
        check_policy(password, username)
    except PasswordRejected as exc:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "password"],
                    "msg": f"password {exc.message}",
                    "type": f"password_policy.{exc.rule}",
                }
            ],
        ) from None
    return hash_password(password)


@router.get("/users")
def list_users(service: Service, _user: Admin) -> list[dict[str, Any]]:
    locks = service.store.login_locks(service.clock())
    return [_user_view(u, locks) for u in service.store.list_users()]


@router.post("/users", status_code=201)
def create_user(body: UserIn, service: Service, user: Admin) -> dict[str, Any]:
    if body.agent_id is not None:
        known = {a.id for a in service.read(lambda r: r.config).agents}
        if body.agent_id not in known:
            raise HTTPException(422, f"agent_id: no agent {body.agent_id!r} in the configuration")
    hashed = _checked_hash(body.password, body.username)
    created = service.store.create_user(
        body.username, hashed, body.role, body.agent_id, body.display_name
    )
    service.store.audit(
        user.username, "create_user", body.username, {"role": body.role}, at=service.clock()
    )
    return _user_view(created)


@router.patch("/users/{user_id}")
def patch_user(
    user_id: RowId, body: UserPatch, service: Service, admin: Admin, request: Request
) -> dict[str, Any]:
    target = service.store.user_by_id(user_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    if body.password is not None:
        service.store.set_password(user_id, _checked_hash(body.password, target.username))
        service.store.revoke_user_tokens(user_id)
    if body.active is not None:
        service.store.set_active(user_id, body.active)
        if not body.active:
            service.store.revoke_user_tokens(user_id)
    request.app.state.sessions.forget_user(user_id)
    service.store.audit(
        admin.username,
        "update_user",
        target.username,
        {"password": body.password is not None, "active": body.active},
        at=service.clock(),
    )
    locks = service.store.login_locks(service.clock())
    return _user_view(service.store.user_by_id(user_id), locks)


@router.post("/users/{user_id}/unlock")
def unlock_user(user_id: RowId, service: Service, admin: Admin, request: Request) -> dict[str, Any]:
    """Lift a lockout after failed logins before it expires (and forget the failures)."""
    target = service.store.user_by_id(user_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id}")
    had = login_guard(request.app).unlock(target.username, admin.username)
    return {**_user_view(target), "unlocked": had}
