"""Exact headcounts of the hand-built day (scenario.py), from real station replica files."""

from __future__ import annotations

import pytest

from plateau.reports.headcount import compute
from plateau.reports.replica_source import load_day, load_days

from .scenario import CLOSED_DAY, DAY


@pytest.fixture(scope="module")
def headcount(day):
    with day.self1.connect() as conn:
        return compute(load_day(conn, DAY))


def test_day_totals(headcount):
    assert headcount.closed is None
    assert [s.code for s in headcount.services] == ["dejeuner", ""]
    assert headcount.totals.to_json() == {"expected": 7, "served": 7, "no_shows": 3, "unexpected": 3,
                                          "overrides": 1, "refusals": 7}


def test_lunch_expected_served_and_exclusions(headcount):
    lunch = headcount.service("dejeuner")
    assert lunch.totals.to_json() == {"expected": 7, "served": 7, "no_shows": 3, "unexpected": 3,
                                      "overrides": 1, "refusals": 6}
    assert lunch.expected_by_basis == {"forfait": 4, "reservation": 3}
    assert lunch.excluded == {"closed": 0, "opposition": 1, "inactive": 1}
    assert lunch.cancelled == 1
    assert [r["first_name"] for r in lunch.cancellations] == ["Inès"]
    assert lunch.cancellations[0]["staff"] == "Mme Agent"


def test_no_shows_and_unexpected_are_named(headcount):
    lunch = headcount.service("dejeuner")
    assert [(r["class_name"], r["first_name"], r["basis"]) for r in lunch.no_shows] == [
        ("5A", "Gina", "reservation"), ("5A", "Inès", "forfait"), ("6A", "Chloé", "forfait")]
    assert [(r["class_name"], r["first_name"]) for r in lunch.unexpected] == [("5A", "Hugo"), ("6A", "Bruno"),
                                                                              ("", "Karine")]
    assert lunch.unexpected_by_plan == {"forfait": 1, "ticket": 2}


def test_refused_then_overridden_appears_in_both(headcount):
    lunch = headcount.service("dejeuner")
    assert lunch.refusals_by_reason == {
        "not_registered_today": {"count": 1, "overridden": 1},
        "opposition": {"count": 1, "overridden": 0},
        "no_reservation": {"count": 1, "overridden": 0},
        "already_served": {"count": 1, "overridden": 0},
        "person_inactive": {"count": 1, "overridden": 0},
        "unknown_card": {"count": 1, "overridden": 0},
    }
    [ov] = lunch.overrides
    assert (ov["first_name"], ov["at"], ov["station"], ov["staff"], ov["motive"], ov["overridden_reason"]) == (
        "Bruno", "11:26", "self-1", "M. Gestionnaire", "Sortie scolaire décalée", "not_registered_today")
    outside = headcount.service("")
    assert outside.refusals_by_reason == {"no_service": {"count": 1, "overridden": 0}}
    assert outside.totals.served == 0


def test_breakdowns_by_class_category_station_and_slot(headcount):
    lunch = headcount.service("dejeuner").to_json()
    assert lunch["by_class"] == {
        "": {"expected": 0, "served": 1, "no_shows": 0, "unexpected": 1, "overrides": 0, "refusals": 0},
        "5A": {"expected": 3, "served": 2, "no_shows": 2, "unexpected": 1, "overrides": 0, "refusals": 2},
        "6A": {"expected": 2, "served": 2, "no_shows": 1, "unexpected": 1, "overrides": 1, "refusals": 1},
        "6B": {"expected": 2, "served": 2, "no_shows": 0, "unexpected": 0, "overrides": 0, "refusals": 2},
        "?": {"expected": 0, "served": 0, "no_shows": 0, "unexpected": 0, "overrides": 0, "refusals": 1},
    }
    assert {k: (v["expected"], v["served"]) for k, v in lunch["by_category"].items()} == {
        "?": (0, 0), "commensal": (0, 1), "eleve": (4, 3), "eleve-ticket": (3, 3)}
    assert {k: (v["served"], v["refusals"], v["overrides"]) for k, v in lunch["by_station"].items()} == {
        "self-1": (3, 3, 1), "self-2": (4, 3, 0)}
    slots = {s["slot"]: (s["served"], s["refusals"]) for s in lunch["by_slot"]}
    assert len(slots) == 10 and list(slots)[0] == "11:15" and list(slots)[-1] == "13:30"
    assert {k: v for k, v in slots.items() if v != (0, 0)} == {
        "11:15": (3, 1), "11:30": (1, 2), "11:45": (0, 2), "12:00": (2, 1), "12:15": (1, 0)}


def test_both_stations_agree_after_sync(day, headcount):
    with day.self2.connect() as conn:
        other = compute(load_day(conn, DAY))
    assert other.to_json() == headcount.to_json()


def test_closed_day_expects_nobody(day):
    with day.self1.connect() as conn:
        today, closed = load_days(conn, DAY, CLOSED_DAY)
        alone = load_day(conn, DAY)
    hc = compute(closed)
    assert hc.closed == "Journée pédagogique"
    lunch = hc.service("dejeuner")
    assert lunch.totals.expected == 0
    # Thursday: 5-day forfaits (Alice, Chloé, David, Inès, Jules, Marc), Bruno's 4-day forfait, Gina and Léa booked
    assert lunch.excluded == {"closed": 9, "opposition": 0, "inactive": 0}
    assert compute(today).to_json() == compute(alone).to_json()


def test_summary_csv_for_the_kiosk_export(headcount):
    from plateau.reports.csv_exports import summary_csv

    lines = summary_csv(headcount).decode("utf-8-sig").splitlines()
    assert lines[0] == "date;service;classe;prevus;servis;absents;non_prevus;derogations;refus"
    assert lines[1] == "2026-11-25;dejeuner;(total);7;7;3;3;1;6"
    assert "2026-11-25;dejeuner;5A;3;2;2;1;0;2" in lines
