"""What the kiosk's worker threads run: the station's services and the screens' reads.

Plain Python over the replica (no widgets). Each method runs on the worker thread that the window
submits it to (`worker.KioskOp`): the services, the staff badge and PIN checks on "kiosk-db", the
screens' reads and headcounts on "kiosk-stats"; the GUI thread only receives their answers. The GUI thread
never reads the database: a commit or a busy disk must never freeze the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from sqlalchemy import Engine

from plateau.db import kiosk as kq
from plateau.db.search import search_persons
from plateau.db.unit_of_work import UnitOfWork
from plateau.domain.pins import LockoutPolicy
from plateau.domain.services import local_time
from plateau.domain.snapshot import SiteInfo
from plateau.domain.staff import StaffMember
from plateau.station.flow import service_line
from plateau.station.services import Recorded, Recorder
from plateau.sync.status import SyncStatus, read_status


@dataclass(frozen=True)
class ScreenData:
    """What the idle screen and the staff menu show, read in one transaction."""

    site: SiteInfo
    status: SyncStatus
    service: str | None = None    # the service open now, else the next one today
    served: int = 0               # persons served at that service today
    menu: str = ""


class KioskActions:
    """The kiosk's operations over the replica: the services (`Recorder`) and the screens' reads.
    Each method runs on one worker thread at a time (see the module's docstring)."""

    def __init__(self, engine: Engine, recorder: Recorder, clock: Callable[[], datetime], *,
                 pin_key: bytes | None = None, wall_clock: Callable[[], datetime] | None = None):
        self.engine, self.recorder, self.clock = engine, recorder, clock
        self.wall_clock = wall_clock or clock   # the PIN lockout is real time, even in a demo
        self.pin_key = pin_key                  # the pepper of the staff hashes (plateau.db.pin_key)
        self.pin_policy = LockoutPolicy()
        self.reads = UnitOfWork(engine, keep_connection=True)   # the screens' reads, on "kiosk-stats"

    def close(self) -> None:
        """Give the connections back (after the worker threads stopped)."""
        self.recorder.close()
        self.reads.close()

    # -- services ------------------------------------------------------------------------------
    def badge(self, uid: str, at: datetime) -> StaffMember | Recorded:
        """A staff member's badge (the window asks for their PIN), else the passage recorded."""
        with self.engine.connect() as conn:
            staff = kq.staff_for_badge(conn, uid)
        return staff if staff is not None else self.recorder.badge(uid, at)

    def check_pin(self, pin: str, expected: int) -> kq.PinCheck:
        """`expected` (their badge's owner, or the name tapped) if this is their PIN, under the
        replica's lockout (one scrypt: tens of ms)."""
        return kq.check_pin(self.engine, pin, self.wall_clock(), key=self.pin_key, expected=expected,
                            policy=self.pin_policy)

    def request_sync(self) -> None:
        kq.request_sync(self.engine, self.clock())

    def reader_changed(self, state: str, detail: str = "") -> None:
        """The reader's new state, for the sync daemon to report to the office."""
        kq.record_reader_state(self.engine, state, detail)

    # -- the screens' reads --------------------------------------------------------------------
    def screen_data(self) -> ScreenData:
        """Site, sync status, and the figures of the service open now (or next) for the idle screen."""
        with self.reads.reading() as uow:
            site, status = uow.site(), read_status(uow)
            now = self.clock()
            line = service_line(site.services, now, site.timezone)
            service = line.current or line.upcoming
            if service is None:
                return ScreenData(site, status)
            day = local_time(now, site.timezone).date()
            return ScreenData(site, status, service.code, kq.served_count(uow.connection, day, service.code),
                              kq.menu_text(uow.connection, day, service.code))

    def search(self, query: str) -> list:
        """Persons matching the forgotten-badge search (nothing for an empty query)."""
        if not query.strip():
            return []
        with self.engine.connect() as conn:
            return search_persons(conn, query)

    def active_staff(self) -> list[StaffMember]:
        """The names the corner's PIN pad offers (French order), on "kiosk-stats"."""
        with self.engine.connect() as conn:
            return kq.active_staff(conn)

    def last_passages(self, since: date) -> list[kq.PassageLine]:
        with self.engine.connect() as conn:
            return kq.last_passages(conn, 50, since)

    def pin_lock_remaining(self) -> float:
        """Seconds the PIN pad stays locked (the lockout is kept in the replica)."""
        with self.engine.connect() as conn:
            return kq.pin_lock_remaining(conn, self.wall_clock())

    def retry_parked(self) -> int:
        """Staff's "send them again": every parked item back in the queue, and a sync now."""
        return sum(kq.retry_parked(self.engine, self.clock()))

    def parked_items(self) -> list[kq.ParkedItem]:
        """What the server rejected, for the staff's "Rejected by the server" screen."""
        return kq.parked_items(self.engine)

    def headcount(self, day: date):
        """The day's headcount, by the same computation as the reports and the server."""
        from plateau.reports.headcount import compute
        from plateau.reports.replica_source import load_day

        with self.engine.connect() as conn:
            return compute(load_day(conn, day))

