"""Meals booked and cancelled by the office, over real HTTP: past the families' cutoff (the
JSON API refuses the same day with 409), never on a closed day, audited as the office's."""

from __future__ import annotations

import requests
from sqlalchemy import create_engine, text

from tests.web.conftest import csrf_of

PAST_SCHOOL_DAY = "2026-11-30"   # a Monday of term, long past any cutoff
CHRISTMAS = "2026-12-25"


def _booked(db_url: str, person: int) -> list[tuple]:
    engine = create_engine(f"sqlite:///{db_url}")
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT date, service FROM reservation WHERE person_id = :p ORDER BY date"),
                                {"p": person}).all()
    finally:
        engine.dispose()


def test_the_office_books_past_the_cutoff_but_not_on_a_closed_day_and_cancels(office):
    http = office.session("gestionnaire")
    pupil = next(p for p, d in sorted(office.school.persons.items()) if d["plan"] == "reservation")
    csrf = csrf_of(http.get(f"{office.url}/office/persons/{pupil}", timeout=30).text)
    before = _booked(office.db_url, pupil)
    assert (PAST_SCHOOL_DAY, "dejeuner") in before       # the demo books every school day
    token = office.srv.admin("token", "add", "--admin").strip().splitlines()[-1]
    api = requests.delete(f"{office.url}/api/v1/persons/{pupil}/reservations/{PAST_SCHOOL_DAY}/dejeuner",
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert api.status_code == 409                         # the families' rule, through the API
    cancelled = http.post(f"{office.url}/office/persons/{pupil}/reservations/{PAST_SCHOOL_DAY}/dejeuner/cancel",
                          data={"csrf": csrf}, timeout=30)
    assert cancelled.status_code == 200 and "Repas du 30/11/2026 annulé" in cancelled.text
    assert (PAST_SCHOOL_DAY, "dejeuner") not in _booked(office.db_url, pupil)
    done = http.post(f"{office.url}/office/persons/{pupil}/reservations", timeout=30,
                     data={"csrf": csrf, "day": PAST_SCHOOL_DAY, "service": "dejeuner"})
    assert done.status_code == 200 and "Repas réservé le 30/11/2026" in done.text
    assert _booked(office.db_url, pupil) == before
    closed = http.post(f"{office.url}/office/persons/{pupil}/reservations", timeout=30,
                       data={"csrf": csrf, "day": CHRISTMAS, "service": "dejeuner"})
    assert closed.status_code == 409 and "Non réservé" in closed.text
    assert _booked(office.db_url, pupil) == before
    history = http.get(f"{office.url}/office/persons/{pupil}", timeout=30).text
    assert "repas réservé" in history and "réservation annulée" in history
    cpe = office.session("vie_scolaire")
    own = csrf_of(cpe.get(f"{office.url}/office/", timeout=30).text)
    refused = cpe.post(f"{office.url}/office/persons/{pupil}/reservations", timeout=30,
                       data={"csrf": own, "day": PAST_SCHOOL_DAY, "service": "dejeuner"})
    assert refused.status_code == 403
