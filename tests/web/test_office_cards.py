"""Cards on a person's page, over real HTTP: enrol in any spelling, another pupil's active card
refused, declare lost (the station's replica then holds it as lost)."""

from __future__ import annotations

from plateau.domain.uid import normalize_uid
from tests.integration.sync.harness import Station, add_station
from tests.web.conftest import csrf_of


def test_enrol_a_card_in_decimal_refuse_anothers_and_declare_it_lost(office, tmp_path):
    http = office.session("gestionnaire")
    pupils = sorted(p for p in office.school.persons if p in office.school.cards)
    pupil, other = pupils[0], pupils[1]
    page = http.get(f"{office.url}/office/persons/{pupil}", timeout=30).text
    csrf = csrf_of(page)
    enrolled = http.post(f"{office.url}/office/persons/{pupil}/cards", timeout=30,
                         data={"csrf": csrf, "uid": "3735928559", "format": "decimal"})
    canonical = normalize_uid("3735928559", "decimal")
    assert enrolled.status_code == 200 and f"Badge {canonical} enregistré" in enrolled.text
    taken = http.post(f"{office.url}/office/persons/{pupil}/cards", timeout=30,
                      data={"csrf": csrf, "uid": office.school.cards[other], "format": "hex"})
    assert taken.status_code == 409 and f"personne {other}" in taken.text
    bad = http.post(f"{office.url}/office/persons/{pupil}/cards", timeout=30,
                    data={"csrf": csrf, "uid": "pas un badge", "format": "hex"})
    assert bad.status_code == 422 and 'id="error"' in bad.text
    lost = http.post(f"{office.url}/office/persons/{pupil}/cards/{canonical}/lost", data={"csrf": csrf}, timeout=30)
    assert "déclaré perdu" in lost.text
    station = Station(tmp_path / "self-9", "self-9", office.url, add_station(office.db_url, "self-9"))
    station.sync_once()
    assert station.query("SELECT person_id, status FROM card WHERE uid = ?", (canonical,)) == [(pupil, "lost")]
    cook = office.session("cuisine")
    own = csrf_of(cook.get(f"{office.url}/office/", timeout=30).text)
    refused = cook.post(f"{office.url}/office/persons/{pupil}/cards/{canonical}/lost", data={"csrf": own}, timeout=30)
    assert refused.status_code == 403 and "Votre rôle" in refused.text
