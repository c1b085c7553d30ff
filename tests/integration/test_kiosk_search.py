"""The forgotten-badge search and the kiosk's small writes, on a real replica file."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from plateau.db.kiosk import last_passages
from plateau.db.unit_of_work import UnitOfWork
from plateau.station.services import CardActionError
from plateau.db.search import search_persons
from tests.conftest import paris


def test_search_by_last_name_prefix_accents_and_case_folded(replica, demo_school):
    person = demo_school.persons[1]
    with replica.connect() as conn:
        found = search_persons(conn, person["last_name"][:3].lower())
    assert found and all(f.last_name.upper().startswith(person["last_name"][:3]) for f in found)
    assert 1 in {f.id for f in search_persons_all(replica, person["last_name"])}


def search_persons_all(replica, query):
    with replica.connect() as conn:
        return search_persons(conn, query, limit=500)


def test_search_first_name_first_and_by_class(replica, demo_school):
    person = demo_school.persons[1]
    found = search_persons_all(replica, f"{person['first_name']} {person['last_name']}")
    assert 1 in {f.id for f in found}
    assert {f.class_name for f in search_persons_all(replica, "6EA")} == {"6eA"}
    assert search_persons_all(replica, "zzzz") == []
    assert search_persons_all(replica, "  ") == []


def test_search_uses_indexes_not_a_scan(replica):
    with replica.connect() as conn:
        for sql in ("SELECT id FROM person WHERE search_key >= 'ma' AND search_key < 'ma\uffff'",
                    "SELECT id FROM person WHERE class_name = '6eA' COLLATE NOCASE"):
            plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert "USING" in plan and "INDEX" in plan, plan


def _pending_card_events(engine) -> list[dict]:
    with UnitOfWork(engine).reading() as uow:
        return uow.pending_card_events()


def test_declare_a_card_lost_twice_is_refused_with_a_sentence(recorder, replica, demo_school):
    uid = demo_school.cards[1]
    recorder.declare_lost(uid, 1, paris(2026, 11, 23))
    with pytest.raises(CardActionError, match="already"):
        recorder.declare_lost(uid, 1, paris(2026, 11, 23))
    with pytest.raises(CardActionError, match="unknown"):
        recorder.declare_lost("00", 1, paris(2026, 11, 23))
    assert [e["uid"] for e in _pending_card_events(replica)] == [uid]


def test_last_passages_newest_first_with_names(recorder, replica, demo_school):
    recorder.badge(demo_school.cards[1], paris(2026, 11, 23, 12, 0))
    recorder.badge("DEADBEEF", paris(2026, 11, 23, 12, 1))
    with replica.connect() as conn:
        lines = last_passages(conn)
    assert [line.reason for line in lines] == ["unknown_card", "ok"]
    assert lines[1].name.startswith(demo_school.persons[1]["last_name"]) and lines[1].cancellable
    with replica.connect() as conn:
        assert last_passages(conn, since=date(2026, 11, 24)) == []
        plan = " ".join(str(r[-1]) for r in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM passage WHERE local_date >= '2026-11-20' ORDER BY at DESC LIMIT 50")))
    assert "INDEX" in plan, plan


def test_a_lost_card_stays_blocked_until_the_server_has_the_event(recorder, replica, demo_school):
    from plateau.db.replica import apply_changes
    from plateau.sync.protocol import Change

    uid = demo_school.cards[1]
    event = recorder.declare_lost(uid, 1, paris(2026, 11, 23))
    still_active = Change(99, "card", "upsert", uid, {"uid": uid, "person_id": 1, "status": "active"})
    with replica.begin() as conn:  # the feed still says active: the server does not know yet
        apply_changes(conn, [still_active])
    with replica.connect() as conn:
        assert conn.execute(text("SELECT status FROM card WHERE uid = :u"), {"u": uid}).scalar() == "lost"
    with UnitOfWork(replica).writing() as uow:
        uow.mark_card_events_sent([event])
        apply_changes(uow.connection, [still_active])  # acknowledged: the server's word wins again
        uow.commit()
    with replica.connect() as conn:
        assert conn.execute(text("SELECT status FROM card WHERE uid = :u"), {"u": uid}).scalar() == "active"
    assert _pending_card_events(replica) == []
