"""The site's settings from the office: a service, a tariff, a rule and a local closure, each
validated by the store (as `plateau admin`), audited, and received by a station."""

from __future__ import annotations

from tests.integration.sync.harness import Station, add_station
from tests.web.conftest import csrf_of


def test_services_tariffs_rules_and_closures(office, tmp_path):
    http = office.session("gestionnaire")
    csrf = csrf_of(http.get(office.url + "/office/settings", timeout=30).text)

    def post(path, **data):
        return http.post(office.url + "/office/settings/" + path, data={"csrf": csrf, **data}, timeout=30)

    assert "saved=service.set" in post("services", code="diner", label="Dîner", start="18:30", end="19:30",
                                       day_mon="1", day_tue="1", day_wed="1", day_thu="1").url
    assert post("services", code="gouter", label="Goûter", start="17:00", end="16:00", day_mon="1").status_code == 422
    assert "saved=tariff.set" in post("tariffs", category="passager", label="Passager", price="7,50").url
    bad = post("policy", key="no_such_setting", value="1")
    assert bad.status_code == 422 and "no_such_setting" in bad.text
    assert "saved=setting.set" in post("policy", key="overdraft_cents", value="500").url
    page = post("closures", first="2027-05-14", last="2027-05-14", label="pont de l'Ascension")
    assert "pont de l&#39;Ascension" in page.text
    station = Station(tmp_path / "self-5", "self-5", office.url, add_station(office.db_url, "self-5"))
    station.sync_once()
    assert station.query("SELECT start, \"end\", weekdays FROM service WHERE code = 'diner'") == \
        [("18:30", "19:30", "mon,tue,wed,thu")]
    assert station.query("SELECT price_cents FROM tariff WHERE category = 'passager'") == [(750,)]
    [(closure_id,)] = station.query("SELECT id FROM closure WHERE first_day = '2027-05-14'")
    post(f"closures/{closure_id}/delete")
    station.sync_once()
    assert station.query("SELECT id FROM closure WHERE first_day = '2027-05-14'") == []
    log = office.session("admin").get(office.url + "/office/audit", timeout=30).text
    for words in ("service modifié", "tarif modifié", "réglage modifié", "fermeture ajoutée",
                  "fermeture supprimée"):
        assert words in log
