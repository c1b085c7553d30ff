"""The kiosk's status line tells a stopped sync daemon from a running one: the daemon writes a
heartbeat to the replica every few seconds, whatever the server does, and the kiosk says
"synchronisation stopped" with the pending count once the heartbeat is older than its threshold."""

from __future__ import annotations

import signal
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from plateau.db.engine import open_replica
from plateau.station.flow import connectivity
from plateau.sync.status import status_of
from tests.integration.sync.harness import Station
from tests.support.server import free_port

STALE = timedelta(seconds=3)   # short for the test; stations use [station] sync_stale_seconds


def _queue_passages(engine, station: str, n: int) -> None:
    with engine.begin() as conn:
        for _ in range(n):
            pid = str(uuid.uuid4())
            conn.execute(text(
                "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
                "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
                "(:id, :st, '2026-11-23T11:00:00.000000+00:00', '2026-11-23', 'dejeuner', NULL, NULL, "
                "'badge', 0, 'unknown_card', 0, NULL, NULL, NULL, NULL, '[]', 'local')"), {"id": pid, "st": station})
            conn.execute(text("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) "
                              "VALUES (:id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), NULL, 0, 0, 0)"),
                         {"id": pid})


def _status(engine):
    return connectivity(status_of(engine), datetime.now(timezone.utc), stale_after=STALE)


def test_a_killed_sync_daemon_shows_as_stopped_with_the_pending_count(tmp_path):
    # a server that is down: the daemon keeps failing and retrying, and keeps beating meanwhile
    st = Station(tmp_path / "self-1", "self-1", f"http://127.0.0.1:{free_port()}", "pst_unused",
                 timeout_seconds=0.5)
    # the daemon beats every 0.5 s here ([server] heartbeat_seconds): the test's threshold is short
    st.config.write_text(st.config.read_text(encoding="utf-8").replace("[db]", "heartbeat_seconds = 0.5\n[db]"),
                         encoding="utf-8")
    engine = open_replica(st.db)
    _queue_passages(engine, "self-1", 12)
    daemon = st.start_sync()
    try:
        st.wait_for("SELECT count(*) FROM sync_state WHERE key = 'heartbeat_at'", 1, timeout=30)
        time.sleep(STALE.total_seconds() + 1)      # longer than the threshold: a live daemon beat meanwhile
        alive = _status(engine)
        assert alive.stopped_seconds is None and not alive.online and alive.waiting == 12
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(10)
        deadline = time.monotonic() + 15
        while _status(engine).stopped_seconds is None and time.monotonic() < deadline:
            time.sleep(0.2)
        stopped = _status(engine)
    finally:
        st.stop_all()
    assert stopped.stopped_seconds is not None and stopped.stopped_seconds >= STALE.total_seconds()
    assert not stopped.online and stopped.waiting == 12
    engine.dispose()
