"""Alert rules edited by supervisors: stored in the center configuration, where the alert
evaluation reads them (`rules_from(config.alerts)` on every round).

* `GET /api/alert-rules` - the rules, the config version, and what each kind measures;
* `POST /api/alert-rules` - add one (409 if its id is taken);
* `PUT /api/alert-rules/{rule_id}` - replace one (the body's id must be the path's);
* `DELETE /api/alert-rules/{rule_id}` - remove one and close its open alerts (nothing would
  ever clear them otherwise).

Each change is a new configuration version (through `service.reconfigure`, like the admin
console's whole-config save) and an audit line. Supervisors edit rules without the admin's
right to the rest of the configuration: a team lead tunes "waiting above N" for the day, an
admin owns queues and skills. The body is validated by the config schema's own model, so a
rule accepted here is one the config file would accept; rates (SL, abandon) are fractions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError

from hotline.config import config_from_dict, dump_config
from hotline.config.schema import AlertSection
from hotline.runtime import CenterService
from hotline.services.alerts_rules import KINDS
from hotline.store import User
from hotline.web.deps import Service, Supervisor
from hotline.web.responses import errors
from hotline.web.routes.reports import alerts_for

router = APIRouter(prefix="/api/alert-rules", tags=["alerts"], responses=errors(404, 409))

RATE_KINDS = frozenset({"service_level_below", "abandon_rate_above"})
QUEUE_KINDS = RATE_KINDS | {"waiting_above"}


def _invalid(field: str, message: str, value: Any) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": value}]
    )


def _rules(service: CenterService) -> list[dict[str, Any]]:
    return [dict(a) for a in service.read(lambda r: r.config.alerts)]  # type: ignore[attr-defined]


def _checked(service: CenterService, body: AlertSection) -> dict[str, Any]:
    """The rule as config data; 422 naming the field for what the schema cannot know."""
    rule = body.model_dump()
    if body.kind in RATE_KINDS and body.threshold > 1:
        raise _invalid("threshold", "a rate is a fraction from 0 to 1", body.threshold)
    if body.queue is not None:
        if body.kind not in QUEUE_KINDS:
            raise _invalid("queue", f"{body.kind} is not measured per queue", body.queue)
        queues = service.read(lambda r: {q.id for q in r.config.queues})
        if body.queue not in queues:  # type: ignore[operator]
            raise _invalid("queue", f"no queue {body.queue!r}", body.queue)
    return rule


def _save(
    service: CenterService, user: User, rules: list[dict[str, Any]], action: str, rule_id: str
) -> int:
    doc = dump_config(service.read(lambda r: r.config))  # type: ignore[arg-type]
    doc["alerts"] = rules
    version = service.reconfigure(config_from_dict(doc, source="config"), user.username)
    service.store.audit(user.username, action, rule_id, {"version": version}, at=service.clock())
    return version


@router.get("")
def list_rules(service: Service, _user: Supervisor) -> dict[str, Any]:
    """The center's alert rules and what each kind measures (for the editor's choices)."""
    return {
        "version": service.config_version,
        "rules": _rules(service),
        "kinds": {k: {"measures": what, "above": above} for k, (what, above) in KINDS.items()},
    }


@router.post("", status_code=201)
def add_rule(body: AlertSection, service: Service, user: Supervisor) -> dict[str, Any]:
    rule = _checked(service, body)
    rules = _rules(service)
    if any(r["id"] == body.id for r in rules):
        raise HTTPException(409, f"id: a rule {body.id!r} exists already")
    version = _save(service, user, [*rules, rule], "add_alert_rule", body.id)
    return {"version": version, "rule": rule}


@router.put("/{rule_id}")
def replace_rule(
    rule_id: str, body: AlertSection, service: Service, user: Supervisor
) -> dict[str, Any]:
    if body.id != rule_id:
        reason = f"must be the rule's id {rule_id!r} (delete and add to rename)"
        raise _invalid("id", reason, body.id)
    rule = _checked(service, body)
    rules = _rules(service)
    if not any(r["id"] == rule_id for r in rules):
        raise HTTPException(404, f"rule_id: no rule {rule_id!r}")
    rules = [rule if r["id"] == rule_id else r for r in rules]
    return {"version": _save(service, user, rules, "update_alert_rule", rule_id), "rule": rule}


@router.delete("/{rule_id}")
def delete_rule(
    rule_id: str, service: Service, user: Supervisor, request: Request
) -> dict[str, Any]:
    rules = _rules(service)
    if not any(r["id"] == rule_id for r in rules):
        raise HTTPException(404, f"rule_id: no rule {rule_id!r}")
    kept = [r for r in rules if r["id"] != rule_id]
    version = _save(service, user, kept, "delete_alert_rule", rule_id)
    alerts_for(request.app).retire(rule_id, service.clock())
    return {"version": version}
