"""The manager view at the 7" size: its totals add up, nothing is clipped, the chart keeps time."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics

from plateau.station.ui.manager import time_slots
from tests.conftest import paris
from tests.ui.test_kiosk_results import FORFAIT_4_DAYS, TICKET_EMPTY, badge
from tests.ui.test_kiosk_staff import MANAGER_PIN, click, login


def _open_manager(qtbot, kiosk):
    login(qtbot, kiosk, MANAGER_PIN)
    click(qtbot, kiosk.menu.buttons["manager"])
    qtbot.waitUntil(lambda: kiosk.manager.headcount is not None, timeout=8000)
    return kiosk.manager


def _column(table, c):
    return [table.item(r, c).text() for r in range(table.rowCount())]


def test_refusals_per_service_add_up_to_the_refusals_by_reason(qtbot, make_kiosk, clock, demo_school):
    kiosk = make_kiosk(size=(800, 480))
    clock.at = paris(2026, 11, 23, 11, 2)     # before the self opens: refused, no service open
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    clock.at = paris(2026, 11, 23, 12, 0)
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    badge(qtbot, kiosk, demo_school.cards[TICKET_EMPTY])
    manager = _open_manager(qtbot, kiosk)
    assert _column(manager.services, 0) == ["Déjeuner", "Aucun service en cours"]
    per_service = sum(int(n) for n in _column(manager.services, 4))
    by_reason = sum(int(n) for n in _column(manager.reasons, 1))
    assert per_service == by_reason == 2
    assert "Aucun service en cours" in _column(manager.reasons, 0)  # the result screen's words


def test_the_class_list_header_is_not_clipped_at_800x480(qtbot, make_kiosk, demo_school):
    kiosk = make_kiosk(size=(800, 480))
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    manager = _open_manager(qtbot, kiosk)
    qtbot.wait(50)
    for table in (manager.classes, manager.reasons, manager.services):
        header = table.horizontalHeader()
        metrics = QFontMetrics(header.font())
        for c in range(table.columnCount()):
            text = table.horizontalHeaderItem(c).text()
            assert header.sectionSize(c) >= metrics.horizontalAdvance(text), (text, header.sectionSize(c))
        assert header.length() <= table.viewport().width() + 1, "no sideways scrolling"


def test_the_chart_is_a_time_axis(qtbot, make_kiosk, clock, demo_school):
    assert time_slots(["13:45", "11:30", "12:00"]) == ["11:30", "11:45", "12:00", "12:15", "12:30", "12:45",
                                                       "13:00", "13:15", "13:30", "13:45"]
    assert time_slots([]) == []
    kiosk = make_kiosk(size=(800, 480))
    clock.at = paris(2026, 11, 23, 17, 35)   # long after lunch: a refusal
    badge(qtbot, kiosk, demo_school.cards[TICKET_EMPTY])
    clock.at = paris(2026, 11, 23, 12, 0)
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    manager = _open_manager(qtbot, kiosk)
    served = manager.chart.series()[0].barSets()[0]
    axis = manager.chart.axes()[0]
    slots = time_slots(["11:15", "17:30"])  # lunch's first slot to the late refusal, every quarter
    assert served.count() == len(slots) == 26
    assert served.at(slots.index("12:00")) == 1
    refused = manager.chart.series()[0].barSets()[1]
    assert refused.at(slots.index("17:30")) == 1 and refused.at(slots.index("15:30")) == 0
    labels = axis.categoriesLabels()
    positions = [axis.endValue(label) for label in labels]
    assert [slots[int(p)] for p in positions] == labels  # each label stands at its own time


def test_a_pupil_another_offline_station_also_served_is_counted_as_served_twice(qtbot, make_kiosk, clock,
                                                                                 demo_school, replica):
    """Two offline stations each let the same pupil in: once the other station's passage came
    through the server, the manager view says how many were served twice."""
    from sqlalchemy import text

    from plateau.db.replica import apply_changes
    from plateau.sync.protocol import PASSAGE_FIELDS, Change

    kiosk = make_kiosk(size=(800, 480))
    clock.at = paris(2026, 11, 23, 12, 0)
    badge(qtbot, kiosk, demo_school.cards[TICKET_EMPTY])   # a refusal: not a double
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    manager = _open_manager(qtbot, kiosk)
    assert manager.message.text() == ""
    with replica.begin() as conn:
        mine = conn.execute(text("SELECT * FROM passage WHERE accepted = 1")).mappings().one()
        other = {k: mine[k] for k in PASSAGE_FIELDS} | {
            "id": "0b9e7c1e-2f55-4a4e-9d51-7a0f3d5e6c01", "station": "self-2", "warnings": [], "accepted": True,
            "at": paris(2026, 11, 23, 12, 1).isoformat()}
        apply_changes(conn, [Change(1, "passage", "upsert", other["id"], other)])
    click(qtbot, manager.back_button)
    click(qtbot, kiosk.menu.buttons["manager"])
    qtbot.waitUntil(lambda: "deux fois" in manager.message.text(), timeout=8000)
    assert manager.message.text() == ("Servis deux fois par deux postes hors ligne : 1 "
                                      "(l'intendance peut rembourser le repas en trop)")
