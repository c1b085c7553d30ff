"""Hand a threaded reader's callbacks to the Qt GUI thread as signals.

    bridge = ReaderBridge(reader)          # on the GUI thread
    bridge.badge.connect(flow.on_badge)    # str uid
    bridge.state.connect(screen.on_reader_state)   # str state, str detail
    bridge.start(); ...; bridge.stop()
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from plateau.devices.base import BadgeRead, BadgeReader, ReaderState


class ReaderBridge(QObject):
    """Lives on the GUI thread. The reader calls `_on_read`/`_on_state` on its own thread; emitting a
    signal of this QObject from there is delivered as a queued call on the GUI thread (Qt's
    AutoConnection across threads), so slots never run on the reader's thread."""

    badge = Signal(str)
    read = Signal(object)        # the whole BadgeRead (uid, reader, instant, raw)
    state = Signal(str, str)

    def __init__(self, reader: BadgeReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reader = reader

    def start(self) -> None:
        self.reader.start(self._on_read, self._on_state)

    def stop(self, timeout: float = 1.0) -> None:
        self.reader.stop(timeout)

    def _on_read(self, read: BadgeRead) -> None:
        self.read.emit(read)
        self.badge.emit(read.uid)

    def _on_state(self, state: ReaderState, detail: str) -> None:
        self.state.emit(state.value, detail)
