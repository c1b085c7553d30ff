"""Stations living with the server: a day offline drains in seconds; two stations of one site
refuse a second meal within the cross-station window."""

from __future__ import annotations

import json
import shutil
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.test_sync_e2e import school, seeded_template  # noqa: F401  (fixtures)
from tests.integration.sync.harness import (Station, add_station, badge_plan, server_passages,
                                            wait_drained_and_caught_up)
from tests.support.server import running_server

PARIS = ZoneInfo("Europe/Paris")


def test_a_school_day_offline_drains_within_10_s_of_the_server_coming_back(tmp_path, seeded_template, school):
    from plateau.db.engine import open_replica
    from plateau.station.services import Recorder

    db = tmp_path / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv:
        st = Station(tmp_path / "self-1", "self-1", srv.url, add_station(str(db), "self-1"), wait_seconds=5,
                     timeout_seconds=2)
        st.sync_once()
        daemon = st.start_sync()
        srv.stop()                                   # the network goes down for the day
        st.wait_for("SELECT value FROM sync_state WHERE key = 'online'", "0", timeout=15)
        engine = open_replica(st.db)
        recorder = Recorder(engine, "self-1")
        for uid, at in badge_plan(school, 1000):
            recorder.badge(uid, at)
        engine.dispose()
        assert st.scalar("SELECT count(*) FROM outbox") == 1000
        assert st.scalar("SELECT value FROM sync_state WHERE key = 'offline_since'")
        time.sleep(6)                                # long enough for the backoff to reach its cap
        srv.start()                                  # the server is back (answers /health)
        back = time.monotonic()
        st.wait_for("SELECT count(*) FROM outbox", 0, timeout=30)
        drained = time.monotonic() - back
        print(f"\n1000 queued passages drained {drained:.2f} s after the server came back")
        assert drained <= 10
        assert len(server_passages(str(db))) == 1000
        wait_drained_and_caught_up(st, str(db), timeout=20)
        assert st.scalar("SELECT value FROM sync_state WHERE key = 'online'") == "1"
        assert st.scalar("SELECT value FROM sync_state WHERE key = 'offline_since'") == ""
        st.stop_all()
        assert daemon.returncode == 0


def test_second_station_refuses_already_served_two_seconds_later(tmp_path, seeded_template, school):
    db = tmp_path / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv:
        a = Station(tmp_path / "self-1", "self-1", srv.url, add_station(str(db), "self-1"), wait_seconds=25)
        b = Station(tmp_path / "self-2", "self-2", srv.url, add_station(str(db), "self-2"), wait_seconds=25)
        for st in (a, b):
            st.sync_once()
            st.start_sync()
        time.sleep(1.5)  # both daemons up and long-polling
        active_cards = {d["person_id"] for k, d in school.changes if k == "card" and d["status"] == "active"}
        pupils = [p for p, d in sorted(school.persons.items()) if p in active_cards
                  if d["plan"] == "forfait" and "mon" in (d["forfait_days"] or "") and p in school.cards
                  and p not in school.absent_today and d["leaving_date"] is None and d["status"] == "active"][:4]
        windows, refusals = [], []
        try:
            for i, pupil in enumerate(pupils):
                at = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS) + timedelta(seconds=20 * i)
                first = a.passage(school.cards[pupil], at.isoformat())
                recorded = time.monotonic()
                answer = json.loads(first.stdout)
                assert answer["accepted"], answer
                seen = b.wait_for("SELECT count(*) FROM passage WHERE id = ?", 1, params=(answer["passage_id"],),
                                  timeout=10)
                windows.append(time.monotonic() - recorded if seen else 0.0)
                time.sleep(max(0.0, recorded + 2 - time.monotonic()))
                second = json.loads(b.passage(school.cards[pupil], (at + timedelta(seconds=2)).isoformat()).stdout)
                refusals.append(second["reason"])
        finally:
            a.stop_all()
            b.stop_all()
        windows.sort()
        p50, worst = statistics.median(windows), windows[-1]
        print(f"\ncross-station window over {len(windows)} pupils: p50 {p50 * 1000:.0f} ms, "
              f"max (p99) {worst * 1000:.0f} ms")
        assert refusals == ["already_served"] * len(pupils)
        assert worst < 2.0
