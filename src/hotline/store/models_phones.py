"""Agents' SIP phone credentials (same `Base` as models.py; private to `hotline.store`)."""

from __future__ import annotations

from sqlalchemy import Double, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.models import Base


class PhoneCredentialRow(Base):
    """One agent's desk-phone digest credential, as HA1 = md5(agent:realm:password).

    HA1 rather than a one-way password hash because SIP digest needs it on the registrar side;
    it is still no plain password (it works only for this user name in this realm), and it is
    handed only to the channel account (the gateway's registrar)."""

    __tablename__ = "sip_phones"

    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    realm: Mapped[str] = mapped_column(String(64))
    ha1: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[float] = mapped_column(Double)
    updated_by: Mapped[str] = mapped_column(String(128))
