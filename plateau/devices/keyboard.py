"""Keyboard-wedge readers: USB readers that type the UID and Enter, read from the kiosk's Qt key events.

A reader types a whole UID in a burst (a few ms per key, set by the USB HID polling); a person
types at 80 ms per key or slower. `WedgeAssembler` (pure, no Qt) tells them apart by the gap
between keys: a run of printable characters with every gap under `max_gap_ms`, ended by Enter
within the same gap, is a badge (its prefix/suffix stripped, spelled in `uid_format`). A longer gap starts a new run, so two quick badges are never merged
into one UID, even from a reader that drops the Enter of the first.

`KeyboardWedge` is the Qt side: an event filter installed for the kiosk window that holds the
printable keys of a burst back from the widgets, emits `badge(uid)` at Enter (or the text of a
phone badge's QR code, read by a USB 2D scanner in keyboard mode), and hands the keys
back to the focused widget, in order, when they turn out to be typed by a person (a staff search
field keeps working; each key reaches it `max_gap_ms` late, which nobody notices).
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from plateau.devices.debounce import Debouncer
from plateau.devices.wedge import DEFAULT_MAX_GAP_MS, DEFAULT_MIN_LENGTH, WedgeAssembler, reader_char

log = logging.getLogger(__name__)

_MODIFIER_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr,
                            Qt.Key.Key_Meta, Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock})


class KeyboardWedge(QObject):
    """Emits `badge(str uid)` for reader-speed bursts typed into `window`.

    Lives on the Qt GUI thread (where key events are delivered); it owns no other thread. The
    filter is installed on the QApplication so it sees keys whatever widget of `window` has the
    focus, and acts only on keys meant for that window.
    """

    badge = Signal(str)

    def __init__(self, window: QWidget, *, max_gap_ms: int = DEFAULT_MAX_GAP_MS,
                 min_length: int = DEFAULT_MIN_LENGTH, uid_format: str = "hex", prefix: str = "",
                 suffix: str = "", debounce_ms: int = 1500,
                 clock: Callable[[], float] = time.monotonic, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self._window = window
        self._clock = clock
        self._assembler = WedgeAssembler(max_gap_ms, min_length, uid_format, prefix, suffix)
        self._debounce = Debouncer(debounce_ms, clock)
        self._held: list[QKeyEvent] = []       # copies of the keys held back, to hand back if a person typed
        self._target: QObject | None = None
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._timer_ms = max_gap_ms + 5
        app = QApplication.instance()
        if app is None:
            raise RuntimeError("KeyboardWedge needs a QApplication")
        app.installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # -- Qt -----------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if self._replaying or event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        if obj.window() is not self._window:
            return False
        # act once per key: at the focus widget (or the window itself when nothing has the focus),
        # not again when the same event propagates to its parents
        if obj is not (QApplication.focusWidget() or self._window):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() in _MODIFIER_KEYS:
            return False  # readers press Shift for upper-case hex: part of a burst, not a person's key
        now = self._clock()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._timer.stop()
            had_held = bool(self._held)
            uid, chars = self._assembler.enter(now)
            if uid is not None:
                self._held.clear()
                self._emit(uid)
                return True
            if chars:
                self._replay()  # a person typed, then Enter: give both to the widget, in order
                return False
            self._held.clear()
            return had_held  # a reader-speed burst that is not a UID: swallowed with its Enter
        text = event.text()
        if len(text) != 1 or not text.isprintable() or event.isAutoRepeat() or event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            # not something a reader types (an arrow, Backspace, a key held down): whatever was
            # held was typed by a person
            self._timer.stop()
            self._assembler.reset()
            self._replay()
            return False
        if self._assembler.key(reader_char(text, event.nativeScanCode()), now, text):
            self._replay()  # the held run was too slow for a reader: a person's keys
        # a copy (Qt reuses the event) with everything a widget may look at, for a replay
        self._held.append(QKeyEvent(event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
                                    event.nativeVirtualKey(), event.nativeModifiers(), event.text(),
                                    event.isAutoRepeat(), event.count()))
        self._target = obj
        self._timer.start(self._timer_ms)
        return True

    # -- helpers ----------------------------------------------------------------------------------

    def _emit(self, uid: str) -> None:
        if not self._debounce.accept(uid):
            log.debug("reader=keyboard event=repeat uid=%s", uid)
            return
        log.debug("reader=keyboard event=read uid=%s", uid)
        self.badge.emit(uid)

    def _on_timeout(self) -> None:
        if self._assembler.expire(self._clock()):
            self._replay()
        elif self._held:
            self._timer.start(2)  # fired a little early: the gap is not over yet

    def _replay(self) -> None:
        """Hand held keys back to the widget they were meant for, in order."""
        held, self._held = self._held, []
        target = self._target
        if target is None or not held:
            return
        self._replaying = True
        try:
            for copy in held:
                QApplication.sendEvent(target, copy)
        finally:
            self._replaying = False
