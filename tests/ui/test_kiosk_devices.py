"""The kiosk with the real device adapters: a keyboard-wedge reader typing into the window,
outputs called for each answer, and a pupil's photo on the result screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from sqlalchemy import text

from plateau.station.flow import Screen
from tests.ui.test_kiosk_results import FORFAIT_4_DAYS, badge


def test_a_keyboard_wedge_reader_badges_into_the_kiosk(qtbot, kiosk, demo_school):
    from plateau.station.ui.app import start_reader

    assert kiosk.settings.reader.kind == "keyboard"
    assert start_reader(kiosk.settings, kiosk) is None  # an event filter, not a thread
    try:
        kiosk.activateWindow()
        uid = demo_school.cards[FORFAIT_4_DAYS]
        qtbot.keyClicks(kiosk, uid)  # a reader types the whole UID in one burst, then Enter
        qtbot.keyClick(kiosk, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.RESULT, timeout=5000)
        assert kiosk.flow.outcome.decision.card_uid == uid and kiosk.flow.outcome.decision.accepted
    finally:
        kiosk.wedge.uninstall()


def test_outputs_are_told_each_answer(qtbot, kiosk, demo_school):
    from plateau.station.ui.app import attach_outputs

    outputs = attach_outputs(kiosk.settings, kiosk)  # no gate device, sounds off: silent, never failing
    seen = []
    kiosk.outcome_hooks.append(lambda d: seen.append(d.accepted))
    try:
        badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
        badge(qtbot, kiosk, "DEADBEEF")
        assert seen == [True, False]
    finally:
        for out in outputs:
            out.stop()


def test_the_pupils_photo_is_shown(qtbot, kiosk, replica, demo_school, tmp_path):
    photo = tmp_path / "photo.png"
    image = QImage(120, 160, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    assert image.save(str(photo))
    with replica.begin() as conn:
        conn.execute(text("UPDATE person SET photo = :p WHERE id = :id"), {"p": str(photo), "id": FORFAIT_4_DAYS})
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    assert kiosk.result.photo.isVisibleTo(kiosk.result) and not kiosk.result.photo.pixmap().isNull()
    badge(qtbot, kiosk, "DEADBEEF")
    assert not kiosk.result.photo.isVisibleTo(kiosk.result)
