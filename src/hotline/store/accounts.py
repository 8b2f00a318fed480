"""Users, bearer tokens, login lockouts, configuration versions and the audit log (mixed into
`Store`).

Separate from the timeline code because these tables change rarely and are read by the
auth and admin layers, not by the router.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, and_, case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hotline.store import models
from hotline.store.convert import to_audit, to_config, to_user
from hotline.store.entities import (
    ROLES,
    AuditEntry,
    ConfigVersion,
    DuplicateError,
    NotFoundError,
    User,
)

USERS: Table = models.User.__table__  # type: ignore[assignment]
TOKENS: Table = models.AuthToken.__table__  # type: ignore[assignment]
CONFIGS: Table = models.ConfigVersion.__table__  # type: ignore[assignment]
AUDIT: Table = models.AuditLog.__table__  # type: ignore[assignment]
FAILURES: Table = models.LoginFailure.__table__  # type: ignore[assignment]

#: `last_used_at` is refreshed at most this often: a write on every authenticated request
#: would turn each read-only API call into a database write (and, on SQLite, a lock).
TOKEN_TOUCH_INTERVAL_S = 60.0


@dataclass(frozen=True, slots=True)
class LoginLock:
    """Failed logins of one user name: how many in the current window, locked until when."""

    username: str
    failures: int
    first_at: float
    locked_until: float | None

    def locked(self, now: float) -> bool:
        return self.locked_until is not None and self.locked_until > now


def _now(at: float | None) -> float:
    return time.time() if at is None else at


class AccountsMixin:
    """Account, token, configuration and audit use cases; needs `self._engine`."""

    _engine: Engine

    # -- users ----------------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        password_hash: str,
        role: str,
        agent_id: str | None = None,
        display_name: str | None = None,
        *,
        active: bool = True,
        created_at: float | None = None,
    ) -> User:
        """Add a login; `DuplicateError` if `username` is taken, `ValueError` on a bad role."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
        values = {
            "username": username,
            "password_hash": password_hash,
            "role": role,
            "agent_id": agent_id,
            "display_name": display_name,
            "active": active,
            "created_at": _now(created_at),
        }
        try:
            with self._engine.begin() as conn:
                user_id = conn.execute(
                    insert(USERS).values(**values).returning(USERS.c.id)
                ).scalar_one()
        except IntegrityError as exc:
            if self.user_by_name(username) is not None:
                raise DuplicateError(f"username {username!r} already exists") from exc
            raise
        return User(id=user_id, **values)

    def user_by_name(self, username: str) -> User | None:
        return self._one_user(select(USERS).where(USERS.c.username == username))

    def user_by_id(self, user_id: int) -> User | None:
        return self._one_user(select(USERS).where(USERS.c.id == user_id))

    def list_users(self) -> list[User]:
        """All users, active or not, by username."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(USERS).order_by(USERS.c.username)).mappings()
            return [to_user(r) for r in rows]

    def set_password(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash; existing tokens stay valid (see `revoke_user_tokens`)."""
        self._update_user(user_id, password_hash=password_hash)

    def set_active(self, user_id: int, active: bool) -> None:
        """Enable/disable a login; a disabled user's tokens stop authenticating at once."""
        self._update_user(user_id, active=active)

    def _one_user(self, stmt: Any) -> User | None:
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return to_user(row) if row is not None else None

    def _update_user(self, user_id: int, **values: Any) -> None:
        with self._engine.begin() as conn:
            result = conn.execute(update(USERS).where(USERS.c.id == user_id).values(**values))
        if result.rowcount == 0:
            raise NotFoundError(f"no user with id {user_id}")

    # -- tokens ---------------------------------------------------------------------------

    def add_token(
        self, token_hash: str, user_id: int, expires_at: float, *, created_at: float | None = None
    ) -> None:
        """Remember a bearer token by its sha256 hex; the token itself is never stored.

        Raises `NotFoundError` for an unknown user, `DuplicateError` for a reused hash.
        """
        stmt = insert(TOKENS).values(
            token_hash=token_hash,
            user_id=user_id,
            created_at=_now(created_at),
            expires_at=expires_at,
            last_used_at=None,
        )
        try:
            with self._engine.begin() as conn:
                conn.execute(stmt)
        except IntegrityError as exc:
            if self.user_by_id(user_id) is None:
                raise NotFoundError(f"no user with id {user_id}") from exc
            raise DuplicateError("token hash already registered") from exc

    def user_for_token(self, token_hash: str, now: float) -> User | None:
        """The active user owning an unexpired token, else `None`; records the token's use."""
        stmt = (
            select(USERS, TOKENS.c.last_used_at)
            .join(TOKENS, TOKENS.c.user_id == USERS.c.id)
            .where(
                TOKENS.c.token_hash == token_hash,
                TOKENS.c.expires_at > now,
                USERS.c.active.is_(True),
            )
        )
        with self._engine.begin() as conn:
            row = conn.execute(stmt).mappings().first()
            if row is None:
                return None
            last = row["last_used_at"]
            if last is None or now - last >= TOKEN_TOUCH_INTERVAL_S:
                conn.execute(
                    update(TOKENS).where(TOKENS.c.token_hash == token_hash).values(last_used_at=now)
                )
        return to_user(row)

    def token_last_used(self, token_hash: str) -> float | None:
        """When a token last authenticated (`None` if never or unknown)."""
        stmt = select(TOKENS.c.last_used_at).where(TOKENS.c.token_hash == token_hash)
        with self._engine.connect() as conn:
            return conn.execute(stmt).scalar_one_or_none()

    def revoke_token(self, token_hash: str) -> bool:
        """Log a token out; True if it existed. Idempotent."""
        with self._engine.begin() as conn:
            result = conn.execute(delete(TOKENS).where(TOKENS.c.token_hash == token_hash))
        return result.rowcount > 0

    def revoke_user_tokens(self, user_id: int) -> int:
        """Log a user out everywhere (after a password change); returns how many tokens went."""
        with self._engine.begin() as conn:
            return conn.execute(delete(TOKENS).where(TOKENS.c.user_id == user_id)).rowcount

    def purge_expired_tokens(self, now: float) -> int:
        """Delete tokens expired at `now` so the table does not grow forever."""
        with self._engine.begin() as conn:
            return conn.execute(delete(TOKENS).where(TOKENS.c.expires_at <= now)).rowcount

    # -- login failures -------------------------------------------------------------------

    def login_lock(self, username: str) -> LoginLock | None:
        """The failure count of a user name (known or not), `None` when it has none."""
        with self._engine.connect() as conn:
            row = conn.execute(select(FAILURES).where(FAILURES.c.username == username)).first()
        if row is None:
            return None
        return LoginLock(row.username, row.failures, row.first_at, row.locked_until)

    def login_locks(self, now: float) -> dict[str, float]:
        """user name -> locked-until for every name locked at `now` (the admin's user list)."""
        c = FAILURES.c
        stmt = select(c.username, c.locked_until).where(c.locked_until > now)
        with self._engine.connect() as conn:
            return {r.username: r.locked_until for r in conn.execute(stmt)}

    def record_login_failure(
        self, username: str, now: float, *, window_s: float, max_failures: int, lockout_s: float
    ) -> LoginLock:
        """Count one failed login; the `max_failures`-th within `window_s` locks the name for
        `lockout_s`. A count older than the window, or an expired lock, starts again at 1.

        One atomic `UPDATE … SET failures = failures + 1` (insert on first failure), so
        parallel attempts in several processes never lose a count.
        """
        c = FAILURES.c
        stale = or_(
            and_(c.locked_until.is_(None), c.first_at <= now - window_s),
            and_(c.locked_until.is_not(None), c.locked_until <= now),
        )
        bump = (
            update(FAILURES)
            .where(c.username == username)
            .values(
                failures=case((stale, 1), else_=c.failures + 1),
                first_at=case((stale, now), else_=c.first_at),
                locked_until=case((stale, None), else_=c.locked_until),
                last_at=now,
            )
        )
        for _attempt in range(3):
            try:
                with self._engine.begin() as conn:
                    if conn.execute(bump).rowcount == 0:
                        conn.execute(
                            insert(FAILURES).values(
                                username=username, failures=1, first_at=now, last_at=now
                            )
                        )
                    lock_now = (
                        update(FAILURES)
                        .where(
                            c.username == username,
                            c.failures >= max_failures,
                            c.locked_until.is_(None),
                        )
                        .values(locked_until=now + lockout_s)
                    )
                    conn.execute(lock_now)
                    row = conn.execute(select(FAILURES).where(c.username == username)).one()
                return LoginLock(row.username, row.failures, row.first_at, row.locked_until)
            except IntegrityError:  # another process inserted the first failure: count again
                continue
        raise RuntimeError(f"could not count a failed login for {username!r}")

    def clear_login_failures(self, username: str) -> bool:
        """Forget a name's failures (a successful login, or an admin lifting a lockout);
        True if there were any."""
        stmt = delete(FAILURES).where(FAILURES.c.username == username)
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount > 0

    def purge_login_failures(self, before: float) -> int:
        """Drop counts last touched before `before` and not locked past it (table hygiene:
        sprayed unknown names would otherwise accumulate)."""
        c = FAILURES.c
        stmt = delete(FAILURES).where(
            c.last_at < before, or_(c.locked_until.is_(None), c.locked_until < before)
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount

    # -- configuration --------------------------------------------------------------------

    def save_config(self, body: dict[str, Any], author: str, *, at: float | None = None) -> int:
        """Store a new configuration version (never overwrites: the history is the audit)."""
        stmt = insert(CONFIGS).values(created_at=_now(at), author=author, body=body)
        with self._engine.begin() as conn:
            return int(conn.execute(stmt.returning(CONFIGS.c.version)).scalar_one())

    def latest_config(self) -> tuple[int, dict[str, Any]] | None:
        """`(version, body)` of the current configuration, or `None` before the first save."""
        stmt = select(CONFIGS.c.version, CONFIGS.c.body).order_by(CONFIGS.c.version.desc()).limit(1)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return (int(row.version), row.body) if row is not None else None

    def config_version(self, version: int) -> ConfigVersion | None:
        """One stored version (for diffs and rollbacks)."""
        stmt = select(CONFIGS).where(CONFIGS.c.version == version)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return to_config(row) if row is not None else None

    def config_history(self, limit: int = 50) -> list[ConfigVersion]:
        """The newest `limit` versions, newest first."""
        stmt = select(CONFIGS).order_by(CONFIGS.c.version.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [to_config(r) for r in conn.execute(stmt).mappings()]

    # -- audit ----------------------------------------------------------------------------

    def audit(
        self,
        user: str,
        action: str,
        target: str | None = None,
        data: dict[str, Any] | None = None,
        at: float | None = None,
    ) -> int:
        """Append one audit line (e.g. `reveal_phone` on a contact); returns its id."""
        stmt = insert(AUDIT).values(
            at=_now(at), user=user, action=action, target=target, data=dict(data or {})
        )
        with self._engine.begin() as conn:
            return int(conn.execute(stmt.returning(AUDIT.c.id)).scalar_one())

    def audit_entries(
        self, limit: int = 100, *, target: str | None = None, action: str | None = None
    ) -> list[AuditEntry]:
        """Audit lines, newest first, optionally for one target and/or action."""
        stmt = select(AUDIT)
        if target is not None:
            stmt = stmt.where(AUDIT.c.target == target)
        if action is not None:
            stmt = stmt.where(AUDIT.c.action == action)
        stmt = stmt.order_by(AUDIT.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [to_audit(r) for r in conn.execute(stmt).mappings()]
