"""The daemon's view of its own health, mirrored into `sync_state` for the kiosk.

Both sync loops report here (success, failure, token refused, clock skew). `StatusKeeper`
keeps the current picture in memory and writes only the keys that changed, in one short
transaction, so the kiosk's `status.read_status` always finds a current, consistent answer
without the daemon writing on every long-poll.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Engine

from plateau.domain.clock import ClockError, check_clock
from plateau.db.replica import set_state
from plateau.sync import status

log = logging.getLogger(__name__)

# which problem staff should read first when several are true at once
_PRIORITY = ("token", "clock", "push", "pull", "skew")
HEARTBEAT_SECONDS = 10.0  # how often a running daemon stamps `status.HEARTBEAT` ([server] heartbeat_seconds)


def describe_skew(skew: float) -> str:
    way = "behind" if skew > 0 else "ahead of"
    return (f"the station clock is {abs(skew):.0f} s {way} the server's: check the time settings (NTP)")


class StatusKeeper:
    """Health of both sync loops, written to `sync_state` when it changes.

    Thread-safe: the push thread and the pull thread both call it (one lock around the
    in-memory picture and the write).
    """

    def __init__(self, engine: Engine, *, skew_warn_seconds: float = 120,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 success_every: float = 5.0, wall: Callable[[], float] = time.time,
                 heartbeat_every: float = HEARTBEAT_SECONDS):
        self.engine = engine.execution_options(plateau_immediate=True)
        self.skew_warn = skew_warn_seconds
        self.now = now
        self.success_every = success_every  # seconds between mere "still fine" stamps
        self._lock = threading.Lock()
        self._problems: dict[str, str] = {}
        self._failing: set[str] = set()
        self._offline_since: datetime | None = None
        self._skew: float | None = None
        self._written: dict[str, str] = {}
        self._last_success_written = 0.0
        self.wall = wall                      # the heartbeat is real time, whatever `now` says
        self.heartbeat_every = heartbeat_every
        self._beat_at: float | None = None    # monotonic: when the heartbeat was last written

    # -- reports from the loops ---------------------------------------------------------------
    def succeeded(self, loop: str, skew: float | None = None, *, stamped: bool = False) -> None:
        """A request of `loop` ("push" or "pull") succeeded. `stamped`: its transaction already
        wrote last_success_at."""
        with self._lock:
            self._problems.pop(loop, None)
            self._problems.pop("token", None)
            self._failing.discard(loop)
            if not self._failing:
                self._offline_since = None
            self._observe_skew(skew)
            values = self._values()
            now_mono = time.monotonic()
            if stamped:
                self._last_success_written = now_mono
            elif now_mono - self._last_success_written >= self.success_every:
                values[status.LAST_SUCCESS] = self.now().isoformat()
                self._last_success_written = now_mono
            self._write(values)

    def idle(self, loop: str) -> None:
        """`loop` has nothing to do (e.g. the outbox emptied by the feed): it is not failing."""
        with self._lock:
            if loop not in self._failing and loop not in self._problems:
                return
            self._problems.pop(loop, None)
            self._failing.discard(loop)
            if not self._failing:
                self._offline_since = None
            self._write(self._values())

    def failed(self, loop: str, message: str, *, token: bool = False, skew: float | None = None) -> None:
        with self._lock:
            if self._problems.get("token" if token else loop) != message:
                log.warning("sync %s: %s", loop, message)
            self._problems["token" if token else loop] = message
            if not self._failing:
                self._offline_since = self.now()
            self._failing.add(loop)
            self._observe_skew(skew)
            self._write(self._values())

    def heartbeat(self) -> None:
        """The daemon is running: stamp `status.HEARTBEAT` (at most every `heartbeat_every` s, as
        each stamp is one small fsynced write; cheap to call often). Both loops call it whenever
        they work, and the push loop while it waits, so its age tells the kiosk whether
        synchronisation runs at all, online or not."""
        if self._beat_at is not None and time.monotonic() - self._beat_at < self.heartbeat_every:
            return
        with self._lock:
            self._beat_at = time.monotonic()
            beat = datetime.fromtimestamp(self.wall(), timezone.utc).isoformat()
            try:
                with self.engine.begin() as conn:
                    set_state(conn, status.HEARTBEAT, beat)
            except Exception:  # advisory, like the rest of the status: never stop the sync for it
                log.warning("cannot write the sync heartbeat", exc_info=True)

    def check_local_clock(self) -> bool:
        """False (and a clear last_error) while the station's clock reads before the build date."""
        with self._lock:
            try:
                check_clock(self.now())
                self._problems.pop("clock", None)
                ok = True
            except ClockError as exc:
                self._problems["clock"] = str(exc)
                ok = False
            self._write(self._values())
            return ok

    @property
    def last_error(self) -> str:
        with self._lock:
            return self._last_error()

    # -- internals ----------------------------------------------------------------------------
    def _observe_skew(self, skew: float | None) -> None:
        if skew is None:
            return
        self._skew = skew
        if abs(skew) > self.skew_warn:
            self._problems["skew"] = describe_skew(skew)
        else:
            self._problems.pop("skew", None)

    def _last_error(self) -> str:
        return next((self._problems[k] for k in _PRIORITY if k in self._problems), "")

    def _values(self) -> dict[str, str]:
        online = not self._failing
        return {
            status.ONLINE: "1" if online else "0",
            status.OFFLINE_SINCE: self._offline_since.isoformat() if self._offline_since else "",
            status.CLOCK_SKEW: f"{self._skew:.1f}" if self._skew is not None else "",
            status.LAST_ERROR: self._last_error(),
        }

    def _write(self, values: dict[str, str]) -> None:
        # skew moves by fractions of a second on every answer: rewrite it only when it moved by 1 s
        old_skew = self._written.get(status.CLOCK_SKEW)
        if old_skew and values[status.CLOCK_SKEW] and \
                abs(float(old_skew) - float(values[status.CLOCK_SKEW])) < 1.0:
            values[status.CLOCK_SKEW] = old_skew
        changed = {k: v for k, v in values.items() if self._written.get(k) != v}
        if not changed:
            return
        try:
            with self.engine.begin() as conn:
                for key, value in changed.items():
                    set_state(conn, key, value)
        except Exception:  # the status is advisory: never let it stop the sync
            log.exception("cannot write the sync status")
            return
        self._written.update({k: v for k, v in changed.items() if k != status.LAST_SUCCESS})
