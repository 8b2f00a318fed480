"""The `federation:` block of a center file: build, dump and cross-check (peer queue maps).

Kept apart from `loader.py` so the federation part of the schema has one owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.config.schema import FederationSection
from hotline.domain.federation import FederationConfig, PeerConfig


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
    section: FederationSection, own_name: str, queues: Mapping[str, int]
) -> tuple[str, str] | None:
    """(field, message) for the first cross-field error, or None: unique peer names, not
    ourselves, and every mapped local queue exists."""
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
                from hotline.config.loader import did_you_mean

                return (
                    f"{where}.queues.{local}",
                    f"unknown local queue {local!r}{did_you_mean(local, queues)}",
                )
    return None
