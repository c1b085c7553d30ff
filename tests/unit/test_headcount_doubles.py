"""Double passages ("passages en double"): a person served more times in one service than their
category's `max_passages_per_service` allows, as two offline stations may do. Days built by hand."""

from __future__ import annotations

from plateau.domain.policy import CategoryPolicy, SitePolicy
from plateau.reports.headcount import compute
from plateau.reports.headcount_fold import HeadcountFold
from tests.unit.test_headcount import day_data, passage, person


def _both(data):
    """`compute` and the live fold agree on every day of this file."""
    full = compute(data)
    assert HeadcountFold(data).result().to_json() == full.to_json()
    return full


def test_two_offline_stations_serving_the_same_pupil_make_one_double():
    first = passage(1, 12, 0, station="self-1", price_cents=350, medium="card")
    second = passage(1, 12, 0, ss=40, station="self-2", price_cents=350, medium="phone")
    hc = _both(day_data([person(1, plan="ticket"), person(2)], [first, second, passage(2, 12, 1)]))
    lunch = hc.service("dejeuner")
    assert hc.doubles == 1 and lunch.totals.served == 3
    [double] = lunch.doubles
    assert (double["person_id"], double["class_name"], double["allowed"], double["served"]) == (1, "6A", 1, 2)
    assert double["stations"] == ["self-1", "self-2"] and double["extra_cents"] == 350
    assert [(p["at"], p["station"], p["medium"], p["price_cents"], p["extra"]) for p in double["passages"]] == [
        ("12:00:00", "self-1", "card", 350, False), ("12:00:40", "self-2", "phone", 350, True)]


def test_one_passage_or_a_cancelled_second_is_no_double():
    once = _both(day_data([person(1)], [passage(1, 12, 0)]))
    assert once.doubles == 0 and once.service("dejeuner").doubles == []
    second = passage(1, 12, 1, station="self-2")
    cancel = passage(1, 12, 3, station="self-2", kind="cancel", ref=second["id"], staff_id=1, motive="erreur")
    assert _both(day_data([person(1)], [passage(1, 12, 0), second, cancel])).doubles == 0


def test_other_services_and_refusals_are_no_double():
    dinner = passage(1, 19, 0, service="diner")
    refused = passage(1, 12, 5, accepted=False, reason="already_served", station="self-2")
    assert _both(day_data([person(1)], [passage(1, 12, 0), refused, dinner])).doubles == 0


def test_an_override_of_already_served_is_staff_knowing_not_a_double():
    refused = passage(1, 12, 5, accepted=False, reason="already_served")
    override = passage(1, 12, 6, kind="override", ref=refused["id"], staff_id=1, motive="second service")
    lunch = _both(day_data([person(1)], [passage(1, 12, 0), refused, override])).service("dejeuner")
    assert lunch.doubles == [] and lunch.totals.overrides == 1
    # an override of another refusal at a second offline station is a double
    other = passage(1, 12, 5, accepted=False, reason="no_reservation", station="self-2")
    over = passage(1, 12, 6, kind="override", ref=other["id"], staff_id=1, motive="oubli", station="self-2")
    assert _both(day_data([person(1)], [passage(1, 12, 0), other, over])).doubles == 1


def test_the_allowance_is_the_category_policy_the_station_applies():
    policy = SitePolicy(categories={"commensal": CategoryPolicy(max_passages_per_service=2)})
    persons = [person(1, category="commensal"), person(2)]
    two = [passage(1, 12, 0), passage(1, 12, 30, station="self-2"), passage(2, 12, 0), passage(2, 12, 2)]
    lunch = _both(day_data(persons, two, policy=policy)).service("dejeuner")
    assert [d["person_id"] for d in lunch.doubles] == [2]
    third = passage(1, 13, 0)
    lunch = _both(day_data(persons, [*two, third], policy=policy)).service("dejeuner")
    assert [(d["person_id"], d["allowed"], d["served"]) for d in lunch.doubles] == [(1, 2, 3), (2, 1, 2)]
    assert [p["extra"] for p in lunch.doubles[0]["passages"]] == [False, False, True]
