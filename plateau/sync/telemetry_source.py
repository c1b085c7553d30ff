"""The station's side of the telemetry headers (`plateau.sync.telemetry`): what the daemon knows.

The queue counts and the reader's state live in the replica (the kiosk, another process, writes
the reader's state there: `plateau.db.kiosk.record_reader_state`). Reading them for every request
would add a read transaction to every long-poll, so `TelemetrySource` reads them at most every
`refresh_seconds`, or at the next request after a push moved the queues (one small read per push,
beside the push loop's own reads of the outbox), and hands out the remembered headers in between.
The clock header is not here: the client stamps it as it sends each request.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine

from plateau import __version__
from plateau.db.kiosk import READER_DETAIL, READER_STATE
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import telemetry

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0


class TelemetrySource:
    """The telemetry headers of this station, refreshed from the replica at most every
    `refresh_seconds`. Thread-safe: the push and the pull threads both call `headers()`."""

    def __init__(self, engine: Engine, *, refresh_seconds: float = REFRESH_SECONDS,
                 monotonic=time.monotonic):
        self.engine = engine
        self.refresh_seconds = refresh_seconds
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._moved = False
        self._headers: dict[str, str] = {telemetry.VERSION: __version__}

    def headers(self) -> dict[str, str]:
        """The version, reader, waiting and parked headers (a copy)."""
        with self._lock:
            now = self.monotonic()
            if self._moved or self._read_at is None or now - self._read_at >= self.refresh_seconds:
                self._read_at, self._moved = now, False
                self._refresh()
            return dict(self._headers)

    def changed(self) -> None:
        """The queues just moved (a push was answered): read them again at the next request."""
        with self._lock:
            self._moved = True

    def _refresh(self) -> None:
        try:
            with UnitOfWork(self.engine).reading() as uow:
                waiting, parked = uow.queue_counts()
                state, detail = uow.state(READER_STATE), uow.state(READER_DETAIL) or ""
        except Exception:  # advisory: a busy replica keeps the last values, never fails a request
            log.warning("cannot read the station's telemetry from the replica", exc_info=True)
            return
        self._headers.update({telemetry.READER: telemetry.reader_value(state or "unknown", detail),
                              telemetry.WAITING: str(min(waiting, 999_999_999)),
                              telemetry.PARKED: str(min(parked, 999_999_999))})
