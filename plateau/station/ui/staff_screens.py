"""Staff mode: the PIN pad (the corner's "who are you?" before it is in `staff_chooser`), the staff menu, overriding a refusal, the last 50 passages.

Screens emit what staff asked for (signals); the window checks it with the flow and runs it
on the database worker. GUI thread only.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QGridLayout, QHBoxLayout, QHeaderView, QStackedLayout,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from plateau.db.kiosk import ParkedItem, PassageLine
from plateau.domain.money import format_euros
from plateau.station.ui.i18n import tr
from plateau.station.ui.texts import reason_label
from plateau.station.ui.widgets import button, label, page

MOTIVES = ("Authorised by the vie scolaire", "Reservation error", "Exceptional meal",
           "Other reason (staff decision)")


class _StaffPage(QWidget):
    def __init__(self):
        super().__init__()
        root = page("staffpage")
        outer = QStackedLayout(self)
        outer.addWidget(root)
        self.lay = QVBoxLayout(root)
        self.message = label("", "normal", name="message")


class PinScreen(_StaffPage):
    """An on-screen PIN pad; the digits are never shown, only dots."""

    pin_entered = Signal(str)
    cancelled = Signal()

    def __init__(self):
        super().__init__()
        self.title = label("", "title")
        self.dots = label("", "title", wrap=False)
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.dots)
        self.lay.addWidget(self.message)
        grid = QGridLayout()
        self.keys: dict[str, object] = {}
        for i, key in enumerate(("1", "2", "3", "4", "5", "6", "7", "8", "9", "\u232b", "0", "OK")):
            b = button(key, role="key", name="primary" if key == "OK" else "")
            b.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        self.lay.addLayout(grid, 1)
        self.cancel = button("")
        self.cancel.clicked.connect(self._cancel)
        self.lay.addWidget(self.cancel)
        self.pin = ""

    def reset(self, who: str | None, message: str = "", *, back: bool = False) -> None:
        """A new PIN for `who`; `back`: the name was tapped on "who", so the button goes back to
        the names rather than leaving."""
        self.pin = ""
        self.title.setText(tr("PIN for {name}", name=who) if who else tr("Staff PIN"))
        self.cancel.setText(tr("Back") if back else tr("Cancel"))
        self.message.setText(message)
        self._dots()

    def set_message(self, text: str) -> None:
        self.message.setText(text)

    def press(self, key: str) -> None:
        if key == "OK":
            pin, self.pin = self.pin, ""
            self._dots()
            if pin:
                self.pin_entered.emit(pin)
            return
        if key == "\u232b":
            self.pin = self.pin[:-1]
        elif len(self.pin) < 12:
            self.pin += key
        self._dots()

    def _dots(self) -> None:
        self.dots.setText("\u25CF " * len(self.pin) if self.pin else "\u2013")

    def _cancel(self) -> None:
        self.pin = ""
        self.cancelled.emit()


class StaffMenu(_StaffPage):
    """The staff menu: one big button per task; role-dependent buttons are hidden."""

    chosen = Signal(str)  # override | forgotten | passages | parked | sync | manager | fullscreen | quit | close

    def __init__(self):
        super().__init__()
        self.title = label("", "title")
        self.status = label("", "small", name="status_ok")
        self.refusal = label("", "normal", name="refusal")
        self.lay.addWidget(self.title)
        self.lay.addWidget(self.status)
        self.lay.addWidget(self.refusal)
        self.lay.addWidget(self.message)
        grid = QGridLayout()
        self.buttons = {}
        for i, key in enumerate(("override", "forgotten", "passages", "parked", "sync", "manager", "fullscreen",
                                 "quit", "close")):
            b = button("", name="danger" if key == "quit" else ("primary" if key == "close" else ""))
            b.clicked.connect(lambda _=False, k=key: self.chosen.emit(k))
            grid.addWidget(b, i // 2, i % 2)
            self.buttons[key] = b
        self.lay.addLayout(grid, 1)

    def refresh(self, staff_name: str, refusal: str | None, can_manage: bool, can_quit: bool,
                status: str, message: str = "", parked: int = 0) -> None:
        texts = {"override": tr("Override the last refusal"),
                 "parked": tr("Rejected by the server ({n})", n=parked),
                 "forgotten": tr("Forgotten badge"), "passages": tr("Last passages"), "sync": tr("Force a sync"),
                 "manager": tr("Manager view"), "fullscreen": tr("Leave full screen"),
                 "quit": tr("Quit the kiosk"), "close": tr("Close staff mode")}
        for key, b in self.buttons.items():
            b.setText(texts[key])
        self.buttons["override"].setEnabled(refusal is not None)
        self.buttons["manager"].setVisible(can_manage)
        self.buttons["fullscreen"].setVisible(can_quit)
        self.buttons["quit"].setVisible(can_quit)
        self.title.setText(tr("Staff mode — {name}", name=staff_name))
        self.refusal.setText(tr("Last refusal: {name} — {reason}", name=refusal[0], reason=refusal[1])
                             if refusal else tr("No refusal to override"))
        self.status.setText(status)
        self.message.setText(message)


class OverrideScreen(_StaffPage):
    """Let the last refused person in: pick a motive (one tap records it)."""

    motive_chosen = Signal(str)
    back = Signal()

    def __init__(self):
        super().__init__()
        self.title = label("", "title")
        self.who = label("", "big")
        self.question = label("", "normal")
        for w in (self.title, self.who, self.question, self.message):
            self.lay.addWidget(w)
        self.motive_buttons = []
        grid = QGridLayout()
        for i, motive in enumerate(MOTIVES):
            b = button("", name="primary")
            b.clicked.connect(lambda _=False, m=motive: self.motive_chosen.emit(tr(m)))
            grid.addWidget(b, i // 2, i % 2)
            self.motive_buttons.append(b)
        self.lay.addLayout(grid, 1)
        self.back_button = button("")
        self.back_button.clicked.connect(self.back)
        self.lay.addWidget(self.back_button)

    def show_refusal(self, name: str, reason: str) -> None:
        self.title.setText(tr("Override the last refusal"))
        self.who.setText(f"{name} — {reason}")
        self.question.setText(tr("Why let this person in?"))
        for b, motive in zip(self.motive_buttons, MOTIVES):
            b.setText(tr(motive))
        self.back_button.setText(tr("Back"))
        self.message.setText("")


class PassagesScreen(_StaffPage):
    """The last 50 passages of the site known here; select one and cancel it.

    The choice is held by passage id, not by row: the list is reloaded when a passage arrives
    (a pupil badging while staff read it), and a row number would then point at another pupil.
    Cancelling asks first, naming the pupil and the time, and only then emits that id."""

    cancel_requested = Signal(str)
    back = Signal()

    def __init__(self):
        super().__init__()
        self.title = label("", "title")
        self.lay.addWidget(self.title)
        self.table = QTableWidget(0, 6)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        self.lay.addWidget(self.table, 1)
        self.lay.addWidget(self.message)
        self.confirm = QWidget()
        confirm_lay = QVBoxLayout(self.confirm)
        confirm_lay.setContentsMargins(0, 0, 0, 0)
        self.question = label("", "normal", name="refusal")
        confirm_lay.addWidget(self.question)
        answers = QHBoxLayout()
        self.yes_button = button("", name="danger")
        self.yes_button.clicked.connect(self._confirmed)
        self.no_button = button("")
        self.no_button.clicked.connect(self._close_confirm)
        answers.addWidget(self.yes_button)
        answers.addWidget(self.no_button)
        confirm_lay.addLayout(answers)
        self.confirm.hide()
        self.lay.addWidget(self.confirm)
        self.actions = QWidget()
        row = QHBoxLayout(self.actions)
        row.setContentsMargins(0, 0, 0, 0)
        self.cancel_button = button("", name="danger")
        self.cancel_button.clicked.connect(self._ask)
        self.back_button = button("")
        self.back_button.clicked.connect(self.back)
        row.addWidget(self.cancel_button)
        row.addWidget(self.back_button)
        self.lay.addWidget(self.actions)
        self.lines: list[PassageLine] = []
        self.chosen_id: str | None = None     # the passage staff selected, whatever its row
        self.asking: PassageLine | None = None  # the passage the open confirmation is about
        self._zone = ZoneInfo("Europe/Paris")
        self._filling = False

    def forget_choice(self) -> None:
        """A new visit of the list: nothing chosen, no question open."""
        self.chosen_id = None
        self._close_confirm()

    def show_lines(self, lines: list[PassageLine], tz: str, lang: str, message: str = "",
                   *, keep_choice: bool = False) -> None:
        """Fill the list. `keep_choice`: the same visit goes on (a reload after a new passage),
        so the chosen passage stays chosen, found again by its id, or nothing is chosen."""
        self.title.setText(tr("Last passages"))
        self.cancel_button.setText(tr("Cancel this passage"))
        self.back_button.setText(tr("Back"))
        self.yes_button.setText(tr("Yes, cancel it"))
        self.no_button.setText(tr("No"))
        self.message.setText(message)
        self.table.setHorizontalHeaderLabels([tr("Time"), tr("Station"), tr("Name"), tr("Class"), tr("Outcome"),
                                              tr("Price")])
        if not keep_choice:
            self.forget_choice()
        self._filling = True  # selection signals while refilling are not a person's choice
        try:
            self.table.clearSelection()
            self.lines = lines
            self.table.setRowCount(len(lines))
            self._zone = ZoneInfo(tz)
            for r, line in enumerate(lines):
                cells = (self._time(line), line.station, self._who(line), line.class_name or "",
                         self._outcome(line, lang), format_euros(line.price_cents, lang))
                for c, text in enumerate(cells):
                    self.table.setItem(r, c, QTableWidgetItem(text))
            row = next((r for r, line in enumerate(lines) if line.id == self.chosen_id), None)
            if row is None:
                self.chosen_id = None
            else:
                self.table.selectRow(row)
        finally:
            self._filling = False
        self._update_button()

    @staticmethod
    def _outcome(line: PassageLine, lang: str) -> str:
        if line.kind == "cancel":
            return tr("cancellation")
        if line.cancelled:
            return tr("cancelled")
        if line.accepted:
            return tr("override") if line.kind == "override" else (
                tr("forgotten badge") if line.kind == "forgotten" else tr("accepted"))
        return f"{tr('refused')} : {reason_label(line.reason)}" if lang == "fr" else \
            f"{tr('refused')}: {reason_label(line.reason)}"

    def _time(self, line: PassageLine) -> str:
        return line.at.astimezone(self._zone).strftime("%H:%M:%S")

    @staticmethod
    def _who(line: PassageLine) -> str:
        return line.name or line.card_uid or ""

    def selected_line(self) -> PassageLine | None:
        """The passage staff chose (by id), or None."""
        return next((line for line in self.lines if line.id == self.chosen_id), None)

    def _selected(self) -> None:
        if self._filling:
            return
        rows = self.table.selectionModel().selectedRows()
        self.chosen_id = self.lines[rows[0].row()].id if rows and rows[0].row() < len(self.lines) else None
        self._update_button()

    def _update_button(self) -> None:
        line = self.selected_line()
        self.cancel_button.setEnabled(bool(line and line.cancellable))

    def _ask(self) -> None:
        line = self.selected_line()
        if line is None or not line.cancellable:
            return
        self.asking = line
        self.question.setText(tr("Cancel the passage of {name} at {time}?", name=self._who(line),
                                 time=self._time(line)))
        self.actions.hide()
        self.confirm.show()

    def _close_confirm(self) -> None:
        self.asking = None
        self.confirm.hide()
        self.actions.show()

    def _confirmed(self) -> None:
        line, self.asking = self.asking, None
        self._close_confirm()
        if line is not None:
            self.cancel_requested.emit(line.id)


class ParkedScreen(_StaffPage):
    """What the server rejected (passages and card declarations), with its reason, and one button
    to send them all again once the cause is fixed (e.g. the person was added on the server)."""

    retry = Signal()
    back = Signal()

    def __init__(self):
        super().__init__()
        self.title = label("", "title")
        self.lay.addWidget(self.title)
        self.table = QTableWidget(0, 3)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.lay.addWidget(self.table, 1)
        self.lay.addWidget(self.message)
        row = QHBoxLayout()
        self.retry_button = button("", name="primary")
        self.retry_button.clicked.connect(self.retry)
        self.back_button = button("")
        self.back_button.clicked.connect(self.back)
        row.addWidget(self.retry_button)
        row.addWidget(self.back_button)
        self.lay.addLayout(row)
        self.items: list[ParkedItem] = []

    def show_items(self, items: list[ParkedItem], tz: str, message: str = "") -> None:
        self.title.setText(tr("Rejected by the server"))
        self.retry_button.setText(tr("Send them again"))
        self.back_button.setText(tr("Back"))
        self.message.setText(message or ("" if items else tr("Nothing was rejected by the server")))
        self.table.setHorizontalHeaderLabels([tr("When"), tr("Who"), tr("Server's reason")])
        self.items = items
        self.table.setRowCount(len(items))
        zone = ZoneInfo(tz)
        for r, item in enumerate(items):
            what = item.what if item.kind == "passage" else tr("card {uid} declared lost", uid=item.what)
            cells = (item.at.astimezone(zone).strftime("%d/%m %H:%M"), what, item.error)
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.retry_button.setEnabled(bool(items))
