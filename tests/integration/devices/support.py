"""Helpers for device tests: a pluggable pty "reader" and a collector of reads and states."""

from __future__ import annotations

import os
import select
import threading
import time
from pathlib import Path

from plateau.devices.base import BadgeRead, ReaderState


def wait_for(predicate, timeout: float = 3.0, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class PtyDevice:
    """A serial "reader" the test can write to, unplug and plug back.

    The reader opens `path`, a symlink we control (as a udev rule gives /dev/plateau-reader):
    `unplug()` closes the pty (the reader's reads fail, the device node vanishes) and
    `plug()` makes a new pty behind the same path.
    """

    def __init__(self, directory: Path, name: str = "reader") -> None:
        self.path = str(directory / name)
        self.master: int | None = None
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        slave_name = os.ttyname(slave)
        os.close(slave)  # the pty lives as long as the master is open; the reader opens it by name
        if os.path.lexists(self.path):
            os.unlink(self.path)
        os.symlink(slave_name, self.path)
        self.master = master

    def unplug(self) -> None:
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def write(self, data: bytes) -> None:
        assert self.master is not None, "unplugged"
        os.write(self.master, data)

    def read(self, n: int, timeout: float = 3.0) -> bytes:
        """What the station wrote to the device (for outputs), up to `n` bytes within `timeout`."""
        assert self.master is not None, "unplugged"
        got = b""
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                got += os.read(self.master, n - len(got))
            except OSError:  # EIO while no one has the other end open yet
                time.sleep(0.01)
        return got

    def close(self) -> None:
        self.unplug()
        if os.path.lexists(self.path):
            os.unlink(self.path)


class Collector:
    """The callbacks a reader is started with; records what arrives (from the reader's thread)."""

    def __init__(self) -> None:
        self.reads: list[BadgeRead] = []
        self.states: list[tuple[float, ReaderState, str]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def on_read(self, read: BadgeRead) -> None:
        with self._lock:
            self.reads.append(read)
            self.threads.add(threading.current_thread().name)

    def on_state(self, state: ReaderState, detail: str) -> None:
        with self._lock:
            self.states.append((time.monotonic(), state, detail))

    @property
    def uids(self) -> list[str]:
        with self._lock:
            return [r.uid for r in self.reads]

    def state_after(self, since: float, state: ReaderState) -> float | None:
        with self._lock:
            for at, s, _ in self.states:
                if at >= since and s == state:
                    return at
        return None

    def wait_reads(self, n: int, timeout: float = 3.0) -> bool:
        return wait_for(lambda: len(self.reads) >= n, timeout)

    def wait_state(self, state: ReaderState, since: float = 0.0, timeout: float = 3.0) -> bool:
        return wait_for(lambda: self.state_after(since, state) is not None, timeout)
