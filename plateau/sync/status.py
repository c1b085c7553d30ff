"""The sync daemon's status as the kiosk reads it: from the replica, without blocking.

The daemon writes these `sync_state` keys in its own transactions; the kiosk reads them,
and the outbox's counts, with two short queries (WAL readers never wait for the writer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from plateau.db.unit_of_work import UnitOfWork

# sync_state keys written by the daemon
ONLINE = "online"                    # "1" / "0"
LAST_SUCCESS = "last_success_at"     # ISO instant of the last successful push or pull
OFFLINE_SINCE = "offline_since"      # ISO instant, empty when online
CLOCK_SKEW = "clock_skew_seconds"    # server Date - station clock, float seconds
LAST_ERROR = "last_error"            # a sentence for staff (e.g. "station token revoked")
CURSOR = "cursor"                    # change-feed checkpoint
FIRST_SYNC_DONE = "first_sync_done"  # "1" once a complete pull finished
PROGRESS = "pull_progress"           # "received/total" during a first sync
HEARTBEAT = "heartbeat_at"           # ISO instant (UTC) the daemon last showed it was running (every few s)


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    last_success_at: datetime | None
    offline_since: datetime | None
    waiting: int          # local passages not yet acknowledged (not parked)
    parked: int           # passages and card events the server rejected: need a person
    clock_skew_seconds: float | None
    last_error: str
    heartbeat_at: datetime | None = None   # None: no daemon ever ran on this replica (or an older one)


_STATE = text("SELECT key, value FROM sync_state WHERE key IN "
              "('online', 'last_success_at', 'offline_since', 'clock_skew_seconds', 'last_error', 'heartbeat_at')")


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def read_status(uow: UnitOfWork) -> SyncStatus:
    """In an open unit of work (a reading one is enough)."""
    state = dict(uow.connection.execute(_STATE).all())
    waiting, parked = uow.queue_counts()
    skew = state.get(CLOCK_SKEW)
    return SyncStatus(online=state.get(ONLINE) == "1", last_success_at=_instant(state.get(LAST_SUCCESS)),
                      offline_since=_instant(state.get(OFFLINE_SINCE)), waiting=int(waiting), parked=int(parked),
                      clock_skew_seconds=float(skew) if skew not in (None, "") else None,
                      last_error=state.get(LAST_ERROR) or "", heartbeat_at=_instant(state.get(HEARTBEAT)))


def status_of(engine) -> SyncStatus:
    """The status in a reading unit of work of its own (for `plateau sync --status`-like callers
    and tests; the kiosk reads it with its screens' other figures)."""
    with UnitOfWork(engine).reading() as uow:
        return read_status(uow)
