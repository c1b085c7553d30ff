"""Repeated failures (wrong sign-ins, wrong codes, reset requests) slowed, then refused (429) for a while.

One implementation for the office and the Espace Famille (its pages and its API), counted in the
database (`sign_in_throttle`), so that every server process of one database counts the same
failures: with `--workers N` or several machines an attacker gets the allowance once, not N times.

Counted per key: an account (the e-mail typed) and the client address, each with its own limit
(an address limit is higher: a school's office or a family's home may share one public address).
After `slow_after` failures within `window` seconds, each further failure is answered more slowly
(up to `max_delay`; the caller waits); at a key's limit the key is locked for `lock_seconds`,
doubled at each new lock of the same key up to `max_lock_seconds`, and its count starts again.
A lock always expires, so an attacker cannot keep a real user out for good; a successful sign-in
forgets the account's failures. Rows quiet for longer than a window and the longest lock are
deleted as failures come (bounded under a spray of addresses).

Each call is one short unit of work of its own (`Database.write`): on PostgreSQL the keys' rows
are locked (`FOR UPDATE`), on SQLite the write lock is taken up front, so two processes counting
the same key never lose a failure. Runs on the request's thread (the thread pool); the clock
(`time.time`, the one clock all processes share) is injectable for tests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, delete, select, update

from plateau.server.db import Database
from plateau.server.office_models import SignInThrottle

T = SignInThrottle.__table__


@dataclass(frozen=True)
class Limits:
    """How a kind of failure is throttled (the keys' own limits are given per call)."""

    window: float = 15 * 60
    slow_after: int = 2
    max_delay: float = 2.0
    lock_seconds: float = 60
    max_lock_seconds: float = 15 * 60


SIGN_IN = Limits()
# one-time codes and reset requests: a lock lasts the whole window (no slowing down: a reset
# request sends an e-mail, it is not a guess to make expensive)
CODES = Limits(slow_after=1_000_000, lock_seconds=15 * 60)

PER_ACCOUNT = 5            # wrong passwords for one account
OFFICE_PER_ADDRESS = 30    # wrong office passwords from one address (a school's whole office)
FAMILY_PER_ADDRESS = 20    # wrong family passwords from one address


def account_key(realm: str, email: str) -> str:
    return f"{realm}:account:{email.strip().casefold()}"


def sign_in_keys(realm: str, email: str, address: str | None, per_address: int) -> dict[str, int]:
    """{key: limit} of a sign-in: the account's and the address's."""
    return {account_key(realm, email): PER_ACCOUNT, f"{realm}:address:{address or '?'}": per_address}


def _insert_missing(session, rows: list[dict]):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(T).values(rows).on_conflict_do_nothing(index_elements=["key"])


def _instant(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


class Throttle:
    """The failures of every key, in the server's database. Thread-safe (each call is one unit of work)."""

    def __init__(self, db: Database, limits: Limits = SIGN_IN, clock=time.time):
        self.db, self.limits, self._clock = db, limits, clock

    def retry_after(self, keys) -> int:
        """Seconds until these keys may try again (0: they may now)."""
        now = _instant(self._clock())
        with self.db.read(autocommit=True) as s:
            until = s.execute(select(T.c.locked_until).where(T.c.key.in_(sorted(keys)),
                                                             T.c.locked_until > now)).scalars().all()
        wait = max(((u - now).total_seconds() for u in until), default=0.0)
        return max(0, int(wait + 0.999))

    def failed(self, limits: dict[str, int]) -> float:
        """Count a failure for each key (with its limit); the delay (seconds) to wait before answering."""
        lim, clock = self.limits, self._clock()
        now = _instant(clock)
        delay = 0.0
        keys = sorted(limits)
        with self.db.write() as s:
            # every key has its row first (a key new to two processes at once: one inserts it,
            # the other's insert does nothing), then the rows are locked and counted
            s.execute(_insert_missing(s, [{"key": key, "failures": 0, "window_start": now, "locked_until": None,
                                           "locks": 0, "touched_at": now} for key in keys]))
            rows = s.execute(select(T).where(T.c.key.in_(keys)).order_by(T.c.key).with_for_update()).all()
            changed = []
            for row in rows:
                failures, start, locks, locked_until = row.failures, row.window_start, row.locks, row.locked_until
                if (now - start).total_seconds() >= lim.window:
                    failures, start = 0, now
                failures += 1
                if failures >= limits[row.key]:
                    locks += 1
                    locked_until = now + timedelta(seconds=min(lim.max_lock_seconds,
                                                               lim.lock_seconds * 2 ** (locks - 1)))
                    failures, start = 0, now
                elif failures > lim.slow_after:
                    delay = max(delay, min(lim.max_delay, 0.25 * 2 ** (failures - lim.slow_after - 1)))
                changed.append({"k": row.key, "failures": failures, "window_start": start,
                                "locked_until": locked_until, "locks": locks, "touched_at": now})
            s.execute(update(T).where(T.c.key == bindparam("k")), changed)
            quiet = now - timedelta(seconds=lim.window + lim.max_lock_seconds)
            s.execute(delete(T).where(T.c.touched_at < quiet))
        return delay

    def succeeded(self, key: str) -> None:
        """A good sign-in: forget the account's failures (not its locks' escalation)."""
        with self.db.write() as s:
            s.execute(update(T).where(T.c.key == key).values(failures=0))

    def clear(self) -> None:
        """Forget every key (tests, and an administrator freeing everyone at once)."""
        with self.db.write() as s:
            s.execute(delete(T))


def throttle_of(request, limits: Limits = SIGN_IN) -> Throttle:
    """The throttle of a request's app (its database; the app's ``throttle_clock`` in tests)."""
    state = request.app.state
    return Throttle(state.db, limits, getattr(state, "throttle_clock", None) or time.time)
