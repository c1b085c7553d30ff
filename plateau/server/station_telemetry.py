"""What stations say of themselves on their sync requests, kept for the office's Today page.

Every request of a station's sync daemon carries small telemetry headers (`plateau.sync.telemetry`:
version, wall clock, reader state, passages waiting and parked). `note_station` reads them once
the bearer token is verified (a FastAPI dependency of the sync routes), computes the clock skew
(station clock − this server's `time.time()` on receipt: one clock on each side, both real) and
stores them in the station's row, where any server process's Today page reads them.

Writing on every request would add a write to every push and every long-poll. `TelemetryRecorder`
writes a station's row only when something worth showing changed (version, reader, parked, whether
passages are waiting, a skew that moved by `SKEW_MOVES` s or crossed `SKEW_WARN`), or when
`WRITE_EVERY` seconds passed (so "last contact" and the counts stay fresh). The guard is per
process: with several processes each writes at most that often, and the row's `contact_at` only
moves forward (an older observation finishing late never overwrites a newer one). The write runs
on the thread pool after the request went on: the request never waits for it. A value the server
cannot read is ignored, with a log line (at most one per station per `LOG_EVERY`), never a 4xx/5xx.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated, Callable, Mapping

from fastapi import Depends, Request
from sqlalchemy import bindparam, or_, update
from starlette.concurrency import run_in_threadpool

from plateau.server import feed
from plateau.server import models as m
from plateau.server.auth import Principal, authenticate
from plateau.sync import telemetry

log = logging.getLogger(__name__)

WRITE_EVERY = 15.0     # seconds between two writes of an unchanged station, per process
SKEW_MOVES = 5         # seconds: a skew moving less is not news
SKEW_WARN = 60         # seconds: beyond it the office shows the skew in red
LOG_EVERY = 60.0       # seconds between two log lines about one station's unreadable headers
_MAX_STATIONS = 50_000  # remembered stations before the guard starts again (bounded memory)


def _signature(row: dict) -> tuple:
    """What makes a write worth it at once (the skew is compared apart)."""
    waiting = row.get("waiting")
    return (row.get("version"), row.get("reader_state"), row.get("reader_detail"), row.get("parked"),
            None if waiting is None else waiting > 0, row.get("clock_skew_seconds") is None)


def _skew_news(old: int | None, new: int | None) -> bool:
    if old is None or new is None:
        return old != new
    return abs(new - old) >= SKEW_MOVES or (abs(old) > SKEW_WARN) != (abs(new) > SKEW_WARN)


class TelemetryRecorder:
    """Reads a request's telemetry and writes a station's row when due. `observe` runs on the
    event loop (cheap: a few header reads and a dict look-up); `write` on the thread pool."""

    def __init__(self, db, *, write_every: float = WRITE_EVERY, wall: Callable[[], float] = time.time,
                 now=feed.now, monotonic: Callable[[], float] = time.monotonic):
        self.db, self.write_every = db, write_every
        self.wall, self.now, self.monotonic = wall, now, monotonic
        self._written: dict[tuple[int, str], tuple[float, tuple, int | None]] = {}
        self._logged: dict[tuple[int, str], float] = {}
        self._tasks: set[asyncio.Task] = set()   # at most one write at a time
        self._pending: dict[tuple[int, str], dict] = {}   # due while it runs

    def observe(self, site_id: int, station_id: str, headers: Mapping[str, str]) -> dict | None:
        """The station's row values if they are due for a write, else None."""
        received = self.wall()
        seen = telemetry.parse(headers)
        key = (site_id, station_id)
        mono = self.monotonic()
        if seen.problems and mono - self._logged.get(key, -LOG_EVERY) >= LOG_EVERY:
            self._logged[key] = mono
            log.warning("station %s: telemetry header ignored: %s", station_id, "; ".join(seen.problems))
        row = {"contact_at": self.now()}
        if not seen.empty:   # an older station sends none: only its contact is news
            row.update(version=seen.version, reader_state=seen.reader, reader_detail=seen.reader_detail,
                       waiting=seen.waiting, parked=seen.parked,
                       clock_skew_seconds=None if seen.clock is None else round(seen.clock - received))
        signature = _signature(row)
        before = self._written.get(key)
        if before is not None and mono - before[0] < self.write_every and before[1] == signature \
                and not _skew_news(before[2], row.get("clock_skew_seconds")):
            return None
        if len(self._written) >= _MAX_STATIONS:
            self._written.clear()
            self._logged.clear()
        self._written[key] = (mono, signature, row.get("clock_skew_seconds"))
        return row

    def write(self, site_id: int, station_id: str, row: dict) -> None:
        """Store `row` in the station's row, unless a newer observation is already there."""
        self.write_many([((site_id, station_id), row)])

    def write_many(self, rows) -> None:
        """`write` for several stations' rows [((site id, station id), row)], in one transaction:
        one statement per set of columns, each executed for all its rows."""
        groups: dict[tuple, list[dict]] = {}
        for (site_id, station_id), row in rows:
            groups.setdefault(tuple(sorted(row)), []).append(
                {"b_site": site_id, "b_station": station_id, **{f"b_{k}": v for k, v in row.items()}})
        table = m.Station.__table__
        with self.db.write() as s:
            conn = s.connection()
            for columns, params in groups.items():
                conn.execute(update(table)
                             .where(table.c.site_id == bindparam("b_site"),
                                    table.c.station_id == bindparam("b_station"),
                                    or_(table.c.contact_at.is_(None), table.c.contact_at < bindparam("b_contact_at")))
                             .values({k: bindparam(f"b_{k}") for k in columns}), params)

    def note(self, site_id: int, station_id: str, headers: Mapping[str, str]) -> None:
        """On the event loop: observe, and when due start the write without waiting for it. Rows
        due while a write runs wait for the next, which writes them all in one transaction: when
        hundreds of stations are due at once (they started together), the database sees a few
        transactions, not hundreds competing with the pushes for SQLite's write lock."""
        row = self.observe(site_id, station_id, headers)
        if row is None:
            return
        self._pending[(site_id, station_id)] = row   # the latest observation of a station wins
        if not self._tasks:
            self._start()

    def _start(self) -> None:
        batch, self._pending = list(self._pending.items()), {}
        task = asyncio.get_running_loop().create_task(run_in_threadpool(self.write_many, batch))
        self._tasks.add(task)   # a task nobody references may be collected before it ran
        task.add_done_callback(lambda done: self._done(done, [key for key, _row in batch]))

    def _done(self, task: asyncio.Task, keys: list[tuple[int, str]]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # advisory: forget these writes, so that the stations' next requests try again
            log.warning("stations %s: cannot store their telemetry: %s",
                        ", ".join(key[1] for key in keys[:5]) + (", ..." if len(keys) > 5 else ""), task.exception())
            for key in keys:
                self._written.pop(key, None)
        if self._pending and not self._tasks:
            self._start()

    async def drain(self) -> None:
        """Wait for the writes started or due so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            await asyncio.sleep(0)   # let `_done` start the writes that were waiting


def recorder(app) -> TelemetryRecorder:
    """The app's recorder (made on first use, on the event loop: no race)."""
    found = getattr(app.state, "telemetry", None)
    if found is None:
        found = app.state.telemetry = TelemetryRecorder(app.state.db)
    return found


async def note_station(request: Request, caller: Annotated[Principal, Depends(authenticate)]) -> None:
    """A dependency of the sync routes: runs after the token was verified (`authenticate`, which
    FastAPI resolves once per request), for station callers only."""
    if caller.station_id is None or caller.site_id is None:
        return
    recorder(request.app).note(caller.site_id, caller.station_id, request.headers)
