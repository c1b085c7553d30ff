"""Reservations: every cutoff mode (pure, at fixed instants) and the HTTP path with real clocks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from plateau.domain.holidays import holiday_name
from plateau.domain.policy import policy_from_settings
from plateau.server import models as m
from plateau.server import store
from plateau.server.reservations import cutoff_refusal, deadline
from tests.integration.server.conftest import SITE_B

PARIS = ZoneInfo("Europe/Paris")


def at(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=PARIS)


def refused(settings, now, day):
    r = cutoff_refusal(policy_from_settings(settings), PARIS, now, day)
    return r.code if r else None


# --- the cutoff rule, at fixed instants (Monday 2026-11-23 is the meal day) ---------------------

MONDAY = date(2026, 11, 23)


def test_day_before_at_midnight_closes_when_the_meal_day_starts():
    s = {"cutoff_mode": "day_before", "cutoff_time": "00:00"}
    assert refused(s, at(2026, 11, 22, 23, 59), MONDAY) is None
    assert refused(s, at(2026, 11, 23, 0, 0), MONDAY) == "past_cutoff"


def test_day_before_at_18h():
    s = {"cutoff_mode": "day_before", "cutoff_time": "18:00"}
    assert refused(s, at(2026, 11, 22, 17, 59), MONDAY) is None
    assert refused(s, at(2026, 11, 22, 18, 0), MONDAY) == "past_cutoff"


def test_same_day_until_10h30():
    s = {"cutoff_mode": "same_day", "cutoff_time": "10:30"}
    assert refused(s, at(2026, 11, 23, 10, 29), MONDAY) is None
    assert refused(s, at(2026, 11, 23, 10, 30), MONDAY) == "past_cutoff"
    assert refused(s, at(2026, 11, 24, 9, 0), MONDAY) == "past_cutoff"


def test_three_days_ahead_at_noon_is_friday_noon_for_monday():
    s = {"cutoff_mode": "days_ahead", "cutoff_days": "3", "cutoff_time": "12:00"}
    assert deadline(policy_from_settings(s), PARIS, MONDAY) == at(2026, 11, 20, 12)
    assert refused(s, at(2026, 11, 20, 11, 59), MONDAY) is None
    assert refused(s, at(2026, 11, 20, 12, 0), MONDAY) == "past_cutoff"


def test_the_horizon_limits_how_far_ahead_one_books():
    s = {"booking_horizon_days": "10"}
    now = at(2026, 11, 13, 9)
    assert refused(s, now, MONDAY) is None                       # J+10
    assert refused(s, now, MONDAY + timedelta(days=1)) == "beyond_horizon"


def test_the_cutoff_is_in_the_site_zone_across_a_dst_change():
    s = {"cutoff_mode": "day_before", "cutoff_time": "18:00"}
    meal = date(2026, 3, 30)  # the Monday after the spring change (29 March 2026)
    assert deadline(policy_from_settings(s), PARIS, meal).utcoffset() == timedelta(hours=2)
    assert refused(s, datetime(2026, 3, 29, 15, 59, tzinfo=timezone.utc), meal) is None
    assert refused(s, datetime(2026, 3, 29, 16, 0, tzinfo=timezone.utc), meal) == "past_cutoff"


# --- over HTTP, with the real clock (dates chosen far from any edge) ---------------------------

def _today() -> date:
    return datetime.now(PARIS).date()


def _open_day(after: date) -> date:
    day = after
    while holiday_name(day):
        day += timedelta(days=1)
    return day


def _settings(env, **kv):
    r = env.admin.put(f"/api/v1/sites/{SITE_B}/settings",
                      {"settings": {k: str(v) for k, v in kv.items()}})
    assert r.status_code == 200, r.text


def _book(env, day, service="dejeuner", person=None):
    return env.admin.put(f"/api/v1/persons/{person or env.person_b}/reservations/{day.isoformat()}/{service}")


def _cancel(env, day, service="dejeuner", person=None):
    return env.admin.delete(f"/api/v1/persons/{person or env.person_b}/reservations/{day.isoformat()}/{service}")


def _conflict(r, code):
    assert r.status_code == 409, r.text
    assert r.json()["error"] == code and r.json()["reason"]


def test_day_before_mode_over_http(env):
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=60)
    _conflict(_book(env, _today()), "past_cutoff")
    day = _open_day(_today() + timedelta(days=2))
    assert _book(env, day).status_code == 201
    assert _book(env, day).status_code == 200  # booking twice is harmless
    assert _cancel(env, day).status_code == 200
    assert _cancel(env, day).status_code == 404


def test_service_codes_in_capitals_are_the_same_service(env):
    """Other systems' files and people write DEJEUNER: the API takes it as dejeuner."""
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=60)
    day = _open_day(_today() + timedelta(days=3))
    r = _book(env, day, service="DEJEUNER")
    assert r.status_code == 201, r.text
    assert r.json()["service"] == "dejeuner"
    assert _book(env, day, service="Dejeuner").status_code == 200  # the same booking
    assert _cancel(env, day, service="dejeuner").status_code == 200
    menu = env.admin.put(f"/api/v1/sites/{SITE_B}/menus/{day.isoformat()}/DEJEUNER", {"text": "Frites"})
    assert menu.status_code == 200, menu.text
    assert menu.json()["service"] == "dejeuner"


def test_same_day_mode_over_http(env):
    now = datetime.now(PARIS)
    if now.hour == 23 and now.minute >= 58:
        pytest.skip("too close to midnight for a same-day test")
    _settings(env, cutoff_mode="same_day", cutoff_time="23:59")
    _conflict(_book(env, _today() - timedelta(days=1)), "past_cutoff")
    if not holiday_name(_today()):
        assert _book(env, _today()).status_code == 201
        assert _cancel(env, _today()).status_code == 200
    _settings(env, cutoff_time="00:00")  # same day until midnight: today is already closed
    if not holiday_name(_today()):
        _conflict(_book(env, _today()), "past_cutoff")


def test_days_ahead_mode_over_http(env):
    _settings(env, cutoff_mode="days_ahead", cutoff_days=3, cutoff_time="12:00")
    _conflict(_book(env, _today() + timedelta(days=2)), "past_cutoff")
    assert _book(env, _open_day(_today() + timedelta(days=6))).status_code == 201


def test_horizon_over_http(env):
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=10)
    _conflict(_book(env, _today() + timedelta(days=11)), "beyond_horizon")
    assert _book(env, _open_day(_today() + timedelta(days=9))).status_code in (200, 201)
    _settings(env, booking_horizon_days=400)


def test_closed_days_are_not_bookable(env):
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=400)
    holiday = next(_today() + timedelta(days=n) for n in range(2, 400) if holiday_name(_today() + timedelta(days=n)))
    _conflict(_book(env, holiday), "closed_day")
    closed = _open_day(_today() + timedelta(days=20))
    r = env.admin.post(f"/api/v1/sites/{SITE_B}/closures", {"first_day": closed.isoformat(),
                                                             "last_day": closed.isoformat(), "label": "Grève"})
    assert r.status_code == 201, r.text
    _conflict(_book(env, closed), "closed_day")
    assert "Grève" in _book(env, closed).json()["reason"]
    with env.db.write() as s:  # a service that does not run on Fridays
        store.upsert_service(s, store.get_site(s, SITE_B), "diner", "Dîner", "18:30", "19:30", "mon,tue,wed,thu")
    friday = next(d for d in (_today() + timedelta(days=n) for n in range(3, 10)) if d.weekday() == 4)
    _conflict(_book(env, friday, "diner"), "closed_day")
    assert env.admin.put(f"/api/v1/persons/{env.person_b}/reservations/{friday}/goûter").status_code == 422
    r = env.admin.put(f"/api/v1/persons/{env.person_b}/reservations/{friday}/brunch")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_prepaid_bookings_debit_at_booking_and_credit_back_on_cancel(env):
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=400,
              reservation_prepaid="true")
    day = _open_day(_today() + timedelta(days=30))
    start = env.admin.get(f"/api/v1/persons/{env.person_b}").json()["balance_cents"]
    r = _book(env, day)
    assert r.status_code == 201 and r.json()["prepaid_cents"] == 400
    assert r.json()["balance_cents"] == start - 400
    assert _cancel(env, day).json()["balance_cents"] == start
    assert _book(env, day).json()["balance_cents"] == start - 400  # re-booking debits again
    with env.db.read() as s:
        kinds = sorted(e.kind for e in s.execute(select(m.LedgerEntry).where(
            m.LedgerEntry.person_id == env.person_b, m.LedgerEntry.label.contains(day.isoformat()))).scalars())
    assert kinds == ["cancel", "reservation", "reservation"]


def test_past_the_cutoff_a_booking_can_no_longer_be_cancelled(env):
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=400)
    day = _open_day(_today() + timedelta(days=3))
    assert _book(env, day).status_code in (200, 201)
    _settings(env, cutoff_mode="days_ahead", cutoff_days=10, cutoff_time="12:00")
    _conflict(_cancel(env, day), "past_cutoff")
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00")
    assert _cancel(env, day).status_code == 200


def test_an_archived_person_cannot_book(env):
    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=400)
    with env.db.write() as s:
        site = store.get_site(s, SITE_B)
        p = store.upsert_person(s, site, external_id="B-2", last_name="GONE", first_name="Gil", status="archived")
        pid = p.id
    _conflict(_book(env, _open_day(_today() + timedelta(days=5)), person=pid), "person_inactive")


def test_concurrent_bookings_of_the_same_meal_make_one_reservation_and_one_debit(env):
    import threading

    _settings(env, cutoff_mode="day_before", cutoff_time="00:00", booking_horizon_days=400,
              reservation_prepaid="true")
    day = _open_day(_today() + timedelta(days=40))
    start = env.admin.get(f"/api/v1/persons/{env.person_b}").json()["balance_cents"]
    codes = []
    threads = [threading.Thread(target=lambda: codes.append(_book(env, day).status_code)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [200] * 5 + [201]
    assert env.admin.get(f"/api/v1/persons/{env.person_b}").json()["balance_cents"] == start - 400
