"""Repeated wrong sign-ins: refused (429) for a while, per account and per client address.

In memory, per server process (an attacker spreading over several processes of one server
gets at most that many times the allowance; each try still costs an argon2 verification).
Used on the event loop and the thread pool: guarded by a lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_SECONDS = 15 * 60
MAX_PER_ACCOUNT = 5      # wrong passwords for one e-mail within the window
MAX_PER_ADDRESS = 20     # wrong passwords (any e-mail) from one address within the window
_MAX_KEYS = 100_000


class Throttle:
    """Counts failures per key over a sliding window; `retry_after` says how long a key waits."""

    def __init__(self, window: float = WINDOW_SECONDS, clock=time.monotonic):
        self.window, self.clock = window, clock
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        q = self._failures.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            self._failures.pop(key, None)
        return q

    def retry_after(self, limits: dict[str, int]) -> int:
        """0 if every key is under its limit, else the seconds until the oldest failure expires."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key, limit in limits.items():
                q = self._recent(key, now)
                if len(q) >= limit:
                    wait = max(wait, q[len(q) - limit] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def fail(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > _MAX_KEYS:
                self._failures.clear()  # memory bound under a spray of addresses
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def forget(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def sign_in_limits(email: str, address: str) -> dict[str, int]:
    return {f"account:{email}": MAX_PER_ACCOUNT, f"address:{address}": MAX_PER_ADDRESS}
