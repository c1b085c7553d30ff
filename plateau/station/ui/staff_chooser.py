"""The corner's "who are you?": one big button per active staff member, before the PIN pad.

Why ask first: the PIN typed next is checked against that one person's PIN, so a guess at the pad
tries one PIN of one person, however many staff the station knows (a pad taking anyone's PIN gave
a guesser N chances per try). The names come from the replica, read on a worker by the window;
this screen only shows them. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QScrollArea, QScroller, QSizePolicy, QStackedLayout, QVBoxLayout,
                               QWidget)

from plateau.domain.staff import StaffMember
from plateau.station.ui.i18n import tr
from plateau.station.ui.widgets import button, label, page

COLUMNS = 2        # two names a row: few rows to scroll
LONG_NAME = 24     # characters: a longer name gets the whole row (a button never widens the page)


class WhoScreen(QWidget):
    """The names, in the order given (the replica's French order), in a list that scrolls when
    the staff are many; `chosen(id)` when one is tapped, `cancelled` to leave."""

    chosen = Signal(int)
    cancelled = Signal()

    def __init__(self):
        super().__init__()
        root = page("staffpage")
        QStackedLayout(self).addWidget(root)
        lay = QVBoxLayout(root)
        self.title = label("", "title")
        self.message = label("", "normal", name="message")
        lay.addWidget(self.title)
        lay.addWidget(self.message)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("who")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)  # a finger drags it
        self.scroll.viewport().setObjectName("who_view")
        self.names = QWidget()
        self.names.setObjectName("who_names")
        column = QVBoxLayout(self.names)
        column.setContentsMargins(0, 0, 0, 0)
        self.grid = QGridLayout()
        column.addLayout(self.grid)
        column.addStretch(1)   # a few names stay at the top, not spread over the page
        self.scroll.setWidget(self.names)
        lay.addWidget(self.scroll, 1)
        self.cancel = button("")
        self.cancel.clicked.connect(self.cancelled)
        lay.addWidget(self.cancel)
        self.buttons: dict[int, object] = {}   # staff id -> its button

    def reset(self) -> None:
        """A new visit: no names until the replica's list arrives."""
        self.title.setText(tr("Who are you?"))
        self.cancel.setText(tr("Cancel"))
        self.message.setText("")
        self._fill([])

    def show_staff(self, members: list[StaffMember]) -> None:
        self._fill(members)
        self.message.setText("" if members else tr("No staff member is known to this station yet"))

    def set_message(self, text: str) -> None:
        self.message.setText(text)

    def _fill(self, members: list[StaffMember]) -> None:
        for b in self.buttons.values():
            self.grid.removeWidget(b)
            b.deleteLater()
        self.buttons = {}
        columns = 1 if any(len(m.name) > LONG_NAME for m in members) else COLUMNS
        for i, member in enumerate(members):
            b = button(member.name, role="who")
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)   # the page's width, at most
            b.clicked.connect(lambda _=False, m=member.id: self.chosen.emit(m))
            self.grid.addWidget(b, i // columns, i % columns)
            self.buttons[member.id] = b
        self.scroll.verticalScrollBar().setValue(0)
