"""Sign-in throttling: failures slow the next answers down, then refuse them (429) for a while.

Counted per account (the e-mail typed) and per client address, in this server process. After
`slow_after` failures within `window` seconds each further failure is answered more slowly
(up to `max_delay`); after `lock_after` failures the key is locked for `lock_seconds`, doubled
at each new lock of the same key up to `max_lock_seconds`. A lock always expires, so an attacker
cannot keep a real user out for good, and a successful sign-in forgets the account's failures.
The address limit is higher: a school's whole office may share one public address.
Thread-safe (sign-ins run on the server's thread pool).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Entry:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    locks: int = 0


@dataclass(frozen=True)
class Limits:
    window: float = 15 * 60
    slow_after: int = 2
    max_delay: float = 2.0
    lock_after: int = 5            # per account
    lock_after_address: int = 30   # per address
    lock_seconds: float = 60
    max_lock_seconds: float = 15 * 60


class Throttle:
    """The failures of every key, in memory. `clock` is injectable for unit tests."""

    def __init__(self, limits: Limits | None = None, clock=time.monotonic):
        self.limits = limits or Limits()
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(account: str, address: str | None) -> list[str]:
        return [f"account:{account.strip().casefold()}", f"address:{address or '?'}"]

    def retry_after(self, keys: list[str]) -> int:
        """Seconds until these keys may try again (0: they may now)."""
        now = self._clock()
        with self._lock:
            wait = max((self._entries[k].locked_until - now for k in keys if k in self._entries), default=0.0)
        return max(0, int(wait + 0.999))

    def failed(self, keys: list[str]) -> float:
        """Count a failure for each key; the delay (seconds) to wait before answering it."""
        now, lim = self._clock(), self.limits
        delay = 0.0
        with self._lock:
            for key in keys:
                e = self._entries.setdefault(key, _Entry())
                e.failures = [t for t in e.failures if now - t < lim.window] + [now]
                limit = lim.lock_after_address if key.startswith("address:") else lim.lock_after
                if len(e.failures) >= limit:
                    e.locks += 1
                    e.locked_until = now + min(lim.max_lock_seconds, lim.lock_seconds * 2 ** (e.locks - 1))
                    e.failures = []
                elif len(e.failures) > lim.slow_after:
                    delay = max(delay, min(lim.max_delay, 0.25 * 2 ** (len(e.failures) - lim.slow_after - 1)))
            if len(self._entries) > 100_000:  # bounded memory under a spray of addresses
                self._entries = {k: v for k, v in self._entries.items() if v.locked_until > now or v.failures}
        return delay

    def succeeded(self, account_key: str) -> None:
        with self._lock:
            e = self._entries.get(account_key)
            if e is not None:
                e.failures = []
