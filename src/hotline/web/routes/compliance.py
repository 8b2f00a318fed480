"""Compliance API (`/api/compliance`): do-not-call list, attempt checks and their log, legal
holds, retention settings, purges. Refusals are 4xx naming the field; every change is audited
by the service (`compliance.*` audit actions).

Who: admins run compliance (settings, holds, purges, lifting an opt-out); supervisors read the
lists and logs; an opt-out may be recorded by anyone who hears it (agents, channel adapters
relaying an SMS reply) - it only ever stops contact, so it needs no higher role.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.compliance.retention import RetentionSpecError
from hotline.domain.hours import HoursSpecError
from hotline.services.compliance import ComplianceError, ComplianceService
from hotline.store import Store
from hotline.web.deps import Admin, AgentUser, Creator, Supervisor, require
from hotline.web.schemas import RowId

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/compliance", tags=["compliance"])
Ident = Field(min_length=1, max_length=255)


class ComplianceSettings(BaseSettings):
    """`HOTLINE_PURGE_EVERY_S`: how often the background jobs run the retention purge
    (0 = never; `hotline.web.jobs`)."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_")
    purge_every_s: float = 3600.0


def get_compliance(request: Request) -> ComplianceService:
    service = request.app.state.service
    return ComplianceService(service.store, service.clock)


Compliance = Annotated[ComplianceService, Depends(get_compliance)]
Anyone = Annotated[Any, Depends(require("agent", "supervisor", "admin", "channel"))]


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except ComplianceError as exc:
        raise HTTPException(exc.status, f"{exc.field}: {exc.reason}") from exc
    except (HoursSpecError, RetentionSpecError) as exc:
        raise HTTPException(422, str(exc)) from exc


class OptOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: str = Ident
    channel: Literal["all", "voice", "sms", "wechat"] = "all"
    source: Literal["api", "chat", "sms", "wechat", "voice", "admin"] = "api"


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: str = Ident
    channel: Literal["voice", "sms", "wechat"]
    campaign: str | None = Field(default=None, max_length=64)
    record: bool = True


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["customer", "contact"]
    target: str = Ident
    reason: str = Field(min_length=1, max_length=1000)


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_policy: dict[str, Any] | None = None
    retention: dict[str, Any] | None = None


@router.post("/opt-outs", status_code=201)
def opt_out(body: OptOutIn, c: Compliance, user: Anyone) -> dict[str, Any]:
    """Put a number on the do-not-call list now (idempotent: `new` false the second time)."""
    with refusals():
        new = c.opt_out(body.identifier, channel=body.channel, source=body.source, by=user.username)
    return {"ok": True, "new": new}


@router.get("/opt-outs")
def opt_outs(c: Compliance, _u: Supervisor, identifier: str | None = None) -> list[dict]:
    from hotline.compliance.policy import normalise_identifier

    key = normalise_identifier(identifier) if identifier else None
    return [dataclasses.asdict(o) for o in c.repo.opt_outs(key)]


@router.delete("/opt-outs/{identifier}")
def opt_in(identifier: str, c: Compliance, user: Admin, channel: str | None = None) -> dict:
    """The customer asked to be contacted again (documented consent): lift the opt-out."""
    return {"removed": c.opt_in(identifier, user.username, channel)}


@router.post("/attempts/check")
def check(body: CheckIn, c: Compliance, user: Creator) -> dict[str, Any]:
    """May we contact this customer now on this channel? Logged (unless `record` false) with
    the rule that allowed or refused it."""
    with refusals():
        d = c.check_attempt(
            body.identifier,
            body.channel,
            actor=user.username,
            record=body.record,
            campaign=body.campaign,
        )
    return d.as_fact()


@router.get("/attempts")
def attempts(c: Compliance, _u: Supervisor, identifier: str | None = None) -> list[dict]:
    from hotline.compliance.policy import normalise_identifier

    return c.repo.attempt_log(normalise_identifier(identifier) if identifier else None)


@router.get("/settings")
def get_settings(c: Compliance, _u: Supervisor) -> dict[str, Any]:
    return c.settings()


@router.put("/settings")
def put_settings(body: SettingsIn, c: Compliance, user: Admin) -> dict[str, Any]:
    with refusals():
        if body.contact_policy is not None:
            c.set_contact_policy(body.contact_policy, user.username)
        if body.retention is not None:
            c.set_retention(body.retention, user.username)
    return c.settings()


@router.post("/holds", status_code=201)
def add_hold(body: HoldIn, c: Compliance, user: Admin) -> dict[str, Any]:
    with refusals():
        return dataclasses.asdict(c.add_hold(body.kind, body.target, body.reason, user.username))


@router.get("/holds")
def holds(c: Compliance, _u: Admin, released: bool = False) -> list[dict[str, Any]]:
    return [dataclasses.asdict(h) for h in c.repo.holds(active_only=not released)]


@router.delete("/holds/{hold_id}")
def release_hold(hold_id: RowId, c: Compliance, user: Admin) -> dict[str, Any]:
    with refusals():
        c.release_hold(hold_id, user.username)
    return {"ok": True}


@router.post("/purge")
def purge(c: Compliance, user: Admin, dry_run: bool = False) -> dict[str, Any]:
    return c.purge(dry_run=dry_run, actor=user.username).as_dict()


@router.get("/purges")
def purges(c: Compliance, _u: Admin) -> list[dict[str, Any]]:
    return c.repo.purges()


@router.get("/agent-check")
def agent_check(identifier: str, c: Compliance, _u: AgentUser) -> dict[str, Any]:
    """For the desk before a manual call: is this number on the do-not-call list?"""
    return {"opted_out": c.is_opted_out(identifier, "voice")}


# -- data-subject requests -----------------------------------------------------------------


class SubjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: str = Ident


class EraseIn(SubjectIn):
    confirm: bool = Field(description="must be true: erasure cannot be undone")


@router.post("/subjects/export")
def export_subject(body: SubjectIn, c: Compliance, user: Admin) -> Response:
    """Everything about a customer as a zip: customer.json + attachments/ (recordings
    decrypted, chat images). Audited as `compliance.export`."""
    from hotline.services.compliance_dsr import export_data

    data, files = export_data(c, body.identifier, user.username)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("customer.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for name, blob in files.items():
            z.writestr(f"attachments/{name}", blob)
    headers = {"Content-Disposition": 'attachment; filename="subject-export.zip"'}
    return Response(buf.getvalue(), media_type="application/zip", headers=headers)


@router.post("/subjects/erase")
def erase_subject(body: EraseIn, c: Compliance, user: Admin) -> dict[str, Any]:
    """Erase / anonymise a customer on request; 409 under legal hold. Audited."""
    from hotline.services.compliance_dsr import erase

    if not body.confirm:
        raise HTTPException(422, "confirm: must be true (erasure cannot be undone)")
    with refusals():
        return erase(c, body.identifier, user.username)


class ConfidentialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: str = Ident
    roles: list[Literal["agent", "supervisor", "admin", "team"]] = Field(
        default_factory=lambda: ["admin"], description="who may still see the identity"
    )


@router.post("/confidential", status_code=201)
def set_confidential(body: ConfidentialIn, c: Compliance, user: Supervisor) -> dict[str, Any]:
    """GB/T 33358 confidential caller: the identity is revealed only to `roles`. A supervisor
    may mark a caller, but only an admin may widen an existing marking (else a supervisor left
    out of one could add themselves and reveal the caller)."""
    if user.role != "admin" and not c.may_narrow(body.identifier, list(body.roles)):
        raise HTTPException(403, "only an admin may widen an existing confidential marking")
    with refusals():
        c.set_confidential(body.identifier, list(body.roles), user.username)
    return {"ok": True}


@router.delete("/confidential/{identifier}")
def clear_confidential(identifier: str, c: Compliance, user: Admin) -> dict[str, Any]:
    """Lifting a marking shows the caller to everyone again: admins only."""
    return {"cleared": c.clear_confidential(identifier, user.username)}


def guard_identity(store: Store, identifier: str | None, role: str) -> None:
    """For reveal endpoints: 403 when the caller is confidential and `role` is not named."""
    if not ComplianceService(store).may_see_identity(identifier, role):
        raise HTTPException(
            403, "confidential caller (GB/T 33358): identity not shown to this role"
        )


# -- recordings and the recording notice ---------------------------------------------------


@router.get("/recordings/{contact_id}/{leg}")
def recording(contact_id: str, leg: str, c: Compliance, user: AgentUser) -> Response:
    """A call's recording, decrypted, for supervisors/admins and the agent who took the call
    (403 for other agents). Every play is audited (`compliance.recording_access`)."""
    events = [e for e in c.store.events_for_contact(contact_id) if e.kind == "voice.recording"]
    files = [(e, f) for e in events for f in e.data.get("files", []) if f.get("leg") == leg]
    if not files:
        raise HTTPException(404, f"no {leg!r} recording for contact {contact_id!r}")
    event, entry = files[-1]
    if user.role == "agent":
        snap = c.store.contact(contact_id)
        took = {event.agent_id, getattr(snap, "agent_id", None)} - {None}
        if user.agent_id not in took:
            raise HTTPException(403, "agents hear only the recordings of calls they took")
    from hotline.services.compliance_recordings import RecordingKeyError, read_recording

    try:
        audio = read_recording(entry["path"])
    except FileNotFoundError as exc:
        raise HTTPException(410, "the recording was deleted (retention or erasure)") from exc
    except RecordingKeyError as exc:
        raise HTTPException(500, f"recording cannot be decrypted: {exc}") from exc
    c.store.audit(user.username, "compliance.recording_access", contact_id, {"leg": leg})
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "no-store"})


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["voice", "chat", "wechat"]
    notice: str = Field(default="recording", max_length=64)
    text: str | None = Field(default=None, max_length=1000)


@router.post("/notice/{contact_id}", status_code=201)
def notice_shown(contact_id: str, body: NoticeIn, request: Request, _u: Creator) -> dict:
    """PIPL Art. 17: the recording/processing notice was played or shown on this contact
    (before recording starts); stored as a `compliance.notice` fact on its timeline."""
    from hotline.domain.records import EventRecord

    service = request.app.state.service
    record = EventRecord(
        at=service.clock(),
        kind="compliance.notice",
        contact_id=contact_id,
        channel=body.channel,
        data={"notice": body.notice, "text": body.text},
    )
    return {"seq": service.annotate(record).seq}


async def voice_notice(service: Any, contact_id: str, kind: str, data: dict[str, Any]) -> None:
    """The gateway's `voice.ivr` fact names the nodes the caller went through; the first one
    (the flow's start) carries the recording notice, so its playback becomes a
    `compliance.notice` fact on the call's timeline. `barged` says a key was pressed (the
    caller may have cut the prompt short: the notice is at its start for that reason)."""
    path = data.get("path") or []
    if kind != "voice.ivr" or not path or data.get("notice"):
        return  # a flow with its own notice prompt reported it when it was heard
    from hotline.domain.records import EventRecord

    record = EventRecord(
        at=service.clock(),
        kind="compliance.notice",
        contact_id=contact_id,
        channel="voice",
        data={"notice": "recording", "medium": "ivr", "node": path[0],
              "barged": bool(data.get("digits"))},
    )  # fmt: skip
    await service.note(record)
