"""The manager view: today's headcounts per service, refusals by reason and by class, a
15-minute chart (QtCharts), PDF/CSV export. Figures come from `plateau.reports.headcount`
(the same computation as the reports and the server), computed on the "kiosk-stats" thread.
GUI thread only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCharts import QBarSet, QCategoryAxis, QChart, QChartView, QStackedBarSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from plateau.domain.collation import text_key
from plateau.station.ui import theme
from plateau.station.ui.i18n import tr
from plateau.station.ui.texts import reason_label
from plateau.station.ui.staff_screens import _StaffPage
from plateau.station.ui.widgets import button, label


def _table(columns: int) -> QTableWidget:
    t = QTableWidget(0, columns)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names take what is left
    return t


SLOT_MINUTES = 15


def time_slots(keys) -> list[str]:
    """Every 15-minute slot from the first key to the last ("HH:MM"), the empty ones included:
    the chart's bars then stand at their true time (a refusal at 17:30 lies two hours and a
    quarter after 15:15, not next to it)."""
    if not keys:
        return []
    first, last = (datetime.strptime(k, "%H:%M") for k in (min(keys), max(keys)))
    out, t = [], first
    while t <= last:
        out.append(t.strftime("%H:%M"))
        t += timedelta(minutes=SLOT_MINUTES)
    return out


def _label_step(count: int) -> int:
    """Label every slot, half hour, hour or two hours, whatever keeps about a dozen labels."""
    for step in (1, 2, 4, 8):
        if count <= 12 * step:
            return step
    return 16


def _fill(t: QTableWidget, headers: list[str], rows: list[list]) -> None:
    t.setHorizontalHeaderLabels(headers)
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(str(value))
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, c, item)


class ManagerScreen(_StaffPage):
    """Headcounts of the day, for the manager role."""

    export = Signal(str)   # "pdf" | "csv"
    back = Signal()

    def __init__(self):
        super().__init__()
        head = QHBoxLayout()
        self.title = label("", "big", align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.pdf = button("", name="primary")
        self.csv = button("", name="primary")
        self.back_button = button("")
        self.pdf.clicked.connect(lambda: self.export.emit("pdf"))
        self.csv.clicked.connect(lambda: self.export.emit("csv"))
        self.back_button.clicked.connect(self.back)
        head.addWidget(self.title, 3)
        for b in (self.pdf, self.csv, self.back_button):
            head.addWidget(b, 1)
        self.lay.addLayout(head)
        self.lay.addWidget(self.message)
        self.services = _table(5)   # across the whole width: five columns of figures
        self.lay.addWidget(self.services)
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.reasons = _table(2)
        self.classes = _table(4)
        left.addWidget(self.reasons, 1)
        left.addWidget(self.classes, 1)
        body.addLayout(left, 1)  # as wide as the chart: "Par classe" and three figures fit at 800×480
        self.chart = QChart()
        self.chart.setBackgroundBrush(QColor("#FFFFFF"))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(2, 2, 2, 2))
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        body.addWidget(self.chart_view, 1)
        self.lay.addLayout(body, 1)
        self.headcount = None

    def reset(self, message: str = "") -> None:
        self.pdf.setText(tr("Export PDF"))
        self.csv.setText(tr("Export CSV"))
        self.back_button.setText(tr("Back"))
        self.message.setText(message or tr("Loading…"))

    def show_headcount(self, hc, lang: str) -> None:
        self.headcount = hc
        # pupils two offline stations each let in (seen here once the other station's passages
        # came through the server); the office lists them and may refund the extra meal
        doubles = sum(len(s.doubles) for s in hc.services)
        self.message.setText(tr("Served twice by two offline stations: {n} (the office can refund the extra meal)",
                                n=doubles) if doubles else "")
        self.title.setText(tr("Headcounts of {day}", day=hc.day.strftime("%d/%m/%Y")))
        rows, reasons, classes, slots = [], {}, {}, {}
        for s in hc.services:
            if s.code:
                # while the service runs, the expected persons not served yet are its "no-shows so far"
                rows.append([s.label, s.totals.expected, s.totals.served, s.totals.no_shows, s.totals.refusals])
            elif s.totals.refusals or s.totals.served:
                # badges when no service was open: their own row, so that the refusals of the
                # table add up to the refusals listed by reason
                rows.append([tr("No service open"), "", s.totals.served, "", s.totals.refusals])
            for reason, info in s.refusals_by_reason.items():
                reasons[reason] = reasons.get(reason, 0) + info.get("count", 0)
            for cls, counts in s.by_class.items():
                e, sv, rf = classes.get(cls, (0, 0, 0))
                classes[cls] = (e + counts.expected, sv + counts.served, rf + counts.refusals)
            for slot, v in s.by_slot.items():
                a, b = slots.get(slot, (0, 0))
                slots[slot] = (a + v.get("served", 0), b + v.get("refusals", 0))
        _fill(self.services, [tr("Service"), tr("Expected"), tr("Served"), tr("Still expected"), tr("Refusals")],
              rows)
        # exactly as tall as its rows: the rest of the screen goes to the chart and the lists
        height = self.services.horizontalHeader().height() + 4 + sum(
            self.services.rowHeight(r) for r in range(self.services.rowCount()))
        self.services.setFixedHeight(height)
        _fill(self.reasons, [tr("Refusals by reason"), tr("Refusals")],
              [[reason_label(r), n] for r, n in sorted(reasons.items(), key=lambda kv: -kv[1])])
        _fill(self.classes, [tr("By class"), tr("Expected"), tr("Served"), tr("Refusals")],
              [[c or tr("no class"), *v] for c, v in sorted(classes.items(), key=lambda kv: (not kv[0],
                                                                                             text_key(kv[0])))])
        self._chart(slots)

    def _chart(self, slots: dict[str, tuple[int, int]]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self.chart.setTitle(tr("Per 15 minutes"))
        u = theme.unit(self.width(), self.height())
        font = self.font()
        font.setPixelSize(max(11, int(u * 0.75)))
        self.chart.setTitleFont(font)
        self.chart.legend().setFont(font)
        served, refused = QBarSet(tr("Served")), QBarSet(tr("Refusals"))
        served.setColor(QColor(theme.ACCEPT_BG))
        refused.setColor(QColor(theme.REFUSE_BG))
        keys = time_slots(slots)
        for k in keys:
            served.append(slots.get(k, (0, 0))[0])
            refused.append(slots.get(k, (0, 0))[1])
        series = QStackedBarSeries()
        series.append(served)
        series.append(refused)
        self.chart.addSeries(series)
        # a time axis: bar i stands at x = i, one slot wide; labels on the slots' values
        x = QCategoryAxis()
        x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        x.setRange(-0.5, max(len(keys), 1) - 0.5)
        step = _label_step(len(keys))
        for i, k in enumerate(keys):
            if i % step == 0:
                x.append(k, i)
        x.setLabelsAngle(-90)
        x.setLabelsFont(font)
        y = QValueAxis()
        y.setLabelsFont(font)
        y.setLabelFormat("%d")
        y.setRange(0, max([a + b for a, b in slots.values()] + [1]))
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
