"""The port every badge reader implements (CONTRIBUTING.md: hardware behind a small port).

A reader runs in its own thread (one thread owns each device), turns whatever the hardware
sends into normalised `BadgeRead`s and reports its state. Library exceptions (serial, usb1,
nfc) are translated at the edge into `ReaderUnavailable`, `BadFrame` or `ReaderTimeout`.
Consumers (the kiosk, `plateau pass`-like scripts) only see this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Callable, Protocol


class ReaderState(StrEnum):
    STARTING = "starting"
    READY = "ready"
    UNPLUGGED = "unplugged"   # device gone; the reader keeps trying to reopen it
    ERROR = "error"           # cannot open (permissions, driver in the way): see `detail`
    STOPPED = "stopped"


@dataclass(frozen=True)
class BadgeRead:
    """One presentation of a card: canonical UID (plateau.domain.uid), which reader, when."""

    uid: str
    reader: str
    at: datetime          # aware, UTC
    raw: str = ""         # what the device sent, for the debug log


class ReaderError(Exception):
    pass


class ReaderUnavailable(ReaderError):
    """The device cannot be opened or disappeared.

    `unplugged` tells "the device is not there" (shown as UNPLUGGED, retried quietly) from
    "the device is there but cannot be used" (permissions, a kernel driver in the way: ERROR).
    """

    def __init__(self, message: str = "", *, unplugged: bool = False) -> None:
        super().__init__(message)
        self.unplugged = unplugged


class BadFrame(ReaderError):
    """Bytes that are not a valid frame (bad checksum, garbage)."""


class ReaderTimeout(ReaderError):
    pass


OnRead = Callable[[BadgeRead], None]
OnState = Callable[[ReaderState, str], None]


class BadgeReader(Protocol):
    """Start a worker thread that calls `on_read` for each (debounced) read and `on_state` on each
    state change; `stop()` returns within about a second. Callbacks run on the reader's thread:
    a Qt consumer forwards them with a queued signal."""

    name: str

    def start(self, on_read: OnRead, on_state: OnState) -> None: ...

    def stop(self, timeout: float = 1.0) -> None: ...

    @property
    def state(self) -> ReaderState: ...
