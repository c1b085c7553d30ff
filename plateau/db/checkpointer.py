"""Copying the WAL back into the replica file between pupils, off the badge path."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

log = logging.getLogger(__name__)


class Checkpointer:
    """Copies the WAL back into the database file between pupils, off the badge path.

    SQLite checkpoints automatically inside the commit that crosses `wal_autocheckpoint`
    pages: that commit, i.e. one pupil's answer every hundred or so, would wait for a
    thousand page writes and an fsync of the database file (tens of ms here, far more on a
    kiosk's SD card). The unit of work calls `recorded()` after each committed passage; after `every`
    passages a short-lived thread named ``plateau-checkpoint`` waits for a pause of
    `idle_seconds` without a passage (pupils come every 2-3 s), runs a PASSIVE checkpoint on its
    own connection (PASSIVE never blocks writers nor waits for readers), then ends, so that its
    writes and fsync do not compete with a pupil's commit. At most one such thread at a time.
    Under a continuous burst with no pause, SQLite's own autocheckpoint remains the safety net."""

    def __init__(self, path: str | None, every: int = 64, idle_seconds: float = 0.03,
                 max_wait_seconds: float = 60.0):
        self.path = path
        self.every = every
        self.idle_seconds = idle_seconds
        self.max_wait_seconds = max_wait_seconds
        self._count = 0
        self._last = 0.0  # monotonic time of the last passage (read by the helper thread)
        self._thread: threading.Thread | None = None

    def recorded(self) -> None:
        self._count += 1
        self._last = time.monotonic()
        if self.path and self._count >= self.every and not (self._thread and self._thread.is_alive()):
            self._count = 0
            self._thread = threading.Thread(target=self._run, name="plateau-checkpoint", daemon=True)
            self._thread.start()

    def join(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_wait_seconds
        while (quiet := time.monotonic() - self._last) < self.idle_seconds and time.monotonic() < deadline:
            time.sleep(self.idle_seconds - quiet)
        try:
            con = sqlite3.connect(self.path, timeout=0)
            try:
                con.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                con.close()
        except sqlite3.Error as exc:  # the next checkpoint (or SQLite's own) will do it
            log.debug("background checkpoint of %s failed: %s", self.path, exc)
