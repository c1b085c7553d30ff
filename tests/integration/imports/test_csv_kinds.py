"""persons, cards, payments, oppositions and reservations from real-format CSV files."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from plateau.server import ledger
from plateau.server import models as m

from .conftest import DATA, OFFICIAL_CSV, feed_length, persons, run, table_counts


@pytest.fixture
def school(server_db):
    """The site with its pupils (SIÈCLE), its adults (persons CSV) and the official calendar."""
    assert run(server_db, "siecle", (DATA / "siecle_iso8859-15.xml").read_bytes()).applied
    assert run(server_db, "persons", (DATA / "persons.csv").read_bytes()).applied
    assert run(server_db, "calendar", OFFICIAL_CSV.read_bytes()).applied
    return server_db


def test_persons_csv_with_bom_extra_column_and_french_weekdays(server_db):
    report = run(server_db, "persons", (DATA / "persons.csv").read_bytes())
    assert report.applied and report.created == 4
    p = persons(server_db)
    assert (p["ADULT-001"].category, p["ADULT-001"].plan, p["ADULT-001"].class_name) == ("commensal", "ticket", None)
    assert (p["ULIS-01"].plan, p["ULIS-01"].forfait_days, p["ULIS-01"].class_name) == \
        ("forfait", "mon,tue,thu,fri", "6B")
    assert p["STAGE-7"].plan == "reservation"
    assert run(server_db, "persons", (DATA / "persons.csv").read_bytes()).unchanged == 4


def test_cards_in_every_spelling_are_stored_canonical(school):
    report = run(school, "cards", (DATA / "cards.csv").read_bytes())
    assert report.applied and report.created == 5, report.to_text()
    p = persons(school)
    with school.read() as s:
        cards = {c.uid: (c.person_id, c.status) for c in s.execute(select(m.Card)).scalars()}
    assert cards == {"04A23B4C5D6E7F": (p["ADULT-001"].id, "active"), "12345678": (p["ADULT-002"].id, "active"),
                     "1A2B3C4D": (p["ULIS-01"].id, "active"), "01000734E0": (p["4101"].id, "active"),
                     "DEADBEEF": (p["STAGE-7"].id, "lost")}
    before = feed_length(school)
    assert run(school, "cards", (DATA / "cards.csv").read_bytes()).unchanged == 5
    assert feed_length(school) == before


def test_a_card_moved_to_another_person_leaves_the_old_holder(school):
    run(school, "cards", (DATA / "cards.csv").read_bytes())
    # the same card, now read by a reader that prints decimal, given to Léo
    report = run(school, "cards", "person;uid;format\n4102;0439041101;decimal\n")
    assert report.applied and report.updated == 1
    assert any("moved from Nina MOREL to Léo" in n.message for n in report.notes)
    p = persons(school)
    with school.read() as s:
        holders = [c.person_id for c in s.execute(select(m.Card).where(m.Card.uid == "1A2B3C4D")).scalars()]
        last = s.execute(select(m.Change.data).where(m.Change.kind == "card")
                         .order_by(m.Change.seq.desc()).limit(1)).scalar_one()
    assert holders == [p["4102"].id]
    assert last == {"uid": "1A2B3C4D", "person_id": p["4102"].id, "status": "active"}


def test_a_card_declared_lost(school):
    run(school, "cards", (DATA / "cards.csv").read_bytes())
    report = run(school, "cards", "person;uid;status\nADULT-001;04A23B4C5D6E7F;perdue\n")
    assert report.updated == 1
    with school.read() as s:
        assert s.execute(select(m.Card.status).where(m.Card.uid == "04A23B4C5D6E7F")).scalar_one() == "lost"


def test_payments_credit_once_whatever_the_decimal_mark(school):
    report = run(school, "payments", (DATA / "payments.csv").read_bytes())
    assert report.applied and report.created == 4
    p = persons(school)
    with school.read() as s:
        balances = {b.person_id: b.balance_cents for b in s.execute(select(m.Balance)).scalars()}
        assert ledger.ledger_sum(s, p["ADULT-001"].id) == 2550 + 450
    assert balances[p["ADULT-001"].id] == 3000 and balances[p["ADULT-002"].id] == 4000
    assert balances[p["STAGE-7"].id] == 1200
    before = table_counts(school)
    again = run(school, "payments", (DATA / "payments.csv").read_bytes())
    assert (again.created, again.unchanged) == (0, 4)
    assert table_counts(school) == before


def test_a_reference_reused_with_another_amount_is_an_error(school):
    run(school, "payments", (DATA / "payments.csv").read_bytes())
    report = run(school, "payments", "reference;person;amount;date\nPAY-2026-11-20-0002;ADULT-002;45,00;2026-11-21\n")
    assert not report.applied and report.errors[0].line == 2 and "already credited" in report.errors[0].message


def test_oppositions_dates_are_inclusive_local_days(school):
    report = run(school, "oppositions", (DATA / "oppositions.csv").read_bytes())
    assert report.applied and report.created == 3
    p = persons(school)
    with school.read() as s:
        got = {o.person_id: (o.starts_at, o.ends_at, o.motive) for o in s.execute(select(m.Opposition)).scalars()}
    utc = timezone.utc
    assert got[p["4101"].id] == (datetime(2026, 11, 22, 23, tzinfo=utc), datetime(2026, 11, 23, 23, tzinfo=utc),
                                 "Absent (vie scolaire)")
    assert got[p["4106"].id][1] == datetime(2026, 11, 25, 23, tzinfo=utc)
    assert got[p["ADULT-002"].id][:2] == (datetime(2026, 11, 23, 10, tzinfo=utc), datetime(2026, 11, 23, 13, tzinfo=utc))
    assert run(school, "oppositions", (DATA / "oppositions.csv").read_bytes()).unchanged == 3


def test_reservations_by_week_pattern_skip_holidays_and_debit_prepaid_meals(school):
    report = run(school, "reservations", (DATA / "reservations.csv").read_bytes())
    assert report.applied, report.to_text()
    assert report.created == 20 + 1 + 4
    p = persons(school)
    with school.read() as s:
        days = sorted(r.date for r in s.execute(select(m.Reservation).where(
            m.Reservation.person_id == p["STAGE-7"].id)).scalars())
        other = sorted(r.date for r in s.execute(select(m.Reservation).where(
            m.Reservation.person_id == p["ADULT-002"].id)).scalars())
        balance = s.get(m.Balance, p["STAGE-7"].id).balance_cents
    assert days[0] == date(2026, 11, 23) and days[-1] == date(2027, 1, 8)
    assert not [d for d in days if date(2026, 12, 19) <= d <= date(2027, 1, 3)]      # Noël, Zone A
    assert other == [date(2026, 11, 23), date(2026, 11, 26), date(2026, 12, 7), date(2026, 12, 10)]
    assert balance == -20 * 750                                                       # prepaid at booking
    assert [n.line for n in report.notes] == [2]
    before = table_counts(school)
    assert run(school, "reservations", (DATA / "reservations.csv").read_bytes()).unchanged == 25
    assert table_counts(school) == before


def test_reservations_name_the_service_in_any_case(school):
    report = run(school, "reservations", "person;date;service\nADULT-001;2026-11-24;DEJEUNER\n"
                                         "ADULT-002;2026-11-26; Dejeuner \n".encode())
    assert report.applied and report.created == 2, report.to_text()
    p = persons(school)
    with school.read() as s:
        booked = s.execute(select(m.Reservation.service).where(
            m.Reservation.person_id.in_([p["ADULT-001"].id, p["ADULT-002"].id]))).scalars().all()
    assert booked == ["dejeuner", "dejeuner"]


@pytest.mark.parametrize("kind, line, words", [
    ("persons", 4, "tous"),
    ("cards", 3, "4D3C2B1Z"),
    ("payments", 3, "1.234,00"),
    ("oppositions", 3, "before the start"),
    ("reservations", 3, "no service 'diner'"),
])
def test_one_bad_line_imports_nothing_and_reports_that_line(school, kind, line, words):
    before = table_counts(school)
    report = run(school, kind, (DATA / f"{kind}_bad_line.csv").read_bytes())
    assert not report.applied
    assert [e.line for e in report.errors] == [line], report.to_text()
    assert words in report.errors[0].message
    assert (report.created, report.updated) == (0, 0)
    assert table_counts(school) == before


def test_a_person_unknown_to_the_site_is_reported_with_its_line(school):
    before = table_counts(school)
    report = run(school, "cards", "person;uid\nADULT-001;04A23B4C5D6E7F\nNOBODY-9;11223344\n")
    assert [e.line for e in report.errors] == [3] and "NOBODY-9" in report.errors[0].message
    assert table_counts(school) == before


def test_a_category_without_tariff_is_flagged(server_db):
    report = run(server_db, "persons", "person;last_name;first_name;category;class;plan\n"
                                       "X1;A;B;commensal;;ticket\nX2;C;D;stagiaire;;ticket\nX3;E;F;stagiaire;;ticket\n")
    assert report.applied
    assert [(n.line, "no tariff" in n.message and "stagiaire" in n.message) for n in report.notes] == [(3, True)]
