"""The kiosk's worker threads, and the typed operations the window submits to them.

One `DbWorker` lives on a QThread named "kiosk-db" and runs the kiosk's writes and what a badge
waits for (the services: badge, forgotten badge, override, cancel, card declared lost; "sync now";
the staff badge lookup and the scrypt PIN check). Why a thread: a commit with `synchronous=FULL` on a kiosk's SD card
can take 5–20 ms, and one scrypt hash tens of ms; the GUI thread must keep painting (the clock, a
pupil's answer) whatever the disk does. Operations arrive as queued signals, in order, so two
badges are decided one after the other, each in its own IMMEDIATE transaction.

A second instance on a "kiosk-stats" thread runs the screens' reads (sync status, served count and
menu, forgotten-badge search, last passages) and computes the day's headcounts (manager view, the
idle screen's "expected" figure), so that no read and no big report ever delays a badge.

Each operation carries its own callbacks, as Anki's `CollectionOp` does:

    KioskOp(self.db, lambda: actions.badge(uid, at)).success(self._answered).failure(self._ask_staff).run()

The function runs on the worker's thread; `success(result)` or `failure(Failure)` runs on the GUI
thread.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from plateau.errors import user_facing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """Why an operation failed. `for_a_person`: the text is written for staff (a refused action);
    otherwise it was a bug, already logged with its traceback."""

    message: str
    for_a_person: bool


class KioskOp:
    """One background operation and its callbacks (built, then `run()`, on the GUI thread)."""

    def __init__(self, worker: DbWorker, fn: Callable[[], Any], name: str | None = None):
        self.worker, self.fn = worker, fn
        self.name = name or getattr(fn, "__name__", "operation")
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[Failure], None] | None = None

    def success(self, callback: Callable[[Any], None]) -> KioskOp:
        self._success = callback
        return self

    def failure(self, callback: Callable[[Failure], None]) -> KioskOp:
        self._failure = callback
        return self

    def run(self) -> None:
        self.worker.submit.emit(self)

    def deliver(self, result: Any, failure: Failure | None) -> None:
        """GUI thread: call the callback that fits (an unanswered failure is only logged)."""
        if failure is None:
            if self._success is not None:
                self._success(result)
        elif self._failure is not None:
            self._failure(failure)


class _Delivery(QObject):
    """Lives on the GUI thread: the worker's answers reach it queued, in order."""

    @Slot(object, object, object)
    def deliver(self, op: KioskOp, result: Any, failure: Failure | None) -> None:
        op.deliver(result, failure)


class DbWorker(QObject):
    """Runs each submitted `KioskOp` on its own thread, one at a time, in order."""

    submit = Signal(object)
    finished = Signal(object, object, object)   # op, result, Failure | None

    def __init__(self, thread_name: str):
        super().__init__()
        self._delivery = _Delivery()   # created here, on the GUI thread, and not moved with the worker
        self.finished.connect(self._delivery.deliver)
        self.thread = QThread()
        self.thread.setObjectName(thread_name)
        self.moveToThread(self.thread)
        self.submit.connect(self._run)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.thread.quit()
        if not self.thread.wait(5000):
            log.error("worker thread %s did not stop in 5 s", self.thread.objectName())

    @Slot(object)
    def _run(self, op: KioskOp) -> None:
        started = time.perf_counter()
        log.debug("start action=%s", op.name)
        result, failure = None, None
        try:
            result = op.fn()
        except user_facing() as exc:
            log.warning("kiosk action %s refused: %s", op.name, exc)
            failure = Failure(str(exc), True)
        except Exception as exc:  # a bug: the traceback goes to the log, the kiosk carries on
            log.error("kiosk action %s failed:\n%s", op.name, traceback.format_exc())
            failure = Failure(f"{exc.__class__.__name__}: {exc}", False)
        log.debug("done action=%s in_worker_ms=%.1f", op.name, (time.perf_counter() - started) * 1000)
        self.finished.emit(op, result, failure)
