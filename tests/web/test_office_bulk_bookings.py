"""Week-pattern bookings for a whole class, added then replaced, over real HTTP."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text

from tests.web.conftest import csrf_of


def _days(db_url: str, persons: list[int], weekday: str) -> set[tuple[int, str]]:
    """(person, date) of the class's January 2027 lunch bookings on a weekday (SQLite %w: 1 Monday, 3 Wednesday)."""
    engine = create_engine(f"sqlite:///{db_url}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT person_id, date FROM reservation WHERE service = 'dejeuner' AND date BETWEEN "
                "'2027-01-04' AND '2027-01-29' AND strftime('%w', date) = :w AND person_id IN (" +
                ",".join(str(p) for p in persons) + ")"), {"w": weekday}).all()
        return {(r[0], r[1]) for r in rows}
    finally:
        engine.dispose()


def test_a_class_booked_every_wednesday_then_replaced_by_mondays(office):
    school = office.school
    klass = sorted({d["class_name"] for d in school.persons.values() if d["class_name"]})[0]
    pupils = sorted(p for p, d in school.persons.items() if d["class_name"] == klass and d["status"] == "active")
    http = office.session("gestionnaire")
    csrf = csrf_of(http.get(f"{office.url}/office/bookings?class_name={klass}", timeout=30).text)
    form = {"csrf": csrf, "class_name": klass, "service": "dejeuner", "first": "2027-01-04", "last": "2027-01-29"}
    added = http.post(f"{office.url}/office/bookings", data={**form, "day_wed": "1", "mode": "add"}, timeout=60)
    assert added.status_code == 200, added.text[-800:]
    counts = [int(n) for n in re.findall(r"(\d+)", added.text.split('id="result">')[1].split("<")[0])]
    assert counts[0] == len(pupils) and counts[1] + counts[2] == 4 * len(pupils)   # booked + already
    assert _days(office.db_url, pupils, "3") == {(p, f"2027-01-{d:02d}") for p in pupils for d in (6, 13, 20, 27)}
    replaced = http.post(f"{office.url}/office/bookings", data={**form, "day_mon": "1", "mode": "replace"}, timeout=60)
    assert replaced.status_code == 200 and 'id="result"' in replaced.text
    assert _days(office.db_url, pupils, "3") == set()
    assert _days(office.db_url, pupils, "1") == {(p, f"2027-01-{d:02d}") for p in pupils for d in (4, 11, 18, 25)}
    refused = http.post(f"{office.url}/office/bookings", data={**form, "mode": "add"}, timeout=30)
    assert refused.status_code == 422 and "Cochez au moins un jour" in refused.text
    assert "réservations par semaine type" in office.session("admin").get(f"{office.url}/office/audit",
                                                                          timeout=30).text
