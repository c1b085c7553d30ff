"""The forgotten-badge screen: search by name or class with an on-screen keyboard, then record
the passage through the same rules (or declare the person's card lost). GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, \
    QWidget

from plateau.db.search import Found
from plateau.station.ui.i18n import tr
from plateau.station.ui.staff_screens import _StaffPage
from plateau.station.ui.widgets import button

ROWS = ("1234567890", "AZERTYUIOP", "QSDFGHJKLM", "WXCVBN-'")  # French AZERTY, as on the school's PCs


class OnScreenKeyboard(QWidget):
    """Letter keys, space, backspace and clear; emits `key` with the text to add, or a command."""

    key = Signal(str)   # a character, "\b" (backspace) or "\x18" (clear)

    def __init__(self):
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(3)
        grid.setContentsMargins(0, 0, 0, 0)
        for r, row in enumerate(ROWS):
            for c, ch in enumerate(row):
                self._add(grid, ch, ch, r, c)
        self._add(grid, "\u232b", "\b", 0, 10)           # erase: backspace
        self._add(grid, "\u2715", "\x18", 1, 10)         # multiplication x: clear
        self._add(grid, "\u2423", " ", 3, 8, span=3)      # open box: space

    def _add(self, grid, text, value, r, c, span=1):
        b = button(text, role="key")
        b.clicked.connect(lambda _=False, v=value: self.key.emit(v))
        grid.addWidget(b, r, c, 1, span)


class ForgottenScreen(_StaffPage):
    """Search field + results + actions on top, keyboard below (fits 800×480)."""

    query_changed = Signal(str)
    record = Signal(int)            # person id
    lost = Signal(int, str)         # person id, card uid
    back = Signal()

    def __init__(self):
        super().__init__()
        top = QHBoxLayout()
        self.field = QLineEdit()
        self.field.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typed on screen; the hardware keyboard is the reader
        self.field.textChanged.connect(self.query_changed)
        self.back_button = button("")
        self.back_button.clicked.connect(self.back)
        top.addWidget(self.field, 3)
        top.addWidget(self.back_button, 1)
        self.lay.addLayout(top)
        middle = QHBoxLayout()
        self.results = QListWidget()
        self.results.itemSelectionChanged.connect(self._selected)
        middle.addWidget(self.results, 3)
        actions = QVBoxLayout()
        self.record_button = button("", name="primary")
        self.record_button.clicked.connect(self._record)
        self.lost_button = button("", name="danger")
        self.lost_button.clicked.connect(self._lost)
        actions.addWidget(self.record_button)
        actions.addWidget(self.lost_button)
        middle.addLayout(actions, 1)
        self.lay.addLayout(middle, 1)
        self.lay.addWidget(self.message)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.key.connect(self.type_key)
        self.lay.addWidget(self.keyboard)
        self.found: list[Found] = []

    def reset(self) -> None:
        self.field.setPlaceholderText(tr("Name or class"))
        self.back_button.setText(tr("Back"))
        self.record_button.setText(tr("Record the passage"))
        self.lost_button.setText(tr("Declare the card lost"))
        self.message.setText("")
        self.field.clear()
        self.show_found([])

    def type_key(self, value: str) -> None:
        text = self.field.text()
        if value == "\b":
            self.field.setText(text[:-1])
        elif value == "\x18":
            self.field.clear()
        else:
            self.field.setText(text + value)

    def show_found(self, found: list[Found], message: str = "") -> None:
        self.found = found
        self.results.clear()
        for f in found:
            item = QListWidgetItem(f"{f.display_name}  ·  {f.class_name or tr('no class')}")
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            self.results.addItem(item)
        if len(found) == 1:
            self.results.setCurrentRow(0)
        self.message.setText(message or (tr("No results") if self.field.text().strip() and not found else ""))
        self._selected()

    def selected(self) -> Found | None:
        row = self.results.currentRow()
        return self.found[row] if 0 <= row < len(self.found) and self.results.selectedItems() else None

    def _selected(self) -> None:
        f = self.selected()
        self.record_button.setEnabled(f is not None)
        self.lost_button.setEnabled(bool(f and f.card_uid))

    def _record(self) -> None:
        f = self.selected()
        if f is not None:
            self.record.emit(f.id)

    def _lost(self) -> None:
        f = self.selected()
        if f is not None and f.card_uid:
            self.lost.emit(f.id, f.card_uid)
