"""The week's menus, written by the kitchen in the office, reach the stations."""

from __future__ import annotations

from tests.integration.sync.harness import Station, add_station
from tests.web.conftest import csrf_of

MONDAY = "2027-01-11"


def test_the_kitchen_writes_the_weeks_menus_and_a_station_receives_them(office, tmp_path):
    http = office.session("cuisine")
    page = http.get(f"{office.url}/office/menus?week=2027-01-13", timeout=30).text   # any day of the week
    assert "Menus de la semaine du lundi 11 janvier 2027" in page
    assert f'name="menu-{MONDAY}-dejeuner"' in page and 'name="menu-2027-01-16-dejeuner"' not in page  # no Saturday
    saved = http.post(f"{office.url}/office/menus?week={MONDAY}", timeout=30,
                      data={"csrf": csrf_of(page), f"menu-{MONDAY}-dejeuner": "Carottes râpées\nPoulet basquaise"})
    assert saved.url.endswith("saved=1") and "Poulet basquaise" in saved.text
    station = Station(tmp_path / "self-8", "self-8", office.url, add_station(office.db_url, "self-8"))
    station.sync_once()
    assert station.query("SELECT text FROM menu WHERE date = ? AND service = 'dejeuner'", (MONDAY,)) == \
        [("Carottes râpées\nPoulet basquaise",)]
