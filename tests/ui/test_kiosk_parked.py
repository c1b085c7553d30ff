"""Staff see what the server rejected, with its reason, and send it again from the kiosk."""

from __future__ import annotations

from sqlalchemy import text

from plateau.station.flow import Screen
from plateau.sync import status
from tests.ui.kiosk_support import settle
from tests.ui.test_kiosk_results import FORFAIT_4_DAYS, badge
from tests.ui.test_kiosk_staff import click, login


def park_all(replica, reason: str) -> None:
    """What the sync daemon does with a passage the server rejected (per item)."""
    with replica.begin() as conn:
        conn.execute(text("UPDATE outbox SET parked = 1, error = :e, attempts = attempts + 1"), {"e": reason})


def test_staff_list_the_rejected_passages_with_the_servers_reason_and_send_them_again(qtbot, kiosk, replica,
                                                                                      demo_school):
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    park_all(replica, "passage: person 4 is not a person of site 0691234X")
    kiosk.refresh_status()
    settle(qtbot, kiosk)
    login(qtbot, kiosk)
    assert kiosk.menu.buttons["parked"].text() == "Refusés par le serveur (1)"
    click(qtbot, kiosk.menu.buttons["parked"])
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.PARKED, timeout=3000)
    settle(qtbot, kiosk)  # the list is read on the stats worker
    table = kiosk.parked.table
    assert table.rowCount() == 1
    assert table.item(0, 2).text() == "passage: person 4 is not a person of site 0691234X"
    assert table.item(0, 1).text()  # the pupil's name
    click(qtbot, kiosk.parked.retry_button)
    qtbot.waitUntil(lambda: kiosk.parked.table.rowCount() == 0, timeout=5000)
    settle(qtbot, kiosk)
    assert kiosk.parked.message.text() == "Renvoyés : 1"
    s = status.status_of(replica)
    assert (s.waiting, s.parked) == (1, 0)
    with replica.connect() as conn:
        assert conn.execute(text("SELECT value FROM sync_state WHERE key = 'force_sync'")).scalar()
    click(qtbot, kiosk.parked.back_button)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.STAFF, timeout=3000)
    settle(qtbot, kiosk)
    kiosk.render()
    assert kiosk.menu.buttons["parked"].text() == "Refusés par le serveur (0)"
