"""The kiosk's database worker: decisions, durable writes and PIN checks off the GUI thread.

One `DbWorker` lives on a QThread named "kiosk-db" and owns every write the kiosk makes
(`Recorder.badge/forgotten/override/cancel`, card declared lost, force sync) and the scrypt PIN
check. Why a thread: a commit with `synchronous=FULL` on a kiosk's SD card can take 5–20 ms,
and one scrypt hash takes tens of ms; the GUI thread must keep painting (the clock, a pupil's
answer) whatever the disk does. Requests arrive as queued signals in order, so two badges are
decided one after the other, each in its own IMMEDIATE transaction.

A second instance on a "kiosk-stats" thread computes the day's headcounts (manager view, the
idle screen's "expected" figure) so that a big report never delays a badge.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from plateau.errors import user_facing

log = logging.getLogger(__name__)


class DbWorker(QObject):
    """Runs `actions[name](*args)` for each `submit(name, args, token)` on its own thread; answers
    with `done(name, result, token)` or `failed(name, message, is_user_error, token)` (GUI thread
    receives them queued)."""

    submit = Signal(str, object, int)
    done = Signal(str, object, int)
    failed = Signal(str, str, bool, int)

    def __init__(self, actions: dict[str, Callable[..., Any]], thread_name: str):
        super().__init__()
        self.actions = actions
        self.thread = QThread()
        self.thread.setObjectName(thread_name)
        self.moveToThread(self.thread)
        self.submit.connect(self._run)
        self.last_duration = 0.0

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.thread.quit()
        if not self.thread.wait(5000):
            log.error("worker thread %s did not stop in 5 s", self.thread.objectName())

    @Slot(str, object, int)
    def _run(self, name: str, args: tuple, token: int) -> None:
        started = time.perf_counter()
        log.debug("start action=%s", name)
        try:
            result = self.actions[name](*args)
        except user_facing() as exc:
            log.warning("kiosk action %s refused: %s", name, exc)
            self.failed.emit(name, str(exc), True, token)
        except Exception as exc:  # a bug: the traceback goes to the log, the kiosk carries on
            log.error("kiosk action %s failed:\n%s", name, traceback.format_exc())
            self.failed.emit(name, f"{exc.__class__.__name__}: {exc}", False, token)
        else:
            self.done.emit(name, result, token)
        finally:
            self.last_duration = time.perf_counter() - started
