"""Small QObjects that carry events into the kiosk window on the GUI thread."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, Signal


class ReaderBridge(QObject):
    """Carries a reader's callbacks (reader thread) to the GUI thread as queued signals."""

    read = Signal(str)
    state = Signal(str, str)

    def on_read(self, badge) -> None:
        self.read.emit(badge.uid)

    def on_state(self, state, detail: str = "") -> None:
        self.state.emit(str(state), detail or "")


class ActivityFilter(QObject):
    """Any touch, click or key in staff mode pushes the inactivity deadline (staff reading the
    last passages must not be logged out under their fingers). Installed on the QApplication;
    GUI thread; never consumes the event."""

    _KINDS = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress, QEvent.Type.Wheel)

    def __init__(self, on_activity: Callable[[], None], parent=None):
        super().__init__(parent)
        self.on_activity = on_activity

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() in self._KINDS:
            self.on_activity()
        return False
