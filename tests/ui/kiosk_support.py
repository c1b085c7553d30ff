"""Helpers of the kiosk's UI tests: a scripted reader (our own port, faked), a settable clock,
and a real window on a real replica seeded with the demo school."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from plateau.devices.base import BadgeRead, ReaderState


class ScriptedReader:
    """A `BadgeReader` whose reads are pushed by the test (`feed`), delivered from its own thread
    like a real reader's, so the kiosk's cross-thread path is exercised."""

    name = "scripted"

    def __init__(self):
        self._on_read = self._on_state = None
        self._state = ReaderState.STOPPED

    def start(self, on_read, on_state) -> None:
        self._on_read, self._on_state = on_read, on_state
        self.set_state(ReaderState.READY)

    def stop(self, timeout: float = 1.0) -> None:
        self.set_state(ReaderState.STOPPED)

    @property
    def state(self) -> ReaderState:
        return self._state

    def set_state(self, state: ReaderState, detail: str = "") -> None:
        self._state = state
        if self._on_state:
            t = threading.Thread(target=self._on_state, args=(state, detail), name="scripted-reader")
            t.start()
            t.join(2)

    def feed(self, uid: str) -> None:
        read = BadgeRead(uid, self.name, datetime.now(timezone.utc), raw=uid)
        t = threading.Thread(target=self._on_read, args=(read,), name="scripted-reader")
        t.start()
        t.join(2)


@dataclass
class Clock:
    """The kiosk's wall clock, set by the test."""

    at: datetime
    calls: list = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.at


def settle(qtbot, kiosk, timeout: int = 10_000) -> None:
    """Wait until the kiosk's workers have answered everything submitted so far (each runs and
    answers in order; the writes' worker first, since a write's answer may ask for a read)."""
    from plateau.station.ui.worker import KioskOp

    for worker in (kiosk.db, kiosk.stats):
        answered = []
        KioskOp(worker, lambda: True).success(answered.append).run()
        qtbot.waitUntil(lambda: bool(answered), timeout=timeout)
