"""Opening the replica file: creation, upgrades that keep unsynced passages, damaged files."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from plateau.db.engine import ReplicaError, current_revision, head_revision, make_engine, open_replica, upgrade
from plateau.station.services import Recorder
from tests.conftest import paris


def test_a_new_replica_is_created_at_the_head_revision(tmp_path):
    engine = open_replica(tmp_path / "new.db")
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"site", "service", "tariff", "person", "card", "reservation", "balance", "opposition", "closure",
                "staff", "menu", "passage", "outbox", "sync_state"} <= tables
    finally:
        engine.dispose()


def test_opening_twice_is_harmless(tmp_path):
    for _ in range(2):
        open_replica(tmp_path / "r.db").dispose()
    engine = open_replica(tmp_path / "r.db", create=False)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_missing_replica_is_a_clear_error_when_it_must_exist(tmp_path):
    with pytest.raises(ReplicaError, match="no station database at .*missing.db"):
        open_replica(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ReplicaError, match="folder for the station database does not exist"):
        open_replica(tmp_path / "nowhere" / "station.db")


# -- upgrades keep what the server has not received ----------------------------------------------

UNSYNCED = [
    # id, at (UTC), person, kind, accepted, reason, price, ref
    ("a0000000-0000-4000-8000-000000000001", "2026-11-20T11:03:00.000000+00:00", 7, "badge", 1, "ok", 420, None),
    ("a0000000-0000-4000-8000-000000000002", "2026-11-20T11:09:00.000000+00:00", 7, "badge", 0, "already_served", 0,
     None),
    ("a0000000-0000-4000-8000-000000000003", "2026-11-20T11:10:00.000000+00:00", 7, "override", 1, "ok", 420,
     "a0000000-0000-4000-8000-000000000002"),
    ("a0000000-0000-4000-8000-000000000004", "2026-11-20T11:12:00.000000+00:00", 7, "cancel", 1, "ok", -420,
     "a0000000-0000-4000-8000-000000000003"),
]


def _make_v1_replica_with_unsynced_passages(path) -> None:
    engine = make_engine(path)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO balance (person_id, server_cents, version) VALUES (7, 2000, 4)"))
        for seq, (pid, at, person, kind, accepted, reason, price, ref) in enumerate(UNSYNCED, start=1):
            conn.execute(text(
                "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
                "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
                "(:id, 'self-1', :at, '2026-11-20', 'dejeuner', '04A1B2C3', :person, :kind, :accepted, :reason, "
                ":price, NULL, NULL, NULL, :ref, '[]', 'local')"),
                {"id": pid, "at": at, "person": person, "kind": kind, "accepted": accepted, "reason": reason,
                 "price": price, "ref": ref})
            conn.execute(text("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) "
                              "VALUES (:id, :seq, :person, :price, :attempts, 0)"),
                         {"id": pid, "seq": seq, "person": person, "price": price, "attempts": seq % 2})
    engine.dispose()


def _dump(path) -> tuple[list, list]:
    con = sqlite3.connect(path)
    try:
        passages = con.execute("SELECT * FROM passage ORDER BY id").fetchall()
        outbox = con.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
    finally:
        con.close()
    return passages, outbox


def test_upgrade_from_0001_keeps_every_unsynced_passage(tmp_path):
    path = tmp_path / "old.db"
    _make_v1_replica_with_unsynced_passages(path)
    before = _dump(path)
    assert len(before[0]) == len(UNSYNCED) == len(before[1])
    engine = open_replica(path, create=False)
    try:
        assert current_revision(engine) == head_revision() != "0001"
        after = _dump(path)
        # byte for byte the same rows, outbox order included; later columns only appended, with
        # their defaults (0009: every earlier passage was read from a card)
        assert [row[:len(before[0][0])] for row in after[0]] == before[0] and after[1] == before[1]
        assert {row[-1] for row in after[0]} == {"card"}
        with engine.connect() as conn:
            triggers = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            # the pending outbox still counts in the balance shown: 2000 - 420 - 0 + 420 - 420
            from plateau.db.unit_of_work import effective_balance
            assert effective_balance(conn, 7) == 1580
        assert {"passage_no_update", "passage_no_delete"} <= triggers
        with engine.connect() as conn:
            ref_index = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ix_passage_ref'").scalar()
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT 1 FROM passage WHERE ref = 'x'").all()
        assert ref_index.endswith("WHERE ref IS NOT NULL") and "ix_passage_ref" in str(plan)
        with engine.connect() as conn:
            indexes = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'passage' AND sql IS NOT NULL")}
        assert indexes == {"ix_passage_ref", "ix_passage_day_person"}
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM passage")
    finally:
        engine.dispose()
    assert _dump(path) == after


def test_upgraded_replica_records_after_the_old_passages(tmp_path, demo_school):
    from plateau.demo.school import seed_replica

    path = tmp_path / "old.db"
    _make_v1_replica_with_unsynced_passages(path)
    engine = open_replica(path, create=False)
    try:
        seed_replica(engine, demo_school)
        rec = Recorder(engine, "self-1").badge("DEADBEEF", paris(2026, 11, 23, 12, 0))
        with engine.connect() as conn:
            seqs = conn.exec_driver_sql("SELECT passage_id, seq FROM outbox ORDER BY seq").all()
        assert seqs[-1] == (rec.passage_id, len(UNSYNCED) + 1)
    finally:
        engine.dispose()


# -- damaged files -------------------------------------------------------------------------------

def test_a_file_that_is_not_sqlite_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "station.db"
    path.write_bytes(b"this is not a database\n" * 400)
    with pytest.raises(ReplicaError, match="not a readable SQLite file"):
        open_replica(path, create=False)
    assert path.read_bytes() == b"this is not a database\n" * 400  # nothing was written


def _replica_with_data(path, demo_school):
    from plateau.demo.school import seed_replica

    engine = open_replica(path)
    seed_replica(engine, demo_school)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def test_a_damaged_replica_is_refused_with_a_clear_error(tmp_path, demo_school):
    path = tmp_path / "station.db"
    _replica_with_data(path, demo_school)
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'person'").fetchone()[0]
    con.close()
    with open(path, "r+b") as f:  # scribble over the person table's root page
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * page_size)
    with pytest.raises(ReplicaError) as err:
        open_replica(path, create=False)
    message = str(err.value)
    assert str(path) in message and ("damaged" in message or "not a readable" in message)
    assert "\n" not in message


def test_a_truncated_replica_is_refused(tmp_path, demo_school):
    path = tmp_path / "station.db"
    _replica_with_data(path, demo_school)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ReplicaError):
        open_replica(path, create=False)
