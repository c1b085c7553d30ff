"""A meal booked through the family API is accepted at a station after `plateau sync --once`:
`plateau server`, `plateau import guardians`, `plateau admin family set-password`, `plateau sync`
and `plateau check` as real processes on loopback, with the real clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from tests.integration.sync.harness import UAI, Station, add_station, plateau
from tests.support.server import running_server

PUPILS = 60


def family_school(tmp_path, pupils: int):
    """A server database (SQLite, in `tmp_path`) holding a demo school of `pupils` and its
    guardians, imported by `plateau import guardians`, the demo family's password set by
    `plateau admin family set-password` (both real processes): (the school, its database URL)."""
    from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD, guardians_csv
    from plateau.demo.school import generate
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    school = generate(pupils=pupils, commensals=2)
    db_url = str(tmp_path / "server.db")
    db = Database(open_database(db_url))
    with db.write() as s:
        seed_changes(s, school.changes)
    db.engine.dispose()
    (tmp_path / "guardians.csv").write_text(guardians_csv(school), encoding="utf-8")
    plateau("import", "guardians", str(tmp_path / "guardians.csv"), "--db", db_url, "--site", UAI)
    plateau("admin", "--db", db_url, "family", "set-password", DEMO_FAMILY_EMAIL, "--password-stdin",
            input=DEMO_FAMILY_PASSWORD + "\n")
    return school, db_url


def test_a_family_booking_is_accepted_at_a_station_after_sync(tmp_path):
    from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD

    school, db_url = family_school(tmp_path, PUPILS)
    with running_server(db_url) as srv:
        api = srv.url + "/api/v1/family"
        token = requests.post(api + "/session", json={"email": DEMO_FAMILY_EMAIL, "password": DEMO_FAMILY_PASSWORD},
                              timeout=10).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        kid = next(k for k in requests.get(api + "/children", headers=auth, timeout=10).json()
                   if k["plan"] == "reservation")
        today = datetime.now(ZoneInfo("Europe/Paris")).date()
        days = requests.get(f"{api}/children/{kid['id']}/calendar", headers=auth, timeout=10,
                            params={"from": today.isoformat(), "to": (today + timedelta(days=59)).isoformat()}
                            ).json()["days"]
        day = next(d["date"] for d in days if d["state"] == "bookable")   # a school day the pupil has not booked
        station = Station(tmp_path / "self-1", "self-1", srv.url, add_station(db_url, "self-1"))
        station.sync_once()
        uid, at = school.cards[kid["id"]], f"{day}T12:00:00"
        before = json.loads(plateau("check", uid, "--at", at, "--json", "--config", str(station.config),
                                    check=False).stdout)
        assert (before["accepted"], before["reason"]) == (False, "no_reservation")
        booked = requests.put(f"{api}/children/{kid['id']}/reservations/{day}/dejeuner", headers=auth, timeout=10)
        assert booked.status_code == 200, booked.text
        station.sync_once()
        after = json.loads(plateau("check", uid, "--at", at, "--json", "--config", str(station.config),
                                   check=False).stdout)
        assert (after["accepted"], after["reason"]) == (True, "ok"), after
