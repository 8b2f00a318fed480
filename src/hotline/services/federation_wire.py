"""The HTTP side of federation: one logged-in client per peer (push load, transfer, withdraw).

Each peer is reached with a `channel`-like service login *on the peer* (its username and
password are in our center file, or the password in an environment variable). A token is
obtained on first use and again after a 401, so a restarted peer is picked up without us.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

from hotline.domain.federation import PeerConfig


class PeerUnreachable(Exception):
    """The peer did not answer (down, killed, or too slow): treat it as down."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def reason(self) -> str:
        detail = self.body.get("detail") or self.body.get("reason") or self.body
        return str(detail)


class PeerClient:
    def __init__(self, peer: PeerConfig, timeout_s: float) -> None:
        self.peer = peer
        self._http = httpx.Client(base_url=peer.url, timeout=timeout_s)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def _password(self) -> str:
        if self.peer.password_env:
            return os.environ.get(self.peer.password_env, "")
        return self.peer.password

    def _login(self) -> None:
        body = {"username": self.peer.username, "password": self._password()}
        r = self._http.post("/api/auth/login", json=body)
        if r.status_code != 200:
            raise PeerUnreachable(f"login on {self.peer.name} refused: {r.status_code}")
        self._token = r.json()["token"]

    def post(self, path: str, body: dict[str, Any]) -> Answer:
        """POST with our token (logging in when needed); transport errors -> PeerUnreachable."""
        try:
            for attempt in (0, 1):
                if self._token is None:
                    self._login()
                headers = {"Authorization": f"Bearer {self._token}"}
                r = self._http.post(path, json=body, headers=headers)
                if r.status_code == 401 and attempt == 0:
                    self._token = None
                    continue
                try:
                    data = r.json()
                except ValueError:
                    data = {"detail": r.text[:200]}
                return Answer(r.status_code, data if isinstance(data, dict) else {"data": data})
        except httpx.HTTPError as exc:
            raise PeerUnreachable(f"{self.peer.name}: {type(exc).__name__}: {exc}") from exc
        raise PeerUnreachable(f"{self.peer.name}: not authorised")
