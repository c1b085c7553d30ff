"""The family API over HTTP: children, the calendar and booking under every reservation rule
(cutoff minute edges in the site's zone and across DST, horizon, closed days), another family's
child, and which token reaches which route."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from plateau.domain.holidays import holiday_name

from tests.integration.server.family_world import PARIS, SITE_A, SITE_B, world  # noqa: F401 (fixture)

FAMILY = "/api/v1/family"


@pytest.fixture(scope="module")
def martin(world):
    return world.sign_in("martin@example.org")


@pytest.fixture(scope="module")
def durand(world):
    return world.sign_in("durand@example.org")


def book(world, token, child, d, service="dejeuner"):
    return world.put(f"{FAMILY}/children/{child}/reservations/{d}/{service}", token)


def cancel(world, token, child, d, service="dejeuner"):
    return world.delete(f"{FAMILY}/children/{child}/reservations/{d}/{service}", token)


def states(world, token, child, first, last):
    r = world.get(f"{FAMILY}/children/{child}/calendar", token, params={"from": first, "to": last})
    assert r.status_code == 200, r.text
    return {(d["date"], d["service"]): (d["state"], d["cutoff"]) for d in r.json()["days"]}


def test_a_family_sees_its_children_across_sites_and_a_second_guardian_sees_one(world, martin, durand):
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    kids = world.get(f"{FAMILY}/children", martin).json()
    assert sorted((k["first_name"], k["site"], k["financial"]) for k in kids) == [
        ("Bob", SITE_B, True), ("Léa", SITE_A, True), ("Tom", SITE_A, True)]
    lea = next(k for k in kids if k["first_name"] == "Léa")
    assert set(lea) == {"id", "first_name", "last_name", "class", "site", "balance_cents", "plan", "financial"}
    assert (lea["class"], lea["plan"], lea["balance_cents"]) == ("6A", "reservation", 0)
    other = world.get(f"{FAMILY}/children", durand).json()
    assert [(k["first_name"], k["financial"]) for k in other] == [("Léa", False)]  # separated parents: both see her


def test_booking_closes_at_the_cutoff_minute_in_the_site_zone(world, martin):
    lea = world.ids["P-LEA"]
    tuesday = "2026-11-24"  # day_before at 18:00: closes Monday 23 November at 18:00 Paris time (17:00 UTC)
    world.clock.set(datetime(2026, 11, 23, 17, 59, tzinfo=PARIS))
    r = book(world, martin, lea, tuesday)
    assert r.status_code == 200 and r.json()["status"] == "booked" and r.json()["created"] is True
    assert r.json()["balance_cents"] == -400  # prepaid at booking, as the office's booking does
    assert states(world, martin, lea, tuesday, tuesday)[tuesday, "dejeuner"] == ("reserved", "2026-11-23T18:00:00+01:00")
    assert cancel(world, martin, lea, tuesday).status_code == 200
    assert book(world, martin, lea, tuesday).status_code == 200
    world.clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc))  # 18:00 in Paris
    r = cancel(world, martin, lea, tuesday)
    assert r.status_code == 409 and r.json()["error"] == "past_cutoff", r.text
    assert "23/11/2026 at 18:00" in r.json()["reason"]
    assert states(world, martin, lea, tuesday, tuesday)[tuesday, "dejeuner"][0] == "reserved_locked"
    tom = world.ids["P-TOM"]
    r = book(world, martin, tom, tuesday)
    assert r.status_code == 409 and r.json()["error"] == "past_cutoff"
    assert states(world, martin, tom, tuesday, tuesday)[tuesday, "dejeuner"][0] == "not_bookable"
    assert book(world, martin, lea, tuesday).json()["created"] is False  # booking twice stays harmless


def test_same_day_cutoff_at_10_30(world, martin):
    tom = world.ids["P-TOM"]
    world.settings(cutoff_mode="same_day", cutoff_time="10:30")
    try:
        world.clock.set(datetime(2026, 11, 26, 10, 29, tzinfo=PARIS))
        assert book(world, martin, tom, "2026-11-26").status_code == 200
        world.clock.set(datetime(2026, 11, 26, 10, 30, tzinfo=PARIS))
        assert cancel(world, martin, tom, "2026-11-26").json()["error"] == "past_cutoff"
        assert states(world, martin, tom, "2026-11-26", "2026-11-27") == {
            ("2026-11-26", "dejeuner"): ("reserved_locked", "2026-11-26T10:30:00+01:00"),
            ("2026-11-27", "dejeuner"): ("bookable", "2026-11-27T10:30:00+01:00")}
    finally:
        world.settings(cutoff_mode="day_before", cutoff_time="18:00")


@pytest.mark.parametrize("settings, meal, last_open, first_closed", [
    # the day before at midnight: all of Thursday, until Friday starts
    ({"cutoff_mode": "day_before", "cutoff_time": "00:00"}, "2026-11-27",
     datetime(2026, 11, 26, 23, 59, tzinfo=PARIS), datetime(2026, 11, 27, 0, 0, tzinfo=PARIS)),
    # "before Friday noon for the Monday after": 3 days ahead at 12:00
    ({"cutoff_mode": "days_ahead", "cutoff_days": "3", "cutoff_time": "12:00"}, "2026-11-30",
     datetime(2026, 11, 27, 11, 59, tzinfo=PARIS), datetime(2026, 11, 27, 12, 0, tzinfo=PARIS)),
])
def test_every_cutoff_mode_at_its_minute(world, martin, settings, meal, last_open, first_closed):
    tom = world.ids["P-TOM"]
    world.settings(**settings)
    try:
        world.clock.set(last_open)
        assert book(world, martin, tom, meal).status_code == 200
        assert cancel(world, martin, tom, meal).status_code == 200
        assert book(world, martin, tom, meal).status_code == 200
        assert states(world, martin, tom, meal, meal)[meal, "dejeuner"] == ("reserved", first_closed.isoformat())
        world.clock.set(first_closed)
        assert cancel(world, martin, tom, meal).json()["error"] == "past_cutoff"
        assert states(world, martin, tom, meal, meal)[meal, "dejeuner"][0] == "reserved_locked"
    finally:
        world.settings(cutoff_mode="day_before", cutoff_time="18:00", cutoff_days="1")
        world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))


def test_the_cutoff_follows_the_site_clock_across_the_spring_dst_change(world):
    tom = world.ids["P-TOM"]
    monday = "2026-03-30"  # clocks go forward on Sunday 29 March 2026: 18:00 there is 16:00 UTC, not 17:00
    world.clock.set(datetime(2026, 3, 29, 15, 59, tzinfo=timezone.utc))
    martin = world.sign_in("martin@example.org")  # a session of that time (tokens live 30 days)
    assert book(world, martin, tom, monday).status_code == 200
    assert states(world, martin, tom, monday, monday)[monday, "dejeuner"] == ("reserved", "2026-03-29T18:00:00+02:00")
    world.clock.set(datetime(2026, 3, 29, 16, 0, tzinfo=timezone.utc))
    assert cancel(world, martin, tom, monday).json()["error"] == "past_cutoff"
    assert book(world, martin, tom, "2026-03-31").status_code == 200  # the next day is still open
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))


def test_the_horizon_limits_how_far_ahead_a_family_books(world, martin):
    tom = world.ids["P-TOM"]
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))  # J+60 is Friday 22 January 2027
    assert book(world, martin, tom, "2027-01-22").status_code == 200
    r = book(world, martin, tom, "2027-01-25")
    assert r.status_code == 409 and r.json()["error"] == "beyond_horizon"
    got = states(world, martin, tom, "2027-01-21", "2027-01-25")
    assert got["2027-01-21", "dejeuner"][0] == "bookable" and got["2027-01-22", "dejeuner"][0] == "reserved"
    assert got["2027-01-25", "dejeuner"][0] == "not_bookable"
    assert world.get(f"{FAMILY}/children/{tom}/calendar", martin,
                     params={"from": "2027-01-01", "to": "2027-06-30"}).status_code == 422  # one quarter at most


def test_closed_days_no_service_holiday_and_closure(world, martin):
    from plateau.server import store, store_days

    tom = world.ids["P-TOM"]
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    with world.db.write() as s:
        store_days.upsert_closure(s, store.get_site(s, SITE_A), "2026-12-03", "2026-12-03", "Grève", id="strike-1")
    for d, why in (("2026-11-25", "no Déjeuner on Wednesdays"), ("2026-12-25", "public holiday"),
                   ("2026-12-03", "closed on 2026-12-03 (Grève)")):
        r = book(world, martin, tom, d)
        assert r.status_code == 409 and r.json()["error"] == "closed_day", r.text
        assert why in r.json()["reason"]
        assert states(world, martin, tom, d, d)[d, "dejeuner"][0] == "closed"
    assert book(world, martin, tom, "2026-11-27", "gouter").status_code == 404  # no such service


def test_another_familys_child_is_out_of_reach(world, martin):
    zoe = world.ids["P-ZOE"]
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    for r in (book(world, martin, zoe, "2026-11-27"), cancel(world, martin, zoe, "2026-11-27"),
              world.get(f"{FAMILY}/children/{zoe}/calendar", martin),
              world.get(f"{FAMILY}/children/{zoe}/movements", martin),
              world.get(f"{FAMILY}/children/{zoe}/passages", martin),
              world.get(f"{FAMILY}/children/{zoe}/menus", martin),
              world.post(f"{FAMILY}/children/{zoe}/top-ups", {"amount_cents": 2000}, martin),
              world.get(f"{FAMILY}/children/999999/calendar", martin)):   # an id that exists nowhere: the same
        assert r.status_code == 403 and r.json()["error"] == "forbidden", r.text
    from plateau.server import models as m
    with world.db.read() as s:
        assert s.execute(select(m.Reservation).where(m.Reservation.person_id == zoe)).first() is None


def test_each_change_is_logged_as_made_by_the_family(world, martin):
    from plateau.server import family_models as fm

    tom = world.ids["P-TOM"]
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    assert book(world, martin, tom, "2026-12-04").status_code == 200
    assert cancel(world, martin, tom, "2026-12-04").status_code == 200
    changes = world.get(f"{FAMILY}/children/{tom}/changes", martin).json()
    assert [(c["date"], c["action"], c["by"], c["actor"]) for c in changes if c["date"] == "2026-12-04"] == [
        ("2026-12-04", "cancel", "family", "martin@example.org"), ("2026-12-04", "book", "family", "martin@example.org")]
    with world.db.read() as s:
        assert s.execute(select(fm.ReservationChange).where(fm.ReservationChange.person_id == tom,
                                                            fm.ReservationChange.actor_kind == "family")).first()


def test_token_kinds_each_reach_only_their_own_routes(world, martin):
    lea = world.ids["P-LEA"]
    family_routes = [f"{FAMILY}/children", f"{FAMILY}/children/{lea}/calendar", f"{FAMILY}/children/{lea}/movements"]
    for token in (world.admin_token, world.station_token):
        for path in family_routes:
            r = world.get(path, token)
            assert r.status_code == 403 and "family token" in r.json()["reason"], (path, r.text)
        assert book(world, token, lea, "2026-12-10").status_code == 403
    for path in family_routes:
        assert world.get(path).status_code == 401
        assert world.get(path, "pfa_not-a-token").status_code == 401
    for method, path in (("get", f"/api/v1/persons/{lea}"), ("get", f"/api/v1/sites/{SITE_A}"),
                         ("get", "/api/v1/sync/changes"), ("get", f"/api/v1/sites/{SITE_A}/persons"),
                         ("put", f"/api/v1/persons/{lea}/reservations/2026-12-10/dejeuner"),
                         ("post", "/api/v1/admin/imports/guardians")):
        r = getattr(world, method)(path, token=martin)
        assert r.status_code == 403 and "family API" in r.json()["reason"], (path, r.text)


def test_a_token_ends_at_sign_out_and_when_it_expires(world):
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    token = world.sign_in("petit@example.org")
    assert world.get(f"{FAMILY}/children", token).status_code == 200
    assert world.delete(f"{FAMILY}/session", token).status_code == 204
    assert world.get(f"{FAMILY}/children", token).status_code == 401
    token = world.sign_in("petit@example.org")
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS) + timedelta(days=31))
    assert world.get(f"{FAMILY}/children", token).status_code == 401
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))


def test_the_openapi_document_describes_the_family_api(world):
    doc = world.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/family/session", "/api/v1/family/children", "/api/v1/family/children/{child_id}/calendar",
                 "/api/v1/family/children/{child_id}/reservations/{day}/{service}",
                 "/api/v1/family/children/{child_id}/passages", "/api/v1/family/children/{child_id}/movements",
                 "/api/v1/family/children/{child_id}/menus", "/api/v1/family/children/{child_id}/top-ups",
                 "/api/v1/family/password-reset", "/api/v1/family/password-reset/confirm"):
        assert path in doc["paths"], path
    schemas = doc["components"]["schemas"]
    assert set(schemas["CalendarDay"]["properties"]["state"]["enum"]) == {
        "reserved", "reserved_locked", "bookable", "not_bookable", "closed"}
    assert "class" in schemas["ChildOut"]["properties"] or "class" in str(schemas)


def test_a_guardian_absent_from_a_later_import_loses_access_at_once(world):
    from plateau.server.imports.runner import run_import
    from tests.integration.server.family_world import GUARDIANS_CSV

    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    token = world.sign_in("petit@example.org")
    without = "\n".join(line for line in GUARDIANS_CSV.splitlines() if "G-PETIT" not in line) + "\n"
    assert run_import(world.db, SITE_A, "guardians", without.encode()).applied
    try:
        assert world.get(f"{FAMILY}/children", token).status_code == 401
        assert world.post(f"{FAMILY}/session", {"email": "petit@example.org",
                                                "password": "correct horse battery"}).status_code == 401
    finally:
        assert run_import(world.db, SITE_A, "guardians", GUARDIANS_CSV.encode()).applied
    token = world.sign_in("petit@example.org")           # listed again: the same account, its password kept
    assert [k["first_name"] for k in world.get(f"{FAMILY}/children", token).json()] == ["Zoé"]


def test_a_booking_by_the_office_shows_as_made_by_the_office(world, martin):
    tom = world.ids["P-TOM"]
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    d = datetime.now(PARIS).date() + timedelta(days=21)   # the office's route runs on the real clock
    while d.weekday() not in (0, 1, 3, 4) or holiday_name(d) or d.isoformat() == "2026-12-03":
        d += timedelta(days=1)
    day = d.isoformat()
    r = world.put(f"/api/v1/persons/{tom}/reservations/{day}/dejeuner", world.admin_token)
    assert r.status_code == 201, r.text
    changes = [c for c in world.get(f"{FAMILY}/children/{tom}/changes", martin).json() if c["date"] == day]
    assert [(c["action"], c["by"]) for c in changes] == [("book", "office")]
    assert states(world, martin, tom, day, day)[day, "dejeuner"][0] == "reserved"


def test_a_week_pattern_books_every_open_day_and_lists_the_refused_ones(world, martin):
    lea = world.ids["P-LEA"]
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    pattern = {"service": "dejeuner", "weekdays": "lun,jeu", "from": "2026-12-14", "to": "2027-01-28"}
    r = world.post(f"{FAMILY}/children/{lea}/week-pattern", pattern, martin)
    assert r.status_code == 200, r.text
    days = {d["date"]: (d["status"], d["error"]) for d in r.json()["days"]}
    assert days["2026-12-14"] == ("booked", None) and days["2026-12-17"] == ("booked", None)
    assert days["2026-12-24"] == ("booked", None)
    assert days["2027-01-25"] == ("refused", "beyond_horizon")             # J+60 is 22 January
    assert set(days) == {d for d in days if date.fromisoformat(d).weekday() in (0, 3)}
    assert r.json()["refused"] == 2 and r.json()["done"] == len(days) - 2  # 25 and 28 January
    got = states(world, martin, lea, "2026-12-14", "2026-12-18")
    assert [got[d, "dejeuner"][0] for d in ("2026-12-14", "2026-12-15", "2026-12-17", "2026-12-18")] == [
        "reserved", "bookable", "reserved", "bookable"]
    again = world.post(f"{FAMILY}/children/{lea}/week-pattern", {**pattern, "to": "2026-12-21"}, martin).json()
    assert {d["status"] for d in again["days"]} == {"already_booked"} and again["done"] == 0
    off = world.post(f"{FAMILY}/children/{lea}/week-pattern",
                     {**pattern, "to": "2026-12-31", "action": "cancel", "every_other_week": True}, martin).json()
    assert [d["date"] for d in off["days"]] == ["2026-12-14", "2026-12-17", "2026-12-28", "2026-12-31"]
    assert off["done"] == 4
    assert world.post(f"{FAMILY}/children/{lea}/week-pattern", {**pattern, "weekdays": "funday"},
                      martin).status_code == 422
    assert world.post(f"{FAMILY}/children/{world.ids['P-ZOE']}/week-pattern", pattern, martin).status_code == 403
