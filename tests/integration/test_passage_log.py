"""The durable passage log on real replica files: one transaction per passage, append-only,
linked overrides and cancellations, the one balance shown, and two processes on one file."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from plateau.db.engine import open_replica
from plateau.db.unit_of_work import UnitOfWork, effective_balance
from plateau.domain.clock import ClockError
from plateau.station.services import PassageError, Recorder
from plateau.db.replica import apply_balances, apply_changes
from plateau.domain.reasons import Reason
from plateau.domain import rules
from plateau.sync.protocol import KINDS, Change
from tests.conftest import paris

LUNCH = paris(2026, 11, 23, 12, 3)


def balances(school) -> dict[int, int]:
    return {d["person_id"]: d["balance_cents"] for d in school.of_kind("balance")}


def forfait_pupil(school, n: int = 0) -> int:
    found = [p for p, d in school.persons.items()
             if d["plan"] == "forfait" and p in school.cards and p not in school.absent_today
             and d["leaving_date"] is None and d["forfait_days"] == "mon,tue,wed,thu,fri" and p != 8]
    return found[n]


def ticket_pupil(school, *, at_least: int = 2000, n: int = 0) -> int:
    money = balances(school)
    found = [p for p, d in school.persons.items()
             if d["plan"] == "ticket" and d["category"] == "eleve-ticket" and p in school.cards
             and money.get(p, 0) >= at_least and d["leaving_date"] is None and p != 8]
    return found[n]


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def count(engine, table: str) -> int:
    return rows(engine, f"SELECT COUNT(*) FROM {table}")[0][0]


# -- durability settings -------------------------------------------------------------------------

def test_every_connection_is_wal_with_synchronous_full(replica):
    with replica.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# -- one transaction: passage + outbox -----------------------------------------------------------

def test_a_passage_and_its_outbox_entry_are_written_together(recorder, replica, demo_school):
    pid = ticket_pupil(demo_school)
    rec = recorder.badge(demo_school.cards[pid], LUNCH)
    got = rows(replica, "SELECT p.id, p.station, p.at, p.local_date, p.service, p.card_uid, p.person_id, p.kind, "
                        "p.accepted, p.reason, p.price_cents, p.balance_after_cents, p.origin, o.seq, o.price_cents "
                        "FROM passage p JOIN outbox o ON o.passage_id = p.id WHERE p.id = :id", id=rec.passage_id)
    assert len(got) == 1
    row = got[0]
    assert row.station == "self-1" and row.at == "2026-11-23T11:03:00.000000+00:00"
    assert row.local_date == "2026-11-23" and row.service == "dejeuner" and row.person_id == pid
    assert row.card_uid == demo_school.cards[pid] and row.kind == "badge" and row.accepted == 1
    assert row.reason == "ok" and row.price_cents == 420 and row.origin == "local"
    assert row.balance_after_cents == balances(demo_school)[pid] - 420 and row[-1] == 420


def test_refusals_are_logged_too(recorder, replica):
    rec = recorder.badge("DEADBEEF", LUNCH)
    row = rows(replica, "SELECT accepted, reason, person_id FROM passage WHERE id = :id", id=rec.passage_id)[0]
    assert tuple(row) == (0, "unknown_card", None)
    assert count(replica, "outbox") == 1


def test_a_failing_outbox_insert_leaves_no_passage_behind(recorder, replica, demo_school):
    with replica.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER boom BEFORE INSERT ON outbox "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        recorder.badge(demo_school.cards[ticket_pupil(demo_school)], LUNCH)
    assert count(replica, "passage") == 0 and count(replica, "outbox") == 0


def test_an_error_after_add_passage_rolls_both_rows_back(replica, demo_school):
    decision = rules.decide("DEADBEEF", LUNCH, _empty_snapshot(replica))
    with pytest.raises(RuntimeError):
        with UnitOfWork(replica).writing() as uow:
            uow.add_passage(decision, "self-1")
            raise RuntimeError("power cut before commit")
    assert count(replica, "passage") == 0 and count(replica, "outbox") == 0


def test_a_unit_of_work_left_without_commit_writes_nothing(replica, demo_school):
    decision = rules.decide("DEADBEEF", LUNCH, _empty_snapshot(replica))
    with UnitOfWork(replica).writing() as uow:
        uow.add_passage(decision, "self-1")
    assert count(replica, "passage") == 0 and count(replica, "outbox") == 0
    with UnitOfWork(replica).writing() as uow:
        pid = uow.add_passage(decision, "self-1")
        uow.commit()
    assert [r[0] for r in rows(replica, "SELECT passage_id FROM outbox")] == [pid]


def _empty_snapshot(engine):
    from plateau.db.queries import load_site
    from plateau.domain.snapshot import Snapshot

    with engine.connect() as conn:
        return Snapshot(site=load_site(conn))


def test_outbox_keeps_the_recording_order(recorder, replica, demo_school):
    ids = [recorder.badge(demo_school.cards[ticket_pupil(demo_school, n=i)], LUNCH + timedelta(seconds=i)).passage_id
           for i in range(4)]
    assert [r[0] for r in rows(replica, "SELECT passage_id FROM outbox ORDER BY seq")] == ids


# -- append-only ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", ["UPDATE passage SET reason = 'ok'", "DELETE FROM passage"])
def test_the_replica_refuses_to_rewrite_a_passage(recorder, replica, sql):
    recorder.badge("DEADBEEF", LUNCH)
    with pytest.raises(Exception, match="append-only"):
        with replica.begin() as conn:
            conn.exec_driver_sql(sql)
    assert rows(replica, "SELECT reason FROM passage")[0][0] == "unknown_card"


def test_a_synced_copy_of_a_passage_never_overwrites_it(recorder, replica, demo_school):
    rec = recorder.badge(demo_school.cards[ticket_pupil(demo_school)], LUNCH)
    data = _wire(replica, rec.passage_id)
    forged = dict(data, reason="already_served", accepted=False)
    with replica.begin() as conn:
        apply_changes(conn, [Change(1, "passage", "upsert", rec.passage_id, forged),
                             Change(2, "passage", "delete", rec.passage_id, None)])
    assert rows(replica, "SELECT reason, accepted FROM passage WHERE id = :id", id=rec.passage_id)[0] == ("ok", 1)


def _wire(engine, passage_id: str) -> dict:
    from plateau.sync.protocol import passage_to_wire

    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM passage WHERE id = :id"), {"id": passage_id}).mappings().first()
    return passage_to_wire(row)


# -- overrides and cancellations are linked rows -------------------------------------------------

def test_override_is_a_new_linked_passage_and_only_once(recorder, replica, demo_school):
    uid = demo_school.cards[forfait_pupil(demo_school)]
    first = recorder.badge(uid, LUNCH)
    refused = recorder.badge(uid, LUNCH + timedelta(minutes=5))
    assert refused.decision.reason is Reason.ALREADY_SERVED
    over = recorder.override(refused.passage_id, staff_id=1, motive="plateau renversé",
                             at=LUNCH + timedelta(minutes=6))
    assert over.decision.accepted and over.decision.kind == "override"
    row = rows(replica, "SELECT kind, ref, staff_id, motive, accepted, card_uid FROM passage WHERE id = :id",
               id=over.passage_id)[0]
    assert tuple(row) == ("override", refused.passage_id, 1, "plateau renversé", 1, uid)
    # the refusal itself is untouched
    assert rows(replica, "SELECT accepted, reason FROM passage WHERE id = :id",
                id=refused.passage_id)[0] == (0, "already_served")
    with pytest.raises(PassageError, match="already overridden"):
        recorder.override(refused.passage_id, staff_id=1, motive="again", at=LUNCH + timedelta(minutes=7))
    with pytest.raises(PassageError, match="only a refused passage"):
        recorder.override(first.passage_id, staff_id=1, motive="x", at=LUNCH + timedelta(minutes=7))
    with pytest.raises(PassageError, match="only a refused passage"):
        recorder.override(over.passage_id, staff_id=1, motive="x", at=LUNCH + timedelta(minutes=7))
    assert count(replica, "passage") == 3 and count(replica, "outbox") == 3


def test_override_of_an_unknown_badge_or_a_missing_passage_is_refused(recorder):
    unknown = recorder.badge("DEADBEEF", LUNCH)
    with pytest.raises(PassageError, match="forgotten-badge"):
        recorder.override(unknown.passage_id, staff_id=1, motive="x", at=LUNCH)
    with pytest.raises(PassageError, match="no such passage"):
        recorder.override("00000000-0000-0000-0000-000000000000", staff_id=1, motive="x", at=LUNCH)


def test_override_of_insufficient_balance_charges_the_meal(recorder, replica, demo_school):
    money = balances(demo_school)
    pid = next(p for p, d in demo_school.persons.items() if d["plan"] == "ticket" and d["category"] == "eleve-ticket"
               and money.get(p) == 0 and p in demo_school.cards)
    refused = recorder.badge(demo_school.cards[pid], LUNCH)
    assert refused.decision.reason is Reason.INSUFFICIENT_BALANCE
    over = recorder.override(refused.passage_id, staff_id=2, motive="rechargement promis", at=LUNCH)
    assert over.decision.price_cents == 420 and over.decision.balance_after_cents == -420
    with replica.connect() as conn:
        assert effective_balance(conn, pid) == -420


def test_cancel_is_a_linked_refund_and_frees_the_service(recorder, replica, demo_school):
    pid = ticket_pupil(demo_school)
    uid, start = demo_school.cards[pid], balances(demo_school)[pid]
    meal = recorder.badge(uid, LUNCH)
    cancel = recorder.cancel(meal.passage_id, staff_id=1, motive="mauvais badge", at=LUNCH + timedelta(minutes=1))
    assert cancel.decision.kind == "cancel" and cancel.decision.price_cents == -420
    assert cancel.decision.balance_after_cents == start
    with replica.connect() as conn:
        assert effective_balance(conn, pid) == start
    with pytest.raises(PassageError, match="already cancelled"):
        recorder.cancel(meal.passage_id, staff_id=1, motive="x", at=LUNCH + timedelta(minutes=2))
    with pytest.raises(PassageError, match="only an accepted passage"):
        recorder.cancel(cancel.passage_id, staff_id=1, motive="x", at=LUNCH + timedelta(minutes=2))
    # a cancelled passage does not count as served: the pupil may eat
    again = recorder.badge(uid, LUNCH + timedelta(minutes=3))
    assert again.decision.accepted and again.decision.balance_after_cents == start - 420
    assert rows(replica, "SELECT accepted, price_cents FROM passage WHERE id = :id",
                id=meal.passage_id)[0] == (1, 420)


def test_refusals_cannot_be_cancelled(recorder):
    refused = recorder.badge("DEADBEEF", LUNCH)
    with pytest.raises(PassageError, match="only an accepted passage"):
        recorder.cancel(refused.passage_id, staff_id=1, motive="x", at=LUNCH)


def test_forgotten_badge_records_without_a_card(recorder, replica, demo_school):
    pid = forfait_pupil(demo_school)
    rec = recorder.forgotten(pid, LUNCH, staff_id=1)
    assert rec.decision.accepted
    row = rows(replica, "SELECT kind, card_uid, staff_id FROM passage WHERE id = :id", id=rec.passage_id)[0]
    assert tuple(row) == ("forgotten", None, 1)
    assert recorder.badge(demo_school.cards[pid], LUNCH).decision.reason is Reason.ALREADY_SERVED
    with pytest.raises(PassageError, match="unknown person"):
        recorder.forgotten(999_999, LUNCH, staff_id=1)


def test_a_clock_in_1970_refuses_to_record(recorder, replica):
    with pytest.raises(ClockError):
        recorder.badge("DEADBEEF", datetime(1970, 1, 1, 12, tzinfo=timezone.utc))
    assert count(replica, "passage") == 0


# -- served at another station, synced in --------------------------------------------------------

def test_a_passage_synced_from_another_station_counts_as_served(recorder, replica, demo_school):
    pid = forfait_pupil(demo_school)
    remote = {"id": "7d0c2a8e-0000-4000-8000-000000000001", "station": "self 2",
              "at": paris(2026, 11, 23, 11, 58).isoformat(), "local_date": "2026-11-23", "service": "dejeuner",
              "card_uid": demo_school.cards[pid], "person_id": pid, "kind": "badge", "accepted": True,
              "reason": "ok", "price_cents": 0, "balance_after_cents": None, "staff_id": None, "motive": None,
              "ref": None, "warnings": []}
    with replica.begin() as conn:
        apply_changes(conn, [Change(1, "passage", "upsert", KINDS["passage"].key_of(remote), remote)])
    d = recorder.badge(demo_school.cards[pid], LUNCH).decision
    assert d.reason is Reason.ALREADY_SERVED and d.message() == "Déjà passé à 11:58 (self 2)"
    # but a remote passage cancelled at its station no longer counts
    cancel = dict(remote, id="7d0c2a8e-0000-4000-8000-000000000002", kind="cancel", ref=remote["id"],
                  at=paris(2026, 11, 23, 11, 59).isoformat(), staff_id=1, motive="erreur")
    with replica.begin() as conn:
        apply_changes(conn, [Change(2, "passage", "upsert", cancel["id"], cancel)])
    assert recorder.badge(demo_school.cards[pid], LUNCH + timedelta(minutes=1)).decision.accepted


def test_yesterdays_meal_does_not_count_today(recorder, demo_school):
    uid = demo_school.cards[forfait_pupil(demo_school)]
    assert recorder.badge(uid, paris(2026, 11, 23, 12, 0)).decision.accepted
    assert recorder.badge(uid, paris(2026, 11, 24, 12, 0)).decision.accepted


# -- the one balance shown -----------------------------------------------------------------------

def test_effective_balance_is_server_balance_minus_pending_outbox(recorder, replica, demo_school):
    pid = ticket_pupil(demo_school, at_least=3000)
    start = balances(demo_school)[pid]
    meal = recorder.badge(demo_school.cards[pid], LUNCH)
    with replica.connect() as conn:
        assert effective_balance(conn, pid) == start - 420
    # a stale balance (older ledger version) from the server changes nothing
    with replica.begin() as conn:
        apply_balances(conn, [{"person": pid, "balance_cents": 99_999, "version": 1}])
        assert effective_balance(conn, pid) == start - 420
    # the server acknowledges the passage and answers the balance including it
    with replica.begin() as conn:
        conn.execute(text("DELETE FROM outbox WHERE passage_id = :id"), {"id": meal.passage_id})
        apply_balances(conn, [{"person": pid, "balance_cents": start - 420, "version": 2}])
        assert effective_balance(conn, pid) == start - 420
    # a top-up arrives by the change feed
    with replica.begin() as conn:
        apply_balances(conn, [{"person": pid, "balance_cents": start + 1000 - 420, "version": 3}])
    with replica.connect() as conn:
        assert effective_balance(conn, pid) == start + 580


def test_person_without_a_balance_row_has_zero(replica):
    with replica.connect() as conn:
        assert effective_balance(conn, 123_456) == 0


# -- two processes, one file ---------------------------------------------------------------------

def _worker(path: str, station: str, uids: list[str], rounds: int, start_iso: str, barrier, out) -> None:
    engine = open_replica(path, create=False)
    recorder = Recorder(engine, station)
    at = datetime.fromisoformat(start_iso)
    barrier.wait(timeout=30)
    accepted = 0
    for r in range(rounds):
        for uid in uids:
            if recorder.badge(uid, at + timedelta(seconds=r)).decision.accepted:
                accepted += 1
    engine.dispose()
    out.put((station, accepted))


def test_two_processes_recording_on_one_file(tmp_path, demo_school):
    """Two stations' processes badge the same pupils at the same time: each pupil gets exactly one
    first meal, and every ticket meal is debited exactly once."""
    from plateau.demo.school import seed_replica

    path = tmp_path / "station.db"
    engine = open_replica(path)
    seed_replica(engine, demo_school)
    engine.dispose()
    tickets = [ticket_pupil(demo_school, at_least=2000, n=i) for i in range(6)]
    forfaits = [forfait_pupil(demo_school, n=i) for i in range(6)]
    uids = [demo_school.cards[p] for p in tickets + forfaits]
    ctx = multiprocessing.get_context("spawn")  # no inherited threads or locks: two real processes
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(path), f"self-{n}", uids if n == 1 else uids[::-1], 5,
                                               LUNCH.isoformat(), barrier, out)) for n in (1, 2)]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert sum(results.values()) == len(uids)  # one first meal each, whichever station served it
    engine = open_replica(path, create=False)
    try:
        assert count(engine, "passage") == 2 * 5 * len(uids)
        assert count(engine, "outbox") == 2 * 5 * len(uids)
        per_person = rows(engine, "SELECT person_id, COUNT(*) FROM passage WHERE accepted = 1 GROUP BY person_id")
        assert sorted(per_person) == sorted((p, 1) for p in tickets + forfaits)
        money = balances(demo_school)
        with engine.connect() as conn:
            for p in tickets:
                assert effective_balance(conn, p) == money[p] - 420
        # the outbox order is a strict sequence: no two writers took the same seq
        seqs = [r[0] for r in rows(engine, "SELECT seq FROM outbox ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        con.close()
    finally:
        engine.dispose()


# -- checkpoints off the badge path --------------------------------------------------------------

def test_wal_is_checkpointed_in_the_background_every_64_passages(recorder, replica, demo_school):
    path = replica.url.database
    uids = list(demo_school.cards.values())
    for n in range(64):
        recorder.badge(uids[n], LUNCH + timedelta(seconds=n))
    recorder.uow.checkpointer.join(timeout=30)
    assert recorder.uow.checkpointer._thread is not None and not recorder.uow.checkpointer._thread.is_alive()
    # the database file itself (ignoring the WAL) now holds the 64 passages
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        assert con.execute("SELECT COUNT(*) FROM passage").fetchone()[0] == 64
    finally:
        con.close()


# -- instants from the wire with any offset ------------------------------------------------------

def test_opposition_sent_with_a_paris_offset_applies_from_its_instant(recorder, replica, demo_school):
    """The change feed may write instants with +01:00: an opposition from 12:00 Paris must refuse
    a badge at 12:30 Paris (11:30 UTC), whatever the text of the offsets."""
    pid = forfait_pupil(demo_school, n=3)
    opp = {"id": "late-absence", "person_id": pid, "starts_at": "2026-11-23T12:00:00+01:00",
           "ends_at": "2026-11-23T18:00:00+01:00", "motive": "Sortie anticipée", "source": "absence"}
    with replica.begin() as conn:
        apply_changes(conn, [Change(1, "opposition", "upsert", "late-absence", opp)])
    uid = demo_school.cards[pid]
    assert recorder.check(uid, paris(2026, 11, 23, 11, 59)).reason is Reason.OK
    d = recorder.check(uid, paris(2026, 11, 23, 12, 30))
    assert d.reason is Reason.OPPOSITION and d.message() == "Accès suspendu : Sortie anticipée"
    stored = rows(replica, "SELECT starts_at, ends_at FROM opposition WHERE id = 'late-absence'")[0]
    assert tuple(stored) == ("2026-11-23T11:00:00.000000+00:00", "2026-11-23T17:00:00.000000+00:00")


def test_remote_passage_instants_are_stored_in_utc(replica, demo_school):
    remote = {"id": "7d0c2a8e-0000-4000-8000-00000000000a", "station": "self 2", "at": "2026-11-23T12:58:00+01:00",
              "local_date": "2026-11-23", "service": "dejeuner", "card_uid": None, "person_id": 1, "kind": "badge",
              "accepted": True, "reason": "ok", "price_cents": 0, "balance_after_cents": None, "staff_id": None,
              "motive": None, "ref": None, "warnings": []}
    with replica.begin() as conn:
        apply_changes(conn, [Change(1, "passage", "upsert", remote["id"], remote)])
    assert rows(replica, "SELECT at FROM passage")[0][0] == "2026-11-23T11:58:00.000000+00:00"
