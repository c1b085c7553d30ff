"""Kiosk staff from the office (admin): add with a PIN, change the PIN, deactivate; the
stations receive them; the PIN is never shown nor audited."""

from __future__ import annotations

from plateau.db import pin_key
from plateau.domain.pins import verify_pin
from tests.integration.sync.harness import Station, add_station
from tests.web.conftest import csrf_of


def test_add_a_staff_member_change_the_pin_and_deactivate(office, tmp_path):
    http = office.session("admin")
    csrf = csrf_of(http.get(office.url + "/office/staff", timeout=30).text)
    bad = http.post(office.url + "/office/staff", data={"csrf": csrf, "name": "Mme Agent", "role": "staff",
                                                         "pin": "12"}, timeout=30)
    assert bad.status_code == 422 and "4 à 12 chiffres" in bad.text
    added = http.post(office.url + "/office/staff", data={"csrf": csrf, "name": "Mme Nouvelle", "role": "staff",
                                                           "pin": "4821"}, timeout=30)
    assert added.url.endswith("done=1") and "Mme Nouvelle" in added.text and "4821" not in added.text
    station = Station(tmp_path / "self-6", "self-6", office.url, add_station(office.db_url, "self-6"))
    station.sync_once()
    [(sid, pin_hash, active)] = station.query("SELECT id, pin_hash, active FROM staff WHERE name = 'Mme Nouvelle'")
    key = pin_key.load_or_create(pin_key.key_path(str(station.db)))  # the station peppers what it stores
    assert verify_pin("4821", pin_hash, key) and active
    http.post(f"{office.url}/office/staff/{sid}", data={"csrf": csrf, "pin": "7350", "active": "1"}, timeout=30)
    http.post(f"{office.url}/office/staff/{sid}", data={"csrf": csrf, "active": "0"}, timeout=30)
    station.sync_once()
    [(pin_hash, active)] = station.query("SELECT pin_hash, active FROM staff WHERE id = ?", (sid,))
    assert verify_pin("7350", pin_hash, key) and not active
    log = http.get(office.url + "/office/audit", timeout=30).text
    assert "personnel des bornes modifié" in log and "pin_hash" not in log and "7350" not in log
