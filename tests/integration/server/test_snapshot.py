"""A new station's first sync from the server's snapshot (`GET /api/v1/sync/snapshot`), on SQLite
and PostgreSQL: after the snapshot and the feed from its cursor, the station holds what a station
that replayed the whole feed holds (everything the rules need from today on), without the
history of passages; changes committed while the snapshot is read arrive through the feed; a
station reaches only its own site's snapshot.

Stations here are the sync daemon's real loops (`SyncLoops`) over real replica files, talking
HTTP to the module's `plateau server` process.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from plateau.db.engine import open_replica
from plateau.server import feed
from plateau.sync.first_sync import first_day
from plateau.sync.loops import SyncLoops, SyncOptions
from tests.integration.server.conftest import SITE_A, SITE_B, passage, ticket_persons
from tests.integration.sync.harness import PASSAGE_COLUMNS

PARIS = ZoneInfo("Europe/Paris")
# the replica's tables and their keys; the dated ones compared from the snapshot's day on
WHOLE = {"site": "code", "service": "code", "tariff": "category", "person": "id", "card": "uid",
         "balance": "person_id", "staff": "id", "phone_badge": "person_id"}
FROM_DAY = {"reservation": ("person_id, date, service", "date >= :day"),
            "menu": ("date, service", "date >= :day"),
            "closure": ("id", "last_day >= :day"),
            "opposition": ("id", "julianday(ends_at) > julianday(:start)"),
            "passage": ("id", "local_date >= :day")}


def today() -> date:
    return datetime.now(PARIS).date()


def station(env, tmp_path, name: str, *, snapshot: bool = True, page_size: int = 1000, token: str | None = None):
    engine = open_replica(tmp_path / f"{name}.db")
    loops = SyncLoops(engine, SyncOptions(url=env.url, token=token or env.stations["self-1"], timeout=20, wait=0,
                                          page_size=page_size, snapshot=snapshot))
    return engine, loops


def current(path, day: date) -> dict[str, list[tuple]]:
    """The replica's rows the rules can still use on `day`: every row of the undated tables, the
    dated ones from `day` on (passages without the replica's own `origin`)."""
    start = datetime.combine(day, time(0), PARIS).astimezone(timezone.utc).isoformat()
    con = sqlite3.connect(str(path))
    try:
        out = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY {keys}').fetchall() for t, keys in WHOLE.items()}
        for t, (keys, where) in FROM_DAY.items():
            cols = PASSAGE_COLUMNS if t == "passage" else "*"
            out[t] = con.execute(f'SELECT {cols} FROM "{t}" WHERE {where} ORDER BY {keys}',
                                 {"day": day.isoformat(), "start": start}).fetchall()
        return out
    finally:
        con.close()


def state(path, key: str):
    con = sqlite3.connect(str(path))
    try:
        row = con.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def count(path, sql: str) -> int:
    con = sqlite3.connect(str(path))
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def push(env, name: str, passages: list[dict]) -> None:
    r = env.station(name).post("/api/v1/sync/passages", {"passages": passages})
    assert r.status_code == 200, r.text
    assert {x["status"] for x in r.json()["results"]} == {"stored"}, r.json()["results"][:2]


def refused_passage(person: int, at: datetime, station: str) -> dict:
    return passage(person, station=station, at=at.astimezone(timezone.utc), accepted=False, reason="no_service",
                   price=0) | {"local_date": at.date().isoformat()}


def school_days(ahead: range) -> list[date]:
    return [d for d in (today() + timedelta(days=k) for k in ahead) if d.weekday() < 5]


def make_history(env, persons: list[int]) -> None:
    """Passages on the past school days and today at two stations, money, bookings and blocks
    made and unmade: the feed then holds far more than the current state."""
    for k, day in enumerate(school_days(range(-12, 1))):
        at = datetime.combine(day, time(12, 5), PARIS)
        push(env, "self-2" if k % 2 else "self-1",
             [refused_passage(p, at + timedelta(seconds=i), "self-2" if k % 2 else "self-1")
              for i, p in enumerate(persons)])
    admin = env.admin
    for i, p in enumerate(persons[:6]):
        r = admin.post(f"/api/v1/persons/{p}/payments", {"reference": f"snap-{uuid.uuid4()}", "amount_cents": 500 + i})
        assert r.status_code == 200, r.text
        past = datetime.combine(today() - timedelta(days=3), time(8), PARIS)
        r = admin.post(f"/api/v1/persons/{p}/oppositions", {"starts_at": past.isoformat(),
                                                             "ends_at": (past + timedelta(hours=8)).isoformat(),
                                                             "motive": "absent (past)"})
        assert r.status_code == 201, r.text
    r = admin.post(f"/api/v1/persons/{persons[0]}/oppositions", {
        "starts_at": datetime.now(timezone.utc).isoformat(),
        "ends_at": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat(), "motive": "absent"})
    assert r.status_code == 201, r.text
    for day in (today() - timedelta(days=2), today() + timedelta(days=1)):
        r = admin.put(f"/api/v1/sites/{SITE_A}/menus/{day.isoformat()}/dejeuner", json={"text": "Hachis parmentier"})
        assert r.status_code == 200, r.text
    for day in school_days(range(3, 12))[:3]:
        for p in persons[:4]:
            path = f"/api/v1/persons/{p}/reservations/{day.isoformat()}/dejeuner"
            assert admin.put(path).status_code in (200, 201, 409)
        assert admin.delete(f"/api/v1/persons/{persons[0]}/reservations/{day.isoformat()}/dejeuner"
                            ).status_code in (200, 404, 409)


def test_a_snapshot_then_the_feed_equals_the_whole_feed(env, tmp_path):
    make_history(env, ticket_persons(env.school, 12, offset=50))
    with env.db.write() as s:   # the daily upkeep: superseded items go, every passage stays
        from plateau.server import models as m
        from sqlalchemy import select

        feed.compact(s, s.execute(select(m.Site.id).where(m.Site.code == SITE_A)).scalar_one())
    snap_engine, snap = station(env, tmp_path, "snapshot", page_size=37)
    full_engine, full = station(env, tmp_path, "feed", snapshot=False)
    try:
        snap.pull_all(snap.client())
        full.pull_all(full.client())
        day = today()
        rows = current(tmp_path / "snapshot.db", day)
        assert rows == current(tmp_path / "feed.db", day)
        assert all(rows[t] for t in ("person", "card", "balance", "reservation", "menu", "opposition", "passage"))
        assert snap.counters["snapshot"] > 0 and full.counters["snapshot"] == 0
        assert snap.counters["pages"] > 3                       # many pages: the positions held
        assert state(tmp_path / "snapshot.db", "cursor") == state(tmp_path / "feed.db", "cursor")
        assert state(tmp_path / "snapshot.db", "first_sync_done") == "1"
        assert state(tmp_path / "snapshot.db", "snapshot") == ""
        # the history stayed on the server: the passages of today and of the day before (the station
        # asks a day early: it does not know its site's time zone yet) came, not the others
        since = min(day - timedelta(days=1), date.fromisoformat(first_day(datetime.now(timezone.utc))))
        snap_passages = count(tmp_path / "snapshot.db", "SELECT count(*) FROM passage")
        assert 0 < snap_passages == count(tmp_path / "snapshot.db",
                                          f"SELECT count(*) FROM passage WHERE local_date >= '{since.isoformat()}'")
        assert count(tmp_path / "feed.db", "SELECT count(*) FROM passage") > 3 * snap_passages
        assert snap.counters["snapshot"] + snap.counters["pulled"] < full.counters["pulled"]
    finally:
        snap_engine.dispose()
        full_engine.dispose()


def test_changes_committed_while_the_snapshot_is_read_arrive_through_the_feed(env, tmp_path):
    """Pages are short reads of the current rows: a change committed between two pages, behind the
    position already read or ahead of it, reaches the station through the feed from the
    snapshot's cursor, and nothing is lost or left twice."""
    persons = ticket_persons(env.school, 4, offset=62)
    engine, loops = station(env, tmp_path, "during", page_size=40)
    client = loops.client()
    try:
        position = ""
        while not position.startswith(("card", "balance")):   # the persons are behind it, the rest ahead
            cursor, more = loops.pull_step(client, 0, 0)
            assert cursor == 0 and more
            position = json.loads(state(tmp_path / "during.db", "snapshot"))["after"]
        admin = env.admin
        renamed = env.school.persons[persons[0]]
        r = admin.post(f"/api/v1/sites/{SITE_A}/persons", {
            "external_id": renamed["external_id"], "last_name": "RENOMMÉ", "first_name": renamed["first_name"],
            "class_name": renamed["class_name"], "category": renamed["category"], "plan": renamed["plan"]})
        assert r.status_code == 200, r.text
        assert admin.post(f"/api/v1/persons/{persons[1]}/payments",
                          {"reference": f"during-{uuid.uuid4()}", "amount_cents": 1234}).status_code == 200
        assert admin.put(f"/api/v1/persons/{persons[2]}/cards/0DDBA11001",
                         json={"status": "lost"}).status_code == 200
        blocked = admin.post(f"/api/v1/persons/{persons[3]}/oppositions", {
            "starts_at": datetime.now(timezone.utc).isoformat(),
            "ends_at": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(), "motive": "absent"})
        assert blocked.status_code == 201
        now = datetime.now(PARIS).replace(hour=12, minute=1)
        served = refused_passage(persons[3], now, "self-2")
        push(env, "self-2", [served])
        loops.pull_all(client)
        loops.pull_all(client)
        day = today()
        _, fresh = station(env, tmp_path, "fresh", snapshot=False)
        fresh.pull_all(fresh.client())
        assert current(tmp_path / "during.db", day) == current(tmp_path / "fresh.db", day)
        con = sqlite3.connect(str(tmp_path / "during.db"))
        try:
            assert con.execute("SELECT last_name FROM person WHERE id = ?", (persons[0],)).fetchone() == ("RENOMMÉ",)
            assert con.execute("SELECT status FROM card WHERE uid = '0DDBA11001'").fetchone() == ("lost",)
            assert con.execute("SELECT count(*) FROM opposition WHERE id = ?",
                               (blocked.json()["id"],)).fetchone() == (1,)
            assert con.execute("SELECT count(*) FROM passage WHERE id = ?", (served["id"],)).fetchone() == (1,)
        finally:
            con.close()
        assert state(tmp_path / "during.db", "first_sync_done") == "1"
    finally:
        client.close()
        engine.dispose()


def test_a_station_reads_only_its_own_sites_snapshot(env):
    station_a = env.station("self-1")
    first = station_a.get("/api/v1/sync/snapshot?limit=5")
    assert first.status_code == 200
    page = first.json()
    assert page["more"] and page["rows"][0]["kind"] == "site" and page["rows"][0]["data"]["code"] == SITE_A
    assert page["total"] > 5 and page["day"] == today().isoformat()
    # another site answers like a site that does not exist
    other = station_a.get(f"/api/v1/sync/snapshot?site={SITE_B}")
    nowhere = station_a.get("/api/v1/sync/snapshot?site=0000000X")
    assert other.status_code == nowhere.status_code == 404 and other.json() == nowhere.json()
    # site B's station sees site B only
    b = env.api(env.station_b).get("/api/v1/sync/snapshot").json()
    assert {r["data"].get("code") for r in b["rows"] if r["kind"] == "site"} == {SITE_B}
    assert not {r["key"] for r in b["rows"] if r["kind"] == "person"} & {r["key"] for r in page["rows"]
                                                                         if r["kind"] == "person"}
    # an admin names the site; no token, a revoked one: 401
    assert env.admin.get("/api/v1/sync/snapshot").status_code == 422
    assert env.admin.get(f"/api/v1/sync/snapshot?site={SITE_A}&limit=5").json()["rows"] == page["rows"]
    assert env.api(None).get("/api/v1/sync/snapshot").status_code == 401
    assert env.api(env.revoked_station).get("/api/v1/sync/snapshot").status_code == 401


def test_a_later_page_answers_the_same_rows_and_refuses_a_made_up_position(env):
    api = env.station("self-1")
    first = api.get("/api/v1/sync/snapshot?limit=7").json()
    again = {"cursor": first["cursor"], "day": first["day"], "after": first["after"], "limit": 7}
    assert api.get("/api/v1/sync/snapshot", params=again).json() == api.get("/api/v1/sync/snapshot",
                                                                             params=again).json()
    for bad in ({"after": "nonsense"}, {"after": 'person:["x"'}, {"after": "person:[1,2]"},
                {"cursor": first["cursor"]}, {"after": first["after"]}):
        r = api.get("/api/v1/sync/snapshot", params=bad)
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", (bad, r.text)
    assert api.get("/api/v1/sync/snapshot", params=dict(again, day="2026-13-01")).status_code == 422


def test_a_station_falls_back_to_the_feed_on_a_server_without_snapshots(env, tmp_path):
    """An older server (or a proxy that does not route the snapshot) answers 404: the new station
    pulls the whole feed, as stations did before."""
    from tests.support.faultproxy import FaultProxy, _canned

    with FaultProxy(int(env.url.rsplit(":", 1)[1])) as proxy:
        proxy.by_path["/api/v1/sync/snapshot"] = _canned(404, '{"error": "not_found", "reason": "Not Found"}',
                                                        "application/json")
        engine = open_replica(tmp_path / "old.db")
        loops = SyncLoops(engine, SyncOptions(url=proxy.url, token=env.stations["self-1"], timeout=20, wait=0))
        try:
            loops.pull_all(loops.client())
            assert proxy.counts["by_path"] == 1 and loops.counters["snapshot"] == 0 and loops.counters["pulled"] > 0
            assert state(tmp_path / "old.db", "first_sync_done") == "1"
        finally:
            engine.dispose()
