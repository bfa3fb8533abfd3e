"""A short-lived read cache partitioned by user.

Every entry lives under the id of the user whose token fetched it, taken from the signed-in
session, so one user's rows can never be served to another even when both ask the very same
question. The TTL is short: this smooths reruns of a Streamlit page, it is not a data store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_TTL_SECONDS = 30.0
MAX_ENTRIES_PER_USER = 256


class UserCache:
    def __init__(
        self, ttl: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, dict[Hashable, tuple[float, Any]]] = {}
        self._lock = threading.Lock()

    def get_or_load(self, user_id: str, key: Hashable, load: Callable[[], Any]) -> Any:
        now = self._clock()
        with self._lock:
            hit = self._entries.get(user_id, {}).get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        with self._lock:
            entries = self._entries.setdefault(user_id, {})
            if len(entries) >= MAX_ENTRIES_PER_USER:
                entries.clear()
            entries[key] = (now + self._ttl, value)
        return value

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            self._entries.pop(user_id, None)
