"""Who owns a bearer token, with a short in-process cache in front of the database.

Every request carries a token; looking it up in the database was the largest single cost of
an API call (bench/route.py). The cache keeps an answer for `ttl_s` seconds and is cleared
for a user whenever this process revokes tokens, disables a user or changes a password, so
the only staleness left is a change made by *another* process (the `hotline user` command):
it takes effect within `ttl_s`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from hotline.store import Store, User

MAX_ENTRIES = 10_000


class Sessions:
    def __init__(self, store: Store, clock: Callable[[], float], ttl_s: float = 10.0) -> None:
        self.store, self.clock, self.ttl_s = store, clock, ttl_s
        self._cache: dict[str, tuple[User, float]] = {}
        self._lock = threading.Lock()

    def cached(self, token_hash: str) -> User | None:
        """The cached answer, without touching the database (None = ask `user`)."""
        hit = self._cache.get(token_hash)
        return hit[0] if hit is not None and hit[1] > self.clock() else None

    async def user_async(self, token_hash: str) -> User | None:
        """`user` for the event loop: a cache miss is looked up (and its use recorded, a
        write) in a worker thread, so no request waits on a commit on the loop."""
        return self.cached(token_hash) or await asyncio.to_thread(self.user, token_hash)

    def user(self, token_hash: str) -> User | None:
        now = self.clock()
        hit = self._cache.get(token_hash)
        if hit is not None and hit[1] > now:
            return hit[0]
        user = self.store.user_for_token(token_hash, now)
        with self._lock:
            if user is None:
                self._cache.pop(token_hash, None)
            else:
                if len(self._cache) >= MAX_ENTRIES:
                    self._cache.clear()
                self._cache[token_hash] = (user, now + self.ttl_s)
        return user

    def forget_token(self, token_hash: str) -> None:
        with self._lock:
            self._cache.pop(token_hash, None)

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            for key in [k for k, (u, _) in self._cache.items() if u.id == user_id]:
                del self._cache[key]
