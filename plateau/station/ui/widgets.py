"""Small widgets shared by the kiosk's screens. GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget


def label(text: str = "", role: str = "normal", *, align=Qt.AlignmentFlag.AlignCenter, wrap: bool = True,
          name: str = "") -> QLabel:
    out = QLabel(text)
    out.setProperty("role", role)
    out.setAlignment(align)
    out.setWordWrap(wrap)
    if name:
        out.setObjectName(name)
    return out


def button(text: str, *, name: str = "", role: str = "") -> QPushButton:
    out = QPushButton(text)
    out.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard belongs to the badge reader (wedge)
    out.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    if name:
        out.setObjectName(name)
    if role:
        out.setProperty("role", role)
    return out


def page(name: str) -> QWidget:
    """A screen's root widget, styled by its object name (see theme.stylesheet)."""
    out = QWidget()
    out.setObjectName(name)
    out.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    return out


class LongPressButton(QPushButton):
    """An almost invisible corner button that emits `long_pressed` after `hold_ms` held down:
    staff reach their mode without pupils finding it by tapping."""

    long_pressed = Signal()

    def __init__(self, hold_ms: int = 1500, parent=None):
        super().__init__(parent)
        self.setObjectName("corner")
        self.setText("\u2630")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self.long_pressed)
        self.pressed.connect(self._timer.start)
        self.released.connect(self._timer.stop)
