"""A family turns the phone badge on through the family API, the station syncs, and the code the
phone shows, read at the station (`plateau pass TEXT`, as a scanner or the camera hands it over),
records the passage on the server with medium "phone"; the same code read again is refused.
`plateau server`, `plateau admin`, `plateau import guardians`, `plateau sync` and `plateau pass` as
real processes on loopback."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import text

from plateau.domain import phone_badge as pb
from tests.e2e.test_family_booking_e2e import family_school
from tests.integration.sync.harness import UAI, Station, add_station, plateau, server_engine
from tests.support.server import running_server

PARIS = ZoneInfo("Europe/Paris")


def test_a_phone_badge_turned_on_by_a_family_records_a_phone_passage_on_the_server(tmp_path):
    from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD

    school, db_url = family_school(tmp_path, 60)
    plateau("admin", "--db", db_url, "site", "set", UAI, "phone_badge=true")
    with running_server(db_url) as srv:
        api = srv.url + "/api/v1/family"
        token = requests.post(api + "/session", json={"email": DEMO_FAMILY_EMAIL, "password": DEMO_FAMILY_PASSWORD},
                              timeout=10).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        kid = next(k for k in requests.get(api + "/children", headers=auth, timeout=10).json()
                   if k["plan"] == "reservation")
        today = datetime.now(PARIS).date()
        days = requests.get(f"{api}/children/{kid['id']}/calendar", headers=auth, timeout=10,
                            params={"from": today.isoformat(), "to": (today + timedelta(days=59)).isoformat()}
                            ).json()["days"]
        day = next(d["date"] for d in days if d["state"] == "bookable")
        assert requests.put(f"{api}/children/{kid['id']}/reservations/{day}/dejeuner", headers=auth,
                            timeout=10).status_code == 200
        issued = requests.put(f"{api}/children/{kid['id']}/phone-badge", headers=auth, timeout=10)
        assert issued.status_code == 200, issued.text
        issued = issued.json()
        station = Station(tmp_path / "self-1", "self-1", srv.url, add_station(db_url, "self-1"))
        station.sync_once()
        at = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=PARIS)
        shown = issued["payload"].replace("{code}", pb.code_at(issued["secret"], at))

        def read(instant: datetime) -> dict:
            out = plateau("pass", shown, "--at", instant.isoformat(), "--json", "--config", str(station.config),
                          check=False)
            return json.loads(out.stdout)

        checked = json.loads(plateau("check", shown, "--at", at.isoformat(), "--json", "--config",
                                     str(station.config), check=False).stdout)
        assert (checked["accepted"], checked["medium"]) == (True, "phone")   # nothing recorded: still unused
        first = read(at)
        assert (first["accepted"], first["reason"], first["medium"]) == (True, "ok", "phone"), first
        assert first["person"]["id"] == kid["id"]
        again = read(at + timedelta(seconds=6))
        assert (again["accepted"], again["reason"]) == (False, "phone_code_replayed")
        station.sync_once()
        engine = server_engine(db_url)
        try:
            with engine.connect() as conn:
                rows = {r[0]: tuple(r[1:]) for r in conn.execute(text(
                    "SELECT id, person_id, accepted, reason, medium FROM passage"))}
        finally:
            engine.dispose()
        assert rows[first["passage_id"]] == (kid["id"], True, "ok", "phone")
        assert rows[again["passage_id"]] == (kid["id"], False, "phone_code_replayed", "phone")
