"""The forgotten-badge search and the kiosk's small writes, on a real replica file."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from plateau.db.kiosk import last_passages
from plateau.db.unit_of_work import UnitOfWork
from plateau.station.services import CardActionError
from plateau.db.search import search_persons
from plateau.domain.collation import text_key
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


def test_search_by_first_name_alone_or_both_names_in_any_order(replica, demo_school):
    person = demo_school.persons[1]  # RENAULT Sofia
    first, last = person["first_name"], person["last_name"]
    by_first = search_persons_all(replica, first.lower())
    assert 1 in {f.id for f in by_first} and all(f.first_name == first for f in by_first)
    for query in (f"{first} {last}", f"{last} {first}", f"{last[:3]} {first[:2]}", f"{first[:2]} {last[:3]}",
                  f"  {first.upper()}   {last.lower()} "):
        assert [f.id for f in search_persons_all(replica, query)] == [1], query


def test_search_ignores_accents_and_case_both_ways(replica, demo_school):
    chloe = next(i for i, p in demo_school.persons.items() if (p["last_name"], p["first_name"]) == ("FLEURY", "Chloé"))
    for query in ("chloe fleury", "CHLOÉ", "Chloe", "fleury CHLOE", "chloé"):
        assert chloe in {f.id for f in search_persons_all(replica, query)}, query
    benard = {i for i, p in demo_school.persons.items() if p["last_name"] == "BÉNARD"}
    assert benard and benard <= {f.id for f in search_persons_all(replica, "benard")}
    assert benard <= {f.id for f in search_persons_all(replica, "Bénard")}


def test_search_finds_each_word_of_a_compound_surname(replica, demo_school):
    le_goff = {i for i, p in demo_school.persons.items() if p["last_name"] == "LE GOFF"}
    assert le_goff and {f.id for f in search_persons_all(replica, "goff")} == le_goff
    liam = next(i for i in le_goff if demo_school.persons[i]["first_name"] == "Liam")
    assert [f.id for f in search_persons_all(replica, "liam le goff")] == [liam]


def test_search_treats_like_wildcards_as_letters(replica):
    assert search_persons_all(replica, "%") == [] and search_persons_all(replica, "_a") == []


def test_search_by_class_uses_its_index(replica):
    with replica.connect() as conn:
        for sql in ("SELECT id FROM person WHERE class_name = '6eA' COLLATE NOCASE",):
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


def test_surnames_beginning_with_the_query_come_before_first_names(replica):
    with replica.connect() as conn:
        found = search_persons(conn, "mar")
    starts = [f.last_name.upper().startswith("MAR") for f in found]
    assert starts[0] and starts == sorted(starts, reverse=True)  # every surname match, then first names
    surnames = [f.last_name for f in found if f.last_name.upper().startswith("MAR")]
    assert surnames == sorted(surnames, key=text_key)  # MARTÍNEZ before MARTY


def test_names_come_in_french_order_accented_capitals_with_their_letter(replica):
    from sqlalchemy import text

    with replica.begin() as conn:
        for pid, last in ((9001, "BRUN"), (9002, "BÉNARD"), (9003, "BAZIN")):
            conn.execute(text("INSERT INTO person (id, last_name, first_name, class_name, category, status, plan, "
                              "search_key) VALUES (:i, :l, 'Zélie', '6eZ', 'eleve', 'active', 'ticket', :k)"),
                         {"i": pid, "l": last, "k": f"{last.lower().replace('é', 'e')} zelie 6ez"})
    with replica.connect() as conn:
        assert [f.last_name for f in search_persons(conn, "zelie")] == ["BAZIN", "BÉNARD", "BRUN"]
        assert [f.last_name for f in search_persons(conn, "6eZ")] == ["BAZIN", "BÉNARD", "BRUN"]
