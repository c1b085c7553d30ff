"""The screens pupils see: idle ("Passez votre badge"), the result of a badge, "ask staff".

They only show what the window gives them (texts already worded in the kiosk's language);
no database, no rules. GUI thread only.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedLayout, QVBoxLayout, QWidget

from plateau.domain.money import format_euros
from plateau.domain.rules import Decision
from plateau.station.ui import theme
from plateau.station.ui.i18n import tr
from plateau.station.ui.texts import pupil_headline
from plateau.station.ui.widgets import LongPressButton, label, page


@dataclass(frozen=True)
class IdleTexts:
    """Everything the idle screen says, already worded."""

    school: str
    prompt: str
    clock: str
    service: str
    counts: str
    menu: str
    status: str
    status_ok: bool
    reader: str
    reader_ok: bool


class IdleScreen(QWidget):
    """School, service and hours, clock, "Passez votre badge", served/expected, menu, status.
    `first_painted` fires once, after the first paint (start-up is measured to it)."""

    first_painted = Signal()

    def __init__(self):
        super().__init__()
        self._painted = False
        root = page("idle")
        outer = QStackedLayout(self)
        outer.addWidget(root)
        lay = QVBoxLayout(root)
        top = QHBoxLayout()
        self.school = label("", "big", align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.clock = label("", "title", align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           wrap=False)
        self.corner = LongPressButton()
        top.addWidget(self.school, 1)
        top.addWidget(self.clock)
        top.addWidget(self.corner, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        self.service = label("", "big")
        self.prompt = label("", "huge", name="prompt")
        self.counts = label("", "normal")
        self.menu = label("", "normal")
        self.menu.setProperty("role", "normal")
        lay.addStretch(1)
        lay.addWidget(self.service)
        lay.addStretch(1)
        lay.addWidget(self.prompt)
        lay.addStretch(1)
        lay.addWidget(self.counts)
        lay.addWidget(self.menu)
        lay.addStretch(1)
        bottom = QHBoxLayout()
        self.status = label("", "small", align=Qt.AlignmentFlag.AlignLeft, name="status_ok")
        self.reader = label("", "small", align=Qt.AlignmentFlag.AlignRight, name="status_ok")
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.reader)
        lay.addLayout(bottom)

    def paintEvent(self, event):  # noqa: N802 (Qt API)
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def show_texts(self, t: IdleTexts) -> None:
        self.prompt.setText(t.prompt)
        role = "huge" if len(t.prompt) < 30 else "title"  # the long "no reader" sentence must fit 800 px
        if self.prompt.property("role") != role:
            self.prompt.setProperty("role", role)
            self.prompt.style().unpolish(self.prompt)
            self.prompt.style().polish(self.prompt)
        self.school.setText(t.school)
        self.clock.setText(t.clock)
        self.service.setText(t.service)
        self.counts.setText(t.counts)
        self.menu.setText(t.menu)
        self.menu.setVisible(bool(t.menu))
        for widget, text, ok in ((self.status, t.status, t.status_ok), (self.reader, t.reader, t.reader_ok)):
            widget.setText(text)
            name = "status_ok" if ok else "status_bad"
            if widget.objectName() != name:
                widget.setObjectName(name)
                widget.style().unpolish(widget)
                widget.style().polish(widget)


class ResultScreen(QWidget):
    """Green (accepted) or red (refused), always with an icon and words; name, class, photo,
    price and balance after, warnings on orange. `painted` fires after each paint (benchmarks)."""

    painted = Signal(float)

    def __init__(self):
        super().__init__()
        self.root = page("accepted")
        outer = QStackedLayout(self)
        outer.addWidget(self.root)
        lay = QHBoxLayout(self.root)
        left = QVBoxLayout()
        self.icon = label("", "icon", wrap=False)
        self.photo = QLabel()
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left.addStretch(1)
        left.addWidget(self.icon)
        left.addWidget(self.photo)
        left.addStretch(1)
        lay.addLayout(left, 1)
        right = QVBoxLayout()
        self.headline = label("", "title", name="headline")
        self.name = label("", "huge", name="name")
        self.class_name = label("", "big")
        self.money = label("", "big")
        self.warnings = label("", "normal", name="warning")
        right.addStretch(1)
        for w in (self.headline, self.name, self.class_name, self.money, self.warnings):
            right.addWidget(w)
        right.addStretch(1)
        lay.addLayout(right, 3)
        self.painted_at = 0.0

    def show_decision(self, d: Decision, lang: str) -> None:
        accepted = d.accepted
        if self.root.objectName() != ("accepted" if accepted else "refused"):
            self.root.setObjectName("accepted" if accepted else "refused")
            self.root.style().unpolish(self.root)
            self.root.style().polish(self.root)
        self.icon.setText(theme.ICON_OK if accepted else theme.ICON_REFUSED)
        self.headline.setText(pupil_headline(d, lang))  # an opposition's motive is for staff only
        person = d.person
        # an unknown badge: no name to show; the pupil's way in is staff's forgotten-badge search
        self.name.setText(person.display_name if person else tr("Please ask a member of staff"))
        self.class_name.setText(person.class_name or "" if person else "")
        self.class_name.setVisible(bool(person and person.class_name))
        self.money.setText(_money_line(d, lang))
        self.money.setVisible(bool(self.money.text()))
        warnings = d.warning_messages(lang) if accepted else []
        self.warnings.setText("\n".join(f"{theme.ICON_WARN} {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        self._show_photo(person.photo if person else None)

    def _show_photo(self, path: str | None) -> None:
        pix = QPixmap(path) if path and os.path.isfile(path) else QPixmap()
        if pix.isNull():
            self.photo.clear()
            self.photo.hide()
            return
        side = max(80, self.height() // 3)
        self.photo.setPixmap(pix.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation))
        self.photo.show()

    def paintEvent(self, event):  # noqa: N802 (Qt API)
        super().paintEvent(event)
        self.painted_at = time.perf_counter()
        self.painted.emit(self.painted_at)


def _money_line(d: Decision, lang: str) -> str:
    if d.person is None:
        return ""
    if d.accepted:
        if d.price_cents == 0 and d.person.plan == "forfait":
            return tr("Free of charge (plan)")
        if d.balance_after_cents is None:
            return ""
        return tr("Price {price} — balance {balance}", price=format_euros(d.price_cents, lang),
                  balance=format_euros(d.balance_after_cents, lang))
    return ""


class AskStaffScreen(QWidget):
    """The calm screen of an unexpected error: "Adressez-vous au personnel"."""

    def __init__(self):
        super().__init__()
        root = page("ask_staff")
        outer = QStackedLayout(self)
        outer.addWidget(root)
        lay = QVBoxLayout(root)
        self.icon = label(theme.ICON_STAFF, "icon")
        self.title = label("", "huge")
        self.detail = label("", "normal")
        self.cause = label("", "muted")  # for staff: what went wrong (the log has the traceback)
        lay.addStretch(1)
        lay.addWidget(self.icon)
        lay.addWidget(self.title)
        lay.addWidget(self.detail)
        lay.addStretch(1)
        lay.addWidget(self.cause)

    def show_error(self, cause: str = "") -> None:
        self.title.setText(tr("Please ask a member of staff"))
        self.detail.setText(tr("The station ran into a problem. Your passage may not be recorded."))
        self.cause.setText(cause[:300])
