"""The pure headcount computation on days built by hand (no files): edges of each definition."""

from __future__ import annotations

import ast
import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plateau.domain.holidays import holiday_name
from plateau.domain.policy import SitePolicy
from plateau.domain.services import ServiceInfo
from plateau.reports.csv_exports import _cell, euros, forecast_csv, period_csv
from plateau.reports.headcount import DayData, compute, slot_of
from plateau.reports.periods import forecast, month_bounds, period_title, period_view, week_bounds

PARIS = ZoneInfo("Europe/Paris")
LUNCH = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45))
BREAKFAST = ServiceInfo("petit-dejeuner", "Petit-déjeuner", time(7, 0), time(8, 0), frozenset({0, 1, 2, 3}))
WED = date(2026, 11, 25)


def person(pid, **kw):
    base = {"id": pid, "external_id": None, "last_name": f"NOM{pid}", "first_name": f"P{pid}", "class_name": "6A",
            "category": "eleve", "regime": None, "plan": "forfait", "forfait_days": "mon,tue,wed,thu,fri",
            "status": "active", "arrival_date": None, "leaving_date": None, "photo": None}
    base.update(kw)
    return base


_n = iter(range(10_000))


def passage(pid, hh, mm, day=WED, ss=0, **kw):
    at = datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=PARIS).astimezone(timezone.utc)
    base = {"id": f"p{next(_n)}", "station": "self-1", "at": at.isoformat(), "local_date": day.isoformat(),
            "service": "dejeuner", "card_uid": None, "person_id": pid, "kind": "badge", "accepted": True,
            "reason": "ok", "price_cents": 0, "balance_after_cents": None, "staff_id": None, "motive": None,
            "ref": None, "warnings": []}
    base.update(kw)
    return base


def day_data(persons, passages=(), day=WED, **kw) -> DayData:
    return DayData("0691234X", "Collège", "Europe/Paris", day, kw.pop("services", [LUNCH]), kw.pop("policy", SitePolicy()),
                   {p["id"]: p for p in persons}, passages=list(passages), **kw)


def test_public_holiday_expects_nobody_but_still_counts_passages():
    armistice = date(2026, 11, 11)
    hc = compute(day_data([person(1), person(2)], [passage(1, 12, 0, day=armistice)], day=armistice))
    lunch = hc.service("dejeuner")
    assert hc.closed == holiday_name(armistice) and hc.closed
    assert (lunch.totals.expected, lunch.totals.served, lunch.totals.unexpected) == (0, 1, 1)
    assert lunch.excluded["closed"] == 2


def test_inactive_persons_are_not_expected():
    persons = [person(1, status="archived"), person(2, arrival_date="2026-11-30"), person(3, leaving_date="2026-11-24"),
               person(4, leaving_date="2026-11-25"), person(5)]
    lunch = compute(day_data(persons)).service("dejeuner")
    assert lunch.totals.expected == 2  # 4 (leaving_date is the last day present) and 5
    assert lunch.excluded == {"closed": 0, "opposition": 0, "inactive": 3}


def test_oppositions_exclude_only_when_they_overlap_the_service():
    def opp(pid, start, end):
        return {"id": f"o{pid}", "person_id": pid, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
                "motive": "Absent", "source": "absence"}
    d = lambda h, m: datetime(2026, 11, 25, h, m, tzinfo=PARIS)  # noqa: E731
    oppositions = [opp(1, d(0, 0), d(11, 0)),     # morning only: ends before lunch -> expected
                   opp(2, d(13, 0), d(18, 0)),    # from 13:00: overlaps the end of lunch -> not expected
                   opp(3, d(13, 45), d(23, 0))]   # starts when lunch closes -> expected
    hc = compute(day_data([person(1), person(2), person(3)], oppositions=oppositions))
    assert hc.service("dejeuner").excluded["opposition"] == 1
    assert [r["person_id"] for r in hc.service("dejeuner").no_shows] == [1, 3]


def test_forfait_days_and_reservations():
    persons = [person(1, forfait_days="mon,tue,thu,fri"), person(2, plan="reservation", forfait_days=None),
               person(3, plan="ticket", forfait_days=None), person(4, plan="forfait", forfait_days="wed")]
    reservations = [{"person_id": 2, "date": "2026-11-25", "service": "dejeuner"},
                    {"person_id": 3, "date": "2026-11-25", "service": "dejeuner"},   # a ticket pupil who booked
                    {"person_id": 1, "date": "2026-11-26", "service": "dejeuner"}]   # another day: ignored
    lunch = compute(day_data(persons, reservations=reservations)).service("dejeuner")
    assert lunch.expected_by_basis == {"forfait": 1, "reservation": 2}


def test_slots_are_local_quarter_hours_and_cover_the_service():
    hc = compute(day_data([person(1), person(2), person(3)],
                          [passage(1, 11, 29, ss=59), passage(2, 11, 30), passage(3, 13, 44, ss=59)]))
    slots = {s["slot"]: s["served"] for s in hc.service("dejeuner").to_json()["by_slot"]}
    assert list(slots) == ["11:15", "11:30", "11:45", "12:00", "12:15", "12:30", "12:45", "13:00", "13:15", "13:30"]
    assert (slots["11:15"], slots["11:30"], slots["13:30"]) == (1, 1, 1)
    assert slot_of(datetime(2026, 3, 29, 12, 7, tzinfo=PARIS)) == "12:00"


def test_second_meal_counts_as_a_meal_not_as_a_second_person():
    hc = compute(day_data([person(1)], [passage(1, 11, 30), passage(1, 12, 30)]))
    lunch = hc.service("dejeuner")
    assert (lunch.totals.served, lunch.totals.no_shows, lunch.totals.unexpected) == (2, 0, 0)


def test_cancelled_override_is_neither_served_nor_an_override():
    refused = passage(1, 11, 30, accepted=False, reason="opposition")
    override = passage(1, 11, 31, kind="override", staff_id=9, motive="vu avec la CPE", ref=refused["id"])
    cancel = passage(1, 11, 40, kind="cancel", staff_id=9, motive="erreur", ref=override["id"], price_cents=0)
    lunch = compute(day_data([person(1)], [refused, override, cancel])).service("dejeuner")
    assert (lunch.totals.served, lunch.totals.overrides, lunch.cancelled) == (0, 0, 1)
    assert lunch.refusals_by_reason == {"opposition": {"count": 1, "overridden": 1}}
    assert lunch.cancellations[0]["staff"] == ""  # staff 9 unknown to this source: no name, no crash


def test_other_days_and_unknown_services_and_persons():
    p_other_day = passage(1, 12, 0, day=WED - timedelta(days=1))
    p_old_service = passage(2, 12, 0, service="gouter")
    p_ghost = passage(99, 12, 5)                      # a person the source does not know (deleted since)
    hc = compute(day_data([person(1), person(2)], [p_other_day, p_old_service, p_ghost],
                          services=[LUNCH, BREAKFAST]))
    assert [s.code for s in hc.services] == ["petit-dejeuner", "dejeuner", "gouter"]
    assert hc.service("gouter").totals.served == 1
    assert hc.service("dejeuner").unexpected[0]["last_name"] == "#99"
    assert hc.totals.expected == 4  # both persons at breakfast and lunch
    json.dumps(hc.to_json())       # plain JSON all the way down


def test_forecast_and_period_views():
    persons = [person(1), person(2, forfait_days="mon,tue,thu,fri")]
    closures = [{"id": "c", "first_day": "2026-11-26", "last_day": "2026-11-26", "label": "Grève", "source": "local"}]
    days = [day_data(persons, day=WED + timedelta(days=n), closures=closures) for n in range(5)]
    rows = forecast(days)
    assert [(r.day.isoformat(), r.expected, r.closed) for r in rows] == [
        ("2026-11-25", 1, None), ("2026-11-26", 0, "Grève"), ("2026-11-27", 2, None)]
    assert forecast_csv(rows).decode("utf-8-sig").splitlines()[2] == "2026-11-26;jeudi;dejeuner;Déjeuner;0;0;0;Grève"
    view = period_view("s", [compute(d) for d in days])
    assert [r["date"] for r in view.rows] == ["2026-11-25", "2026-11-26", "2026-11-27"]  # weekend: no row
    assert view.totals() == {"dejeuner": {"expected": 3, "served": 0, "no_shows": 3}}
    assert period_csv(view).decode("utf-8-sig").splitlines()[-1] == "total;;;0;3;3"
    ahead = period_view("s", [compute(d) for d in days], today=WED)  # Thursday and Friday are to come
    assert [r["services"]["dejeuner"]["served"] for r in ahead.rows] == [0, None, None]
    assert ahead.totals() == {"dejeuner": {"expected": 3, "served": 0, "no_shows": 1}}
    assert period_csv(ahead).decode("utf-8-sig").splitlines()[3] == "2026-11-27;vendredi;;;2;"
    assert week_bounds(WED) == (date(2026, 11, 23), date(2026, 11, 29))
    assert month_bounds(date(2026, 12, 15)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period_title("month", date(2027, 2, 1), date(2027, 2, 28)) == "février 2027"


@pytest.mark.parametrize("value, cell", [("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+33", "+33"), ("-3,95", "-3,95"),
                                         ("@SUM", "'@SUM"), ("Dupont", "Dupont"), (None, ""), (True, "oui")])
def test_csv_cells_never_become_formulas(value, cell):
    assert _cell(value) == cell


def test_euros_for_spreadsheets():
    assert [euros(c) for c in (0, 5, 395, -420, 123456, None)] == ["0,00", "0,05", "3,95", "-4,20", "1234,56", ""]


def test_headcount_stays_pure():
    tree = ast.parse(Path(compute.__code__.co_filename).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | \
        {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.split(".")[0] in ("sqlalchemy", "PySide6", "reportlab", "requests")}


def test_no_shows_are_listed_in_french_name_order():
    names = ["BRUN", "BÉNARD", "bailly", "ÉMERY", "DUPONT"]
    persons = [person(i + 1, last_name=n, first_name="Léa") for i, n in enumerate(names)]
    lunch = compute(day_data(persons)).service("dejeuner")
    assert [r["last_name"] for r in lunch.no_shows] == ["bailly", "BÉNARD", "BRUN", "DUPONT", "ÉMERY"]


def test_report_words_agree_with_the_kiosk():
    from plateau.reports.labels import labels, reason_label

    fr, en = labels("fr"), labels("en")
    assert reason_label("no_service", fr) == fr["out_of_service"] == "Aucun service en cours"  # as on the kiosk
    assert reason_label("no_service", en) == en["out_of_service"] == "No service open"
    assert fr["none_f"] == "Aucune."  # "Dérogations accordées : Aucune."


def test_passages_are_counted_by_medium_and_the_pdf_shows_them_once_phones_are_used():
    import io

    from plateau.reports.pdf import render_daily

    passages = [passage(1, 12, 0), passage(2, 12, 1, medium="phone"),
                passage(3, 12, 2, medium="phone", accepted=False, reason="phone_code_replayed"),
                passage(4, 12, 3, accepted=False, reason="unknown_card", person_id=None)]
    lunch = compute(day_data([person(1), person(2), person(3)], passages)).service("dejeuner")
    assert lunch.to_json()["by_medium"] == {"card": {"served": 1, "refusals": 1}, "phone": {"served": 1, "refusals": 1}}
    pdf = io.BytesIO()
    render_daily(compute(day_data([person(1), person(2), person(3)], passages)), pdf)
    assert pdf.getvalue().startswith(b"%PDF")
    older = compute(day_data([person(1)], [passage(1, 12, 0)])).service("dejeuner")   # before phone badges
    assert older.to_json()["by_medium"] == {"card": {"served": 1, "refusals": 0}}
