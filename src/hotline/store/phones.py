"""`PhoneStore`: agents' SIP desk-phone credentials (HA1 per agent and realm).

Every public method is one transaction. `active_credentials` is what the gateway's registrar
serves from: only agents with an active login, so disabling a user refuses their phone too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, Table, delete, select, update
from sqlalchemy.exc import IntegrityError

from hotline.store import models
from hotline.store import models_phones as mp

PHONES: Table = mp.PhoneCredentialRow.__table__  # type: ignore[assignment]
USERS: Table = models.User.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class PhoneCredential:
    agent_id: str
    realm: str
    ha1: str
    updated_at: float
    updated_by: str


class PhoneStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def set_credential(self, agent_id: str, realm: str, ha1: str, at: float, by: str) -> None:
        """Create or replace `agent_id`'s credential."""
        values = {"realm": realm, "ha1": ha1, "updated_at": at, "updated_by": by}
        with self._engine.begin() as conn:
            done = conn.execute(update(PHONES).where(PHONES.c.agent_id == agent_id), values)
            if done.rowcount == 0:
                try:
                    conn.execute(PHONES.insert().values(agent_id=agent_id, **values))
                except IntegrityError:  # a concurrent insert won: ours replaces it
                    conn.execute(update(PHONES).where(PHONES.c.agent_id == agent_id), values)

    def delete_credential(self, agent_id: str) -> bool:
        with self._engine.begin() as conn:
            return conn.execute(delete(PHONES).where(PHONES.c.agent_id == agent_id)).rowcount > 0

    def credentials(self) -> list[PhoneCredential]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(PHONES).order_by(PHONES.c.agent_id)).all()
        return [PhoneCredential(**r._mapping) for r in rows]

    def active_credentials(self) -> list[PhoneCredential]:
        """Credentials of agents that have at least one active login linked to them."""
        active = select(USERS.c.agent_id).where(USERS.c.active.is_(True))
        query = select(PHONES).where(PHONES.c.agent_id.in_(active)).order_by(PHONES.c.agent_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [PhoneCredential(**r._mapping) for r in rows]

    def linked_agents(self) -> set[str]:
        """Agent ids some login (active or not) is linked to: the ones a phone can belong to."""
        query = select(USERS.c.agent_id).where(USERS.c.agent_id.is_not(None)).distinct()
        with self._engine.connect() as conn:
            return {r[0] for r in conn.execute(query)}
