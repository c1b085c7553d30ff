"""Headcounts served by the server agree with the station's own computation of the same day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from plateau.db.engine import open_replica
from plateau.station.services import Recorder
from plateau.demo.school import seed_replica
from plateau.reports.headcount import compute
from plateau.reports.replica_source import load_day
from plateau.sync.protocol import passage_to_wire
from tests.conftest import paris
from tests.integration.server.conftest import SITE_A

DAY = date(2026, 11, 23)


def test_the_server_headcount_matches_the_stations_after_a_push(env, tmp_path):
    engine = open_replica(tmp_path / "station.db")
    seed_replica(engine, env.school)
    recorder = Recorder(engine, "self-1")
    uids = list(env.school.cards.items())
    for n, (_pid, uid) in enumerate(uids[:40]):  # accepted and refused, as the rules decide
        recorder.badge(uid, paris(2026, 11, 23, 12, 0, n))
    recorder.badge("DEADBEEF99", paris(2026, 11, 23, 12, 1))  # an unknown card
    with engine.connect() as conn:
        rows = [passage_to_wire(r._mapping) for r in conn.execute(text("SELECT * FROM passage"))]
        station_view = compute(load_day(conn, DAY)).to_json()
    engine.dispose()
    r = env.station().post("/api/v1/sync/passages", {"passages": rows})
    assert {x["status"] for x in r.json()["results"]} == {"stored"}

    server_view = env.admin.get(f"/api/v1/sites/{SITE_A}/headcounts?date={DAY}").json()
    assert server_view["date"] == DAY.isoformat()
    for key in ("expected", "served", "refusals", "no_shows", "unexpected"):
        assert server_view[key] == station_view[key], key
    s_srv = {s["code"]: s for s in server_view["services"]}
    s_sta = {s["code"]: s for s in station_view["services"]}
    assert s_srv["dejeuner"]["refusals_by_reason"] == s_sta["dejeuner"]["refusals_by_reason"]
    assert s_srv["dejeuner"]["served"] > 0 and s_srv["dejeuner"]["refusals"] > 0
    assert s_srv["dejeuner"]["by_station"]["self-1"]["served"] == s_srv["dejeuner"]["served"]


def test_a_headcount_of_a_day_without_passages_still_shows_who_is_expected(env):
    r = env.admin.get(f"/api/v1/sites/{SITE_A}/headcounts?date=2026-11-24")
    assert r.status_code == 200
    body = r.json()
    assert body["served"] == 0 and body["expected"] > 0
    closed = env.admin.get(f"/api/v1/sites/{SITE_A}/headcounts?date=2026-12-25").json()
    assert closed["expected"] == 0 and closed["closed"]
