"""A card declared lost at one kiosk reaches the server and every other station: `plateau server`
and two `plateau sync` daemons as real processes on loopback, the kiosk's own
`Recorder.declare_lost` on station A's replica, `plateau check` on station B."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timezone

import pytest

from plateau.db.engine import open_replica
from plateau.db.unit_of_work import UnitOfWork
from plateau.station.services import Recorder
from plateau.sync.status import read_status
from tests.integration.sync.harness import Station, add_station, plateau
from tests.support.server import running_server

PUPILS = 40


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from plateau.demo.school import generate
    from plateau.server import store
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    path = tmp_path_factory.mktemp("cards") / "server.db"
    db = Database(open_database(str(path)))
    with db.write() as s:
        seed_changes(s, generate(pupils=PUPILS).changes)
        b = store.create_site(s, "0699999Z", "Lycée B", "Europe/Paris", "Zone C")
        pb = store.upsert_person(s, b, external_id="B-1", last_name="BEE", first_name="Bob", plan="ticket")
        store.upsert_card(s, b, "0A0B0C0D", pb.id)
    db.engine.dispose()
    return path


def _server_rows(db, sql, params=()):
    con = sqlite3.connect(str(db), timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _check(st: Station, uid: str) -> dict:
    done = plateau("check", uid, "--at", "2026-11-23T12:05:00", "--json", "--format", "hex",
                   "--config", str(st.config), check=False)
    return json.loads(done.stdout)


def test_a_card_lost_at_station_a_is_refused_at_station_b(tmp_path, template):
    db = tmp_path / "server.db"
    shutil.copy(template, db)
    with running_server(str(db)) as srv:
        a = Station(tmp_path / "a", "self-1", srv.url, add_station(str(db), "self-1"), wait_seconds=20)
        b = Station(tmp_path / "b", "self-2", srv.url, add_station(str(db), "self-2"), wait_seconds=20)
        a.sync_once()
        b.sync_once()
        uid, person = b.query("SELECT c.uid, c.person_id FROM card c JOIN person p ON p.id = c.person_id "
                              "WHERE c.status = 'active' AND p.status = 'active' AND p.leaving_date IS NULL "
                              "ORDER BY c.uid LIMIT 1")[0]
        assert _check(b, uid)["reason"] != "card_blocked"
        a.start_sync()
        b.start_sync()
        try:
            engine = open_replica(str(a.db))
            recorder = Recorder(engine, "self-1")
            try:
                event_id = recorder.declare_lost(uid, 1, datetime.now(timezone.utc))
                # the long-polling station B has it within a couple of seconds
                took = b.wait_for("SELECT status FROM card WHERE uid = ?", "lost", params=(uid,), timeout=10)
                assert took < 3, took
                verdict = _check(b, uid)
                assert verdict["reason"] == "card_blocked" and not verdict["accepted"], verdict
                a.wait_for("SELECT sent FROM card_event WHERE id = ?", 1, params=(event_id,), timeout=10)
                assert _server_rows(db, "SELECT c.status FROM card c JOIN site s ON s.id = c.site_id "
                                        "WHERE c.uid = ? AND s.code = '0691234X'", (uid,)) == [("lost",)]
                stored = _server_rows(db, "SELECT id, uid, person_id, station, staff_id FROM card_event")
                assert stored == [(event_id, uid, person, "self-1", 1)]
                feed_items = _server_rows(db, "SELECT count(*) FROM change WHERE kind = 'card' AND key = ?", (uid,))

                # replay (the answer was lost: the event is sent again): harmless
                _commit(a, "UPDATE card_event SET sent = 0 WHERE id = ?", (event_id,))
                a.wait_for("SELECT sent FROM card_event WHERE id = ?", 1, params=(event_id,), timeout=10)
                assert len(_server_rows(db, "SELECT id FROM card_event")) == 1
                assert _server_rows(db, "SELECT count(*) FROM change WHERE kind = 'card' AND key = ?",
                                    (uid,)) == feed_items

                # another site's card (a stale card row on this replica): rejected, parked, visible
                _commit(a, "INSERT INTO card (uid, person_id, status) VALUES ('0A0B0C0D', ?, 'active')",
                        (person,))
                other = recorder.declare_lost("0A0B0C0D", 1, datetime.now(timezone.utc))
                a.wait_for("SELECT sent FROM card_event WHERE id = ?", 1, params=(other,), timeout=10)
                with UnitOfWork(engine).reading() as uow:
                    parked = uow.parked_card_events()
                    assert read_status(uow).parked == 1
                assert [p["id"] for p in parked] == [other] and "not a card of site" in parked[0]["error"]
                assert _server_rows(db, "SELECT status FROM card WHERE uid = '0A0B0C0D'") == [("active",)]
            finally:
                recorder.close()
                engine.dispose()
        finally:
            codes = a.stop_all() + b.stop_all()
        assert codes == [0, 0], a.log() + b.log()
        assert "Traceback" not in a.log() + b.log()
        assert "card event" in a.log() and "rejected" in a.log()


def _commit(st: Station, sql: str, params=()) -> None:
    con = sqlite3.connect(str(st.db), timeout=30)
    try:
        with con:
            con.execute(sql, params)
    finally:
        con.close()
