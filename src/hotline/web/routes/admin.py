"""Admin: the center configuration (queues, skills, agents, hours, overflow) and users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from hotline.config import config_from_dict, dump_config
from hotline.web.deps import Admin, Service
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


def _user_view(u: Any) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "role": u.role,
        "agent_id": u.agent_id,
        "display_name": u.display_name,
        "active": u.active,
    }


@router.get("/users")
def list_users(service: Service, _user: Admin) -> list[dict[str, Any]]:
    return [_user_view(u) for u in service.store.list_users()]


@router.post("/users", status_code=201)
def create_user(body: UserIn, service: Service, user: Admin) -> dict[str, Any]:
    if body.agent_id is not None:
        known = {a.id for a in service.read(lambda r: r.config).agents}
        if body.agent_id not in known:
            raise HTTPException(422, f"agent_id: no agent {body.agent_id!r} in the configuration")
    created = service.store.create_user(
        body.username, hash_password(body.password), body.role, body.agent_id, body.display_name
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
        service.store.set_password(user_id, hash_password(body.password))
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
    return _user_view(service.store.user_by_id(user_id))
