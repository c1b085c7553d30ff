"""What the kiosk's worker threads run: decisions and writes ("kiosk-db"), headcounts ("kiosk-stats").

Plain Python over the replica (no widgets): each method runs on the worker thread that calls it
(`worker.DbWorker`), one at a time per thread, and returns a value the GUI thread receives.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlalchemy import Engine

from plateau.db import kiosk as kq
from plateau.db.passages import Recorder
from plateau.domain.pins import LockoutPolicy


class KioskActions:
    """The kiosk's database actions, by the names the window submits."""

    def __init__(self, engine: Engine, station: str, clock: Callable[[], datetime], *,
                 pin_key: bytes | None = None, wall_clock: Callable[[], datetime] | None = None):
        self.engine, self.station, self.clock = engine, station, clock
        self.wall_clock = wall_clock or clock   # the PIN lockout is real time, even in a demo
        self.pin_key = pin_key                  # the pepper of the staff hashes (plateau.db.pin_key)
        self.pin_policy = LockoutPolicy()
        self.recorder = Recorder(engine, station)

    def db_actions(self) -> dict[str, Callable]:
        r = self.recorder
        return {"badge": r.badge, "forgotten": r.forgotten, "override": r.override, "cancel": r.cancel,
                "pin": self.check_pin, "lost": self.declare_lost, "sync": self.request_sync,
                "retry_parked": self.retry_parked}

    def stats_actions(self) -> dict[str, Callable]:
        return {"headcount": self.headcount}

    def check_pin(self, pin: str, expected: int | None = None) -> kq.PinCheck:
        """The staff member whose PIN this is, under the replica's lockout (scrypt: tens of ms per
        staff member)."""
        return kq.check_pin(self.engine, pin, self.wall_clock(), key=self.pin_key, expected=expected,
                            policy=self.pin_policy)

    def declare_lost(self, uid: str, staff_id: int, at: datetime) -> str:
        kq.declare_card_lost(self.engine, uid, station=self.station, staff_id=staff_id, at=at)
        return uid

    def request_sync(self) -> bool:
        kq.request_sync(self.engine, self.clock())
        return True

    def retry_parked(self) -> int:
        """Staff's "send them again": every parked item back in the queue, and a sync now."""
        return sum(kq.retry_parked(self.engine, self.clock()))

    def headcount(self, day: date):
        """The day's headcount, by the same computation as the reports and the server."""
        from plateau.reports.headcount import compute
        from plateau.reports.replica_source import load_day

        with self.engine.connect() as conn:
            return compute(load_day(conn, day))
