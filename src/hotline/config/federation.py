"""The `federation:` block of a center file: build, dump and cross-check (peer queue maps).

Kept apart from `loader.py` so the federation part of the schema has one owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.config.hints import bad_target, did_you_mean
from hotline.config.schema import EmergencySection, FederationSection
from hotline.domain.federation import EmergencyPlan, FederationConfig, PeerConfig
from hotline.domain.models import OverflowRule


def build_federation(section: FederationSection) -> FederationConfig:
    return FederationConfig(
        peers=tuple(
            PeerConfig(
                name=p.name,
                url=p.url,
                username=p.username,
                password=p.password,
                password_env=p.password_env,
                queues=dict(p.queues),
                ewt_over_s=p.ewt_over_s,
                after_s=p.after_s,
                peer_ewt_under_s=p.peer_ewt_under_s,
                max_share=p.max_share,
                inbound_username=p.inbound_username,
            )
            for p in section.peers
        ),
        push_every_s=section.push_every_s,
        stale_after_s=section.stale_after_s,
        transfer_timeout_s=section.transfer_timeout_s,
        accept_max_share=section.accept_max_share,
        accept_max_ewt_s=section.accept_max_ewt_s,
    )


def dump_federation(f: FederationConfig) -> dict[str, Any]:
    return {
        "peers": [
            {
                "name": p.name,
                "url": p.url,
                "username": p.username,
                "password": p.password,
                "password_env": p.password_env,
                "queues": dict(p.queues),
                "ewt_over_s": p.ewt_over_s,
                "after_s": p.after_s,
                "peer_ewt_under_s": p.peer_ewt_under_s,
                "max_share": p.max_share,
                "inbound_username": p.inbound_username,
            }
            for p in f.peers
        ],
        "push_every_s": f.push_every_s,
        "stale_after_s": f.stale_after_s,
        "transfer_timeout_s": f.transfer_timeout_s,
        "accept_max_share": f.accept_max_share,
        "accept_max_ewt_s": f.accept_max_ewt_s,
    }


def federation_problem(
    section: FederationSection, own_name: str, queues: Mapping[str, int], rules: Any = ()
) -> tuple[str, str] | None:
    """(field, message) for the first cross-field error, or None: unique peer names, not
    ourselves, and every mapped local queue exists."""
    peers = {p.name for p in section.peers}
    seen: dict[str, int] = {}
    for i, p in enumerate(section.peers):
        where = f"federation.peers[{i}]"
        if p.name in seen:
            msg = f"duplicate peer {p.name!r} (also federation.peers[{seen[p.name]}])"
            return f"{where}.name", msg
        if p.name == own_name:
            return f"{where}.name", "a center cannot be its own peer"
        seen[p.name] = i
        for local in p.queues:
            if local not in queues:
                return (
                    f"{where}.queues.{local}",
                    f"unknown local queue {local!r}{did_you_mean(local, queues)}",
                )
    for i, q in enumerate(rules):  # `center:<peer>` would end the contact here, unaccepted
        for k, rule in enumerate(q.overflow):
            if rule.target.startswith("center:") and rule.target[7:] in peers:
                return (
                    f"queues[{i}].overflow[{k}].target",
                    f"{rule.target[7:]!r} is a federation peer: set ewt_over_s/after_s on "
                    "its federation.peers entry instead (the contact then moves only once "
                    "the peer accepted it)",
                )
    return None


def build_plans(section: EmergencySection) -> tuple[EmergencyPlan, ...]:
    return tuple(
        EmergencyPlan(
            name=p.name,
            banner=p.banner,
            queues={
                q: tuple(OverflowRule(o.target, o.after_s, o.ewt_over_s) for o in rules)
                for q, rules in p.queues.items()
            },
            federation_ewt_over_s=p.federation_ewt_over_s,
        )
        for p in section.plans
    )


def dump_plans(plans: tuple[EmergencyPlan, ...]) -> dict[str, Any]:
    def rule(r: OverflowRule) -> dict[str, Any]:
        out: dict[str, Any] = {"target": r.target}
        if r.after_s is not None:
            out["after_s"] = r.after_s
        if r.ewt_over_s is not None:
            out["ewt_over_s"] = r.ewt_over_s
        return out

    return {
        "plans": [
            {
                "name": p.name,
                "banner": p.banner,
                "queues": {q: [rule(r) for r in rules] for q, rules in p.queues.items()},
                "federation_ewt_over_s": p.federation_ewt_over_s,
            }
            for p in plans
        ]
    }


def plans_problem(section: EmergencySection, queues: Mapping[str, int]) -> tuple[str, str] | None:
    """Unique plan names; every queue a plan changes exists; its targets exist."""

    seen: set[str] = set()
    for i, p in enumerate(section.plans):
        where = f"emergency.plans[{i}]"
        if p.name in seen:
            return f"{where}.name", f"duplicate plan {p.name!r}"
        seen.add(p.name)
        for q, rules in p.queues.items():
            if q not in queues:
                return f"{where}.queues.{q}", f"unknown queue {q!r}{did_you_mean(q, queues)}"
            for k, r in enumerate(rules):
                problem = bad_target(r.target, q, queues)
                if problem:
                    return f"{where}.queues.{q}[{k}].target", problem
    return None
