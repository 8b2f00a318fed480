"""First start of a center: store its configuration and create the first logins."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from hotline.config import dump_config
from hotline.domain.models import CenterConfig
from hotline.passwords import hash_password
from hotline.store import Store

DEMO_PASSWORD = "hotline-demo"  # documented in the README; demo centers only


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    agent_id: str | None = None


def init_center(
    store: Store, config: CenterConfig, *, demo_logins: bool, replace: bool = False
) -> list[Login]:
    """Save `config` (if none is stored yet, or `replace`) and create missing logins.

    Running it again is harmless: an admin's later configuration changes are kept unless a
    file is given explicitly (`replace`).

    With `demo_logins` every login gets the documented demo password: `admin`, `supervisor`,
    `channel` (for channel adapters and load tests) and one per agent (its id). Otherwise only
    `admin` is created, with a random password that is shown once.
    """
    if replace or store.latest_config() is None:
        store.save_config(dump_config(config), "hotline init", at=time.time())
    wanted = [Login("admin", DEMO_PASSWORD if demo_logins else secrets.token_urlsafe(12), "admin")]
    if demo_logins:
        wanted += [
            Login("supervisor", DEMO_PASSWORD, "supervisor"),
            Login("channel", DEMO_PASSWORD, "channel"),
        ]
        wanted += [Login(a.id, DEMO_PASSWORD, "agent", a.id) for a in config.agents]
    # agents are shown by their name (王静), not their login (a01)
    names = {a.id: a.name for a in config.agents}
    created = []
    for login in wanted:
        if store.user_by_name(login.username) is None:
            store.create_user(
                login.username,
                hash_password(login.password),
                login.role,
                login.agent_id,
                names.get(login.agent_id or "", login.username),
            )
            created.append(login)
    return created
