"""The thread every non-Qt reader runs on: open, read, notice unplugging, reopen with backoff.

Subclasses say how to open the device, how to read from it until it fails or `stopping`
is set, and how to interrupt a blocking read; this class owns the thread, the state
reports, the debounce and the retry policy, so every adapter behaves the same when a
cable is pulled.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone

from plateau.devices.base import (BadgeRead, OnRead, OnState, ReaderState,
                                  ReaderUnavailable)
from plateau.devices.debounce import Debouncer
from plateau.devices.frames import Event, Frame

log = logging.getLogger(__name__)

RETRY_FIRST = 0.2       # seconds before the first reopen: a replug is usually quick
RETRY_MAX = 2.0         # cap: a replugged reader resumes within about 2 s


class ThreadedReader:
    """Base class of the serial, NFC and simulated readers.

    Runs on one `threading.Thread` named ``reader-<name>`` that it starts and joins: all
    calls into the device library happen on that thread (one thread owns each device, so
    pyserial and nfcpy never see concurrent calls). `on_read` and `on_state` are called on
    that thread; `start`, `stop` and `state` may be called from any thread.
    """

    kind = "reader"

    def __init__(self, name: str = "reader", *, debounce_ms: int = 1500,
                 retry_first: float = RETRY_FIRST, retry_max: float = RETRY_MAX) -> None:
        self.name = name
        self.stopping = threading.Event()
        self._debounce = Debouncer(debounce_ms)
        self._retry_first, self._retry_max = retry_first, retry_max
        self._state = ReaderState.STOPPED
        self._detail = ""
        self._on_read: OnRead | None = None
        self._on_state: OnState | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.reads = 0          # counters for tests, benchmarks and the status screen
        self.rejected = 0
        self.open_attempts = 0

    # -- the port ---------------------------------------------------------------------------

    @property
    def state(self) -> ReaderState:
        return self._state

    @property
    def detail(self) -> str:
        return self._detail

    def start(self, on_read: OnRead, on_state: OnState) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RuntimeError(f"reader {self.name} already started")
            self._on_read, self._on_state = on_read, on_state
            self.stopping.clear()
            self._state, self._detail = ReaderState.STARTING, ""   # reported from the thread, below
            self._thread = threading.Thread(target=self._run, name=f"reader-{self.name}", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the worker to stop and wait for it (at most `timeout`, then give up with a log line)."""
        self.stopping.set()
        thread = self._thread
        if thread is None:
            return
        deadline = time.monotonic() + timeout
        while thread.is_alive() and time.monotonic() < deadline:
            self._interrupt()  # repeated: a blocking call may have started after the first one
            thread.join(min(0.05, max(0.0, deadline - time.monotonic())))
        if thread.is_alive():
            log.warning("reader=%s event=stop_timeout detail=%r", self.name, "worker still blocked after stop")
        else:
            self._thread = None

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- what adapters provide --------------------------------------------------------------

    def describe(self) -> str:
        return self.name

    def _open(self) -> None:
        """Open the device; raise ReaderUnavailable (unplugged or not) on failure."""
        raise NotImplementedError

    def _session(self) -> None:
        """Read until `stopping` is set (return) or the device fails (raise ReaderUnavailable)."""
        raise NotImplementedError

    def _close(self) -> None:
        """Release the device; never raises."""

    def _interrupt(self) -> None:
        """Called from the stopping thread: wake a blocking read if the library allows it."""

    # -- for adapters ------------------------------------------------------------------------

    def _handle(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Frame):
                self._deliver(event.uid, event.raw)
            else:
                self.rejected += 1
                log.warning("reader=%s event=rejected reason=%r raw=%s", self.name, event.reason, event.raw.hex())

    def _deliver(self, uid: str, raw: bytes | str = b"") -> None:
        raw_text = raw.hex() if isinstance(raw, (bytes, bytearray)) else raw
        if not self._debounce.accept(uid):
            log.debug("reader=%s event=repeat uid=%s", self.name, uid)
            return
        self.reads += 1
        read = BadgeRead(uid=uid, reader=self.name, at=datetime.now(timezone.utc), raw=raw_text)
        log.debug("reader=%s event=read uid=%s raw=%s", self.name, uid, raw_text)
        callback = self._on_read
        if callback is None:
            return
        try:
            callback(read)
        except Exception:  # a consumer bug must not kill the reader thread
            log.exception("reader=%s event=callback_failed uid=%s", self.name, uid)

    def _set_state(self, state: ReaderState, detail: str, *, force: bool = False) -> None:
        if state == self._state and detail == self._detail and not force:
            return
        self._state, self._detail = state, detail
        level = logging.WARNING if state in (ReaderState.UNPLUGGED, ReaderState.ERROR) else logging.INFO
        log.log(level, "reader=%s kind=%s state=%s device=%r detail=%r",
                self.name, self.kind, state.value, self.describe(), detail)
        callback = self._on_state
        if callback is not None:
            try:
                callback(state, detail)
            except Exception:
                log.exception("reader=%s event=state_callback_failed", self.name)

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        self._set_state(ReaderState.STARTING, "", force=True)
        delay = self._retry_first
        last_failure = None
        while not self.stopping.is_set():
            self.open_attempts += 1
            try:
                self._open()
            except Exception as exc:
                if isinstance(exc, ReaderUnavailable):
                    state, message = (ReaderState.UNPLUGGED if exc.unplugged else ReaderState.ERROR), str(exc)
                else:  # a library error we did not translate: keep trying, but with its traceback
                    log.exception("reader=%s event=open_crashed", self.name)
                    state, message = ReaderState.ERROR, f"internal error: {exc}"
                if message != last_failure:
                    # one clear line per distinct problem, not one every retry for hours
                    log.warning("reader=%s event=open_failed device=%r detail=%r retry_in=%.1fs",
                                self.name, self.describe(), message, delay)
                    last_failure = message
                self._set_state(state, message)
                self.stopping.wait(delay)
                delay = min(delay * 2, self._retry_max)
                continue
            last_failure = None
            self._debounce.reset()
            self._set_state(ReaderState.READY, "")
            opened_at, reads_before = time.monotonic(), self.reads + self.rejected
            try:
                self._session()
            except ReaderUnavailable as exc:
                if not self.stopping.is_set():
                    self._set_state(ReaderState.UNPLUGGED if exc.unplugged else ReaderState.ERROR, str(exc))
            except Exception as exc:  # never die silently: report, wait, reopen
                log.exception("reader=%s event=session_crashed", self.name)
                self._set_state(ReaderState.ERROR, f"internal error: {exc}")
            finally:
                self._close()
            # a session that failed at once (a device that opens but cannot be read) must not spin:
            # keep backing off; one that ran a while or read something starts again from the short delay
            if time.monotonic() - opened_at > 10 or self.reads + self.rejected > reads_before:
                delay = self._retry_first
            self.stopping.wait(delay)
            delay = min(delay * 2, self._retry_max)
        self._set_state(ReaderState.STOPPED, "")
