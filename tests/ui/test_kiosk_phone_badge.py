"""A phone badge at a real kiosk (offscreen, real replica): a 2D scanner beside the card reader
([scanner] section) types the phone's payload; the kiosk answers like for a card, records the
passage with medium "phone", and answers a second read of the same code in words."""

from __future__ import annotations

import json
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from plateau.domain import phone_badge as pb
from plateau.station.flow import Screen
from tests.ui.kiosk_support import settle

PUPIL = 1                      # forfait mon, tue, thu, fri: served on a Monday noon
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _turn_on(replica, person_id: int) -> str:
    from plateau.db.replica import bump_site_version

    with replica.begin() as conn:
        code, settings = conn.execute(text("SELECT code, settings FROM site")).one()
        conn.execute(text("UPDATE site SET settings = :s"),
                     {"s": json.dumps({**json.loads(settings or "{}"), "phone_badge": "true"})})
        conn.execute(text("INSERT INTO phone_badge (person_id, secret, digits, period) VALUES (:p, :s, 6, 30)"),
                     {"p": person_id, "s": SECRET})
        bump_site_version(conn)
    return code


def _scan(qtbot, kiosk, payload: str):
    before = kiosk.flow.outcome
    target = QApplication.focusWidget() or kiosk
    qtbot.keyClicks(target, "]Q1" + payload)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.RESULT and kiosk.flow.outcome is not before, timeout=5000)
    return kiosk.flow.outcome.decision


def test_a_scanned_phone_badge_is_recorded_as_phone_and_its_replay_is_refused_in_words(qtbot, kiosk, replica,
                                                                                      clock, demo_school):
    from plateau.config import ReaderSection, ScannerSection, StationSection, StationSettings
    from plateau.station.ui.app import start_phone_readers

    uai = _turn_on(replica, PUPIL)
    settings = StationSettings(station=StationSection(id="self-1", site=uai),
                               reader=ReaderSection(kind="serial", device="/dev/null"),
                               scanner=ScannerSection(enabled=True, prefix="]Q1", wedge_max_gap_ms=60,
                                                      debounce_ms=200))
    assert start_phone_readers(settings, kiosk) == []
    try:
        settle(qtbot, kiosk)
        shown = pb.payload_template(uai, PUPIL).replace("{code}", pb.code_at(SECRET, clock.at))
        first = _scan(qtbot, kiosk, shown)
        assert (first.accepted, first.medium, first.person.id) == (True, "phone", PUPIL)
        assert kiosk.result.root.objectName() == "accepted"
        qtbot.wait(250)                               # past the scanner's debounce: another read
        clock.at += timedelta(seconds=8)              # the next pupil in the queue shows a screenshot
        replay = _scan(qtbot, kiosk, shown)
        assert (replay.accepted, str(replay.reason)) == (False, "phone_code_replayed")
        assert kiosk.result.headline.text() == "Code du téléphone déjà utilisé"
        settle(qtbot, kiosk)
        with replica.connect() as conn:
            rows = conn.execute(text("SELECT reason, medium, card_uid FROM passage WHERE person_id = :p "
                                     "AND origin = 'local' ORDER BY at"), {"p": PUPIL}).all()
        assert [tuple(r) for r in rows] == [("ok", "phone", None), ("phone_code_replayed", "phone", None)]
    finally:
        kiosk.scanner.uninstall()
