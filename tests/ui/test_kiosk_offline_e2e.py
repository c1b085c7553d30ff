"""The offline banner with the real pieces: `plateau server` and `plateau sync` as processes on
loopback, the kiosk window in this process on the same replica. The server goes away: the
banner appears with the passages waiting; it comes back: the banner goes, the outbox drains."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.test_sync_e2e import school, seeded_template  # noqa: F401  (fixtures)
from tests.integration.sync.harness import Station, add_station
from tests.support.server import ServerProcess, free_port


@pytest.mark.timeout(180)
def test_offline_banner_follows_the_server_going_away_and_coming_back(qtbot, tmp_path, seeded_template):
    from plateau.config import load_settings
    from plateau.db.engine import open_replica
    from plateau.demo.clock import utc_now
    from plateau.station.ui.app import build_window

    db = tmp_path / "server.db"
    shutil.copy(seeded_template, db)
    port = free_port()
    server = ServerProcess(str(db), port=port).start()
    station = Station(tmp_path / "self-1", "self-1", server.url, add_station(str(db), "self-1"), wait_seconds=2,
                      timeout_seconds=2.0)
    engine = window = None
    try:
        station.sync_once()
        station.start_sync()
        engine = open_replica(station.db, create=False)
        window = build_window(engine, load_settings(station.config), clock=utc_now)
        qtbot.addWidget(window)
        window.resize(800, 480)
        window.show()
        status = window.idle.status
        qtbot.waitUntil(lambda: status.text() == "\u25CF En ligne", timeout=20_000)

        server.stop()
        qtbot.waitUntil(lambda: "hors ligne depuis" in status.text(), timeout=30_000)
        assert status.objectName() == "status_bad"
        window.badge_read("DEADBEEF")  # recorded while offline: it waits in the outbox
        qtbot.waitUntil(lambda: window.flow.outcome is not None, timeout=10_000)
        window.flow.tick(window.flow.outcome.shown_at + 3600)  # the result screen is over
        window.render()
        qtbot.waitUntil(lambda: "1 passage en attente" in status.text(), timeout=10_000)

        server = ServerProcess(str(db), port=port).start()
        qtbot.waitUntil(lambda: status.text() == "\u25CF En ligne", timeout=60_000)
        assert station.query("SELECT count(*) FROM outbox")[0][0] == 0
    finally:
        if window is not None:
            window.shutdown()
        station.stop_all()
        server.stop()
        if engine is not None:
            engine.dispose()
