"""The idle screen's status: offline banner from the sync status, reader state, served/expected,
menu; an unexpected error shows a calm "ask staff" screen and the kiosk carries on."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from plateau.db.replica import set_state
from plateau.devices.base import ReaderState
from plateau.station.flow import Screen
from plateau.sync import status as keys
from tests.ui.kiosk_support import settle
from tests.ui.test_kiosk_results import FORFAIT_4_DAYS, UNKNOWN, badge


def daemon_says(replica, *, online: bool, since=None, last_ok=None):
    """Write the sync status exactly as the sync daemon does (`plateau.sync.status` keys)."""
    with replica.begin() as conn:
        set_state(conn, keys.ONLINE, "1" if online else "0")
        set_state(conn, keys.OFFLINE_SINCE, since.isoformat() if since else "")
        set_state(conn, keys.LAST_SUCCESS, last_ok.isoformat() if last_ok else "")


def test_idle_screen_shows_school_service_counts_and_menu(qtbot, kiosk):
    idle = kiosk.idle
    assert idle.school.text() == "Collège Jean Moulin"
    assert idle.clock.text() == "12:00"
    assert idle.service.text() == "Déjeuner · 11:15 – 13:45"
    assert idle.prompt.text() == "Passez votre badge"
    assert idle.menu.text() == "Menu : Carottes râpées — Hachis parmentier — Yaourt — Pomme"
    qtbot.waitUntil(lambda: "attendus" in idle.counts.text(), timeout=8000)  # from the headcount thread
    assert idle.counts.text().startswith("0 servis / ")


def test_offline_banner_appears_and_disappears_with_the_sync_status(qtbot, kiosk, replica, clock, demo_school):
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    badge(qtbot, kiosk, UNKNOWN)
    kiosk.flow.tick(kiosk.flow.outcome.shown_at + 60)
    kiosk.render()
    daemon_says(replica, online=False, since=clock.at - timedelta(minutes=12),
                last_ok=clock.at - timedelta(minutes=12, seconds=30))
    qtbot.waitUntil(lambda: "hors ligne" in kiosk.idle.status.text(), timeout=5000)  # the 2 s poll
    assert kiosk.idle.status.text() == "\u25CB hors ligne depuis 12 min — 2 passages en attente"
    assert kiosk.idle.status.objectName() == "status_bad"
    daemon_says(replica, online=True, last_ok=clock.at - timedelta(seconds=5))
    qtbot.waitUntil(lambda: kiosk.idle.status.text() == "\u25CF En ligne", timeout=5000)
    assert kiosk.idle.status.objectName() == "status_ok"


def test_a_silent_daemon_counts_as_offline(qtbot, kiosk, replica, clock):
    daemon_says(replica, online=True, last_ok=clock.at - timedelta(minutes=30))
    kiosk.refresh_status()
    settle(qtbot, kiosk)
    assert kiosk.idle.status.text() == "\u25CB hors ligne depuis 30 min"


def test_offline_banner_in_english(qtbot, make_kiosk, replica, clock):
    daemon_says(replica, online=False, since=clock.at - timedelta(minutes=3))
    kiosk = make_kiosk("en")
    assert kiosk.idle.status.text() == "\u25CB offline for 3 min"
    assert kiosk.idle.prompt.text() == "Present your badge"


def test_offline_for_under_a_minute_is_not_zero_minutes(qtbot, make_kiosk, replica, clock):
    daemon_says(replica, online=False, since=clock.at - timedelta(seconds=20))
    assert make_kiosk().idle.status.text() == "\u25CB hors ligne depuis moins d'une minute"
    assert make_kiosk("en").idle.status.text() == "\u25CB offline for less than a minute"


def test_no_badge_invitation_when_no_service_remains_today(qtbot, make_kiosk, clock):
    from tests.conftest import paris

    clock.at = paris(2026, 11, 22, 12, 0)  # a Sunday
    kiosk = make_kiosk()
    assert kiosk.idle.service.text() == "Plus de service aujourd'hui"
    assert kiosk.idle.prompt.text() == ""
    clock.at = paris(2026, 11, 23, 10, 0)  # Monday morning: lunch is still to come
    kiosk.refresh_status()
    settle(qtbot, kiosk)
    assert kiosk.idle.prompt.text() == "Passez votre badge"
    clock.at = paris(2026, 11, 23, 14, 0)  # Monday after lunch: no service left today
    kiosk.refresh_status()
    settle(qtbot, kiosk)
    assert kiosk.idle.prompt.text() == ""


def test_reader_unplugged_then_back(qtbot, kiosk):
    assert kiosk.idle.reader.text() == "Lecteur prêt"
    kiosk.reader.set_state(ReaderState.UNPLUGGED, "/dev/ttyUSB0")
    qtbot.waitUntil(lambda: kiosk.idle.reader.text() == "Lecteur débranché", timeout=3000)
    assert kiosk.idle.reader.objectName() == "status_bad"
    assert kiosk.idle.prompt.text() == "Lecteur de badge indisponible : adressez-vous au personnel"
    kiosk.reader.set_state(ReaderState.READY)
    qtbot.waitUntil(lambda: kiosk.idle.reader.text() == "Lecteur prêt", timeout=3000)
    assert kiosk.idle.prompt.text() == "Passez votre badge"


def test_the_reader_s_state_is_kept_in_the_replica_for_the_office(qtbot, make_kiosk, replica):
    """The sync daemon (another process) reports it to the server: `plateau.sync.telemetry_source`."""
    from plateau.db.kiosk import READER_DETAIL, READER_STATE
    from plateau.sync.telemetry_source import TelemetrySource

    def kept():
        with replica.connect() as conn:
            found = dict(conn.execute(text("SELECT key, value FROM sync_state WHERE key IN (:a, :b)"),
                                      {"a": READER_STATE, "b": READER_DETAIL}).all())
        return found.get(READER_STATE), found.get(READER_DETAIL)

    kiosk = make_kiosk()
    qtbot.waitUntil(lambda: kept() == ("ready", ""), timeout=3000)
    kiosk.reader.set_state(ReaderState.UNPLUGGED, "/dev/ttyUSB0")
    qtbot.waitUntil(lambda: kept() == ("unplugged", "/dev/ttyUSB0"), timeout=3000)
    assert TelemetrySource(replica).headers()["X-Plateau-Station-Reader"] == "unplugged; /dev/ttyUSB0"
    kiosk.shutdown()   # the kiosk gone, the office must not read "ready"
    assert kept()[0] == "stopped"


def test_a_failing_write_shows_ask_staff_and_the_kiosk_carries_on(qtbot, make_kiosk, replica, demo_school):
    kiosk = make_kiosk(result_seconds=0.3)
    kiosk.flow.ask_staff_seconds = 0.3
    with replica.begin() as conn:  # break the database under the kiosk: the outbox is gone
        conn.execute(text("ALTER TABLE outbox RENAME TO outbox_gone"))
    kiosk.reader.feed(demo_school.cards[FORFAIT_4_DAYS])
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.ASK_STAFF, timeout=5000)
    assert kiosk.ask.title.text() == "Adressez-vous au personnel"
    assert "outbox" in kiosk.ask.cause.text()  # what went wrong, small, for staff
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.IDLE, timeout=3000)
    with replica.begin() as conn:
        conn.execute(text("ALTER TABLE outbox_gone RENAME TO outbox"))
    assert badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS]).accepted


def test_the_last_resort_excepthook_shows_ask_staff(qtbot, kiosk):
    try:
        raise RuntimeError("a bug somewhere in a slot")
    except RuntimeError:
        kiosk.unexpected(*sys.exc_info())
    assert kiosk.flow.screen is Screen.ASK_STAFF and kiosk.stack.currentWidget() is kiosk.ask


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_qt_slot_reaches_the_kiosk_excepthook(qtbot, kiosk, monkeypatch):
    from PySide6.QtCore import QTimer

    monkeypatch.setattr(sys, "excepthook", kiosk.unexpected)  # as `plateau station` installs it
    QTimer.singleShot(0, lambda: 1 / 0)
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.ASK_STAFF, timeout=3000)
    assert kiosk.flow.error_text == "division by zero"


def test_a_wrong_clock_is_refused_with_a_reason_staff_can_read(qtbot, kiosk, clock, demo_school):
    from tests.conftest import paris

    clock.at = paris(2020, 1, 6, 12, 0)  # a kiosk without a battery-backed clock, booted in the past
    kiosk.reader.feed(demo_school.cards[FORFAIT_4_DAYS])
    qtbot.waitUntil(lambda: kiosk.flow.screen is Screen.ASK_STAFF, timeout=5000)
    assert "clock" in kiosk.ask.cause.text()


def test_a_stopped_sync_daemon_is_said_plainly_with_the_pending_count(qtbot, kiosk, replica, clock, demo_school):
    """The daemon's last heartbeat is 5 minutes old: it does not run, whatever it wrote last."""
    badge(qtbot, kiosk, demo_school.cards[FORFAIT_4_DAYS])
    kiosk.flow.tick(kiosk.flow.outcome.shown_at + 60)
    kiosk.render()
    daemon_says(replica, online=True, last_ok=clock.at - timedelta(minutes=5))
    with replica.begin() as conn:
        set_state(conn, keys.HEARTBEAT, (clock.at - timedelta(minutes=5, seconds=10)).isoformat())
    kiosk.refresh_status()
    settle(qtbot, kiosk)
    assert kiosk.idle.status.text() == "\u25CB Synchronisation arrêtée depuis 5 min — 1 passage en attente"
    assert kiosk.idle.status.objectName() == "status_bad"
    with replica.begin() as conn:  # the daemon is back
        set_state(conn, keys.HEARTBEAT, (clock.at - timedelta(seconds=3)).isoformat())
    kiosk.refresh_status()
    settle(qtbot, kiosk)
    assert kiosk.idle.status.text() == "\u25CF En ligne"
