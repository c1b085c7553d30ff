"""Fixtures of the kiosk's UI tests: a real KioskWindow offscreen on a real replica file."""

from __future__ import annotations

import pytest

from tests.conftest import paris
from tests.ui.kiosk_support import Clock, ScriptedReader, settle

MONDAY_NOON = paris(2026, 11, 23, 12, 0)


@pytest.fixture
def clock():
    return Clock(MONDAY_NOON)


@pytest.fixture
def make_kiosk(qtbot, replica, clock, tmp_path):
    """Build a kiosk window (French by default) with a scripted reader; cleaned up after the test."""
    from plateau.config import StationSection, StationSettings
    from plateau.station.ui.app import build_window

    made = []

    def build(lang: str = "fr", size=(1024, 600), result_seconds: float = 30.0):
        settings = StationSettings(station=StationSection(id="self-1", site="0691234X", language=lang,
                                                          result_seconds=result_seconds))
        window = build_window(replica, settings, clock=clock, reports_dir=str(tmp_path / "reports"))
        qtbot.addWidget(window)
        reader = ScriptedReader()
        reader.start(window.bridge.on_read, window.bridge.on_state)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        settle(qtbot, window)  # the site, the sync status and the idle screen's figures are read
        window.reader = reader
        made.append(window)
        return window

    yield build
    for window in made:
        window.shutdown()


@pytest.fixture
def kiosk(make_kiosk):
    return make_kiosk()
