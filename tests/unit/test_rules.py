"""The decision engine, rule by rule, on hand-built snapshots (no files, no database).

The demo school's day is Monday 23 November 2026, Europe/Paris; lunch is 11:15–13:45.
The builders at the top are reused by the other `test_rules_*` modules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from plateau.domain.policy import policy_from_settings
from plateau.domain.reasons import PassageKind, Reason
from plateau.domain.services import ServiceInfo
from plateau.domain.rules import decide, override
from plateau.domain.snapshot import CardInfo, OppositionInfo, PersonInfo, ServedInfo, SiteInfo, Snapshot

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
MONDAY = date(2026, 11, 23)
WEDNESDAY = date(2026, 11, 25)
LUNCH = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45), frozenset(range(5)))
PRICES = {"eleve": 395, "eleve-ticket": 420, "commensal": 520}
UID = "04A1B2C3"


def paris(day: date, h: int = 12, mi: int = 0, s: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, h, mi, s, tzinfo=PARIS)


def site(settings: dict | None = None, services=(LUNCH,), prices=None, tz: str = "Europe/Paris") -> SiteInfo:
    return SiteInfo("0691234X", "Collège Jean Moulin", tz, policy_from_settings(settings or {}),
                    tuple(services), dict(PRICES if prices is None else prices))


def person(pid: int = 42, *, plan: str = "forfait", days: str = "mon,tue,thu,fri", category: str = "eleve",
           status: str = "active", arrival: date | None = date(2026, 9, 1), leaving: date | None = None,
           first_name: str = "Léa") -> PersonInfo:
    from plateau.domain.services import parse_weekdays

    return PersonInfo(pid, "MARTIN", first_name, "5eB", category, plan,
                      parse_weekdays(days if plan == "forfait" else ""), status, arrival, leaving,
                      external_id=f"{100000 + pid}")


def ticket(pid: int = 43, category: str = "eleve-ticket", **kw) -> PersonInfo:
    return person(pid, plan="ticket", category=category, **kw)


def snap(who: PersonInfo | None = None, *, card_status: str = "active", the_site: SiteInfo | None = None,
         **kw) -> Snapshot:
    who = person() if who is None else who
    return Snapshot(site=the_site or site(), card=CardInfo(UID, who.id, card_status), person=who, **kw)


def served(at: datetime, station: str = "self-1", pid: str = "p-1") -> ServedInfo:
    return ServedInfo(pid, at.astimezone(UTC), station)


# -- 1. the card ---------------------------------------------------------------------------------

def test_unknown_card_is_refused_without_a_person():
    d = decide("DEADBEEF", paris(MONDAY), Snapshot(site=site()))
    assert (d.accepted, d.reason, d.person, d.balance_after_cents) == (False, Reason.UNKNOWN_CARD, None, None)
    assert d.message("fr") == "Badge inconnu" and d.message("en") == "Unknown badge"
    assert d.service == LUNCH and d.local_date == MONDAY


def test_card_whose_person_is_missing_from_the_replica_counts_as_unknown():
    d = decide(UID, paris(MONDAY), Snapshot(site=site(), card=CardInfo(UID, 99, "active")))
    assert d.reason is Reason.UNKNOWN_CARD


@pytest.mark.parametrize("status,fr,en", [("lost", "Badge bloqué (déclaré perdu)", "Badge blocked (reported lost)"),
                                          ("blocked", "Badge bloqué (bloqué)", "Badge blocked (blocked)"),
                                          ("stolen", "Badge bloqué (déclaré volé)", "Badge blocked (reported stolen)")])
def test_lost_or_blocked_card_is_refused(status, fr, en):
    d = decide(UID, paris(MONDAY), snap(card_status=status))
    assert not d.accepted and d.reason is Reason.CARD_BLOCKED
    assert d.person is not None  # staff see whose card it is
    assert d.message("fr") == fr and d.message("en") == en


# -- 2. the person -------------------------------------------------------------------------------

def test_archived_person_is_inactive():
    d = decide(UID, paris(MONDAY), snap(person(status="archived")))
    assert d.reason is Reason.PERSON_INACTIVE
    assert d.message("fr") == "Inscription inactive" and d.message("en") == "Registration inactive"


def test_person_leaving_today_still_eats_today():
    assert decide(UID, paris(MONDAY), snap(person(leaving=MONDAY))).reason is Reason.OK


def test_person_who_left_yesterday_is_inactive():
    assert decide(UID, paris(MONDAY), snap(person(leaving=MONDAY - timedelta(days=1)))).reason \
        is Reason.PERSON_INACTIVE


def test_person_arriving_tomorrow_is_not_yet_active_but_arriving_today_is():
    assert decide(UID, paris(MONDAY), snap(person(arrival=MONDAY + timedelta(days=1)))).reason \
        is Reason.PERSON_INACTIVE
    assert decide(UID, paris(MONDAY), snap(person(arrival=MONDAY))).reason is Reason.OK


def test_leaving_date_is_a_local_date_not_a_utc_one():
    # 00:30 on Tuesday in Paris is still Monday in UTC: a pupil who left on Monday is inactive
    night = ServiceInfo("nuit", "Veille", time(0, 0), time(1, 0), frozenset(range(7)))
    s = snap(person(leaving=MONDAY), the_site=site(services=(night,)))
    d = decide(UID, paris(MONDAY + timedelta(days=1), 0, 30), s)
    assert d.local_date == MONDAY + timedelta(days=1) and d.reason is Reason.PERSON_INACTIVE


# -- 3. the service window, to the second ---------------------------------------------------------

@pytest.mark.parametrize("h,mi,s,open_", [(11, 14, 59, False), (11, 15, 0, True), (12, 0, 0, True),
                                          (13, 44, 59, True), (13, 45, 0, False), (13, 46, 0, False)])
def test_service_boundaries(h, mi, s, open_):
    d = decide(UID, paris(MONDAY, h, mi, s), snap())
    assert d.accepted is open_
    assert d.reason is (Reason.OK if open_ else Reason.NO_SERVICE)


def test_before_the_service_the_message_names_the_next_one():
    d = decide(UID, paris(MONDAY, 11, 14, 59), snap())
    assert d.service is None
    assert d.message("fr") == "Aucun service en cours — prochain : Déjeuner à 11:15"
    assert d.message("en") == "No service open — next: Déjeuner at 11:15"


def test_after_the_last_service_there_is_no_next_one():
    d = decide(UID, paris(MONDAY, 13, 45), snap())
    assert d.message("fr") == "Aucun service en cours" and d.message("en") == "No service open"


def test_no_service_on_a_weekday_the_service_does_not_run():
    assert decide(UID, paris(date(2026, 11, 28)), snap()).reason is Reason.NO_SERVICE  # Saturday


def test_several_services_pick_the_open_one():
    breakfast = ServiceInfo("petit-dejeuner", "Petit-déjeuner", time(7, 0), time(8, 0), frozenset(range(5)))
    s = snap(ticket(), balance_cents=5000, the_site=site(services=(breakfast, LUNCH)))
    assert decide(UID, paris(MONDAY, 7, 30), s).service == breakfast
    assert decide(UID, paris(MONDAY, 12, 0), s).service == LUNCH
    between = decide(UID, paris(MONDAY, 9, 0), s)
    assert between.reason is Reason.NO_SERVICE
    assert between.message("fr").endswith("prochain : Déjeuner à 11:15")


def test_site_time_zone_is_used_not_utc():
    # 11:00 UTC is 12:00 in Paris (open) but 07:00 in Guadeloupe (closed)
    at = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert decide(UID, at, snap()).reason is Reason.OK
    assert decide(UID, at, snap(the_site=site(tz="America/Guadeloupe"))).reason is Reason.NO_SERVICE


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        decide(UID, datetime(2026, 11, 23, 12, 0), snap())


# -- midnight and DST ----------------------------------------------------------------------------

EVERY_DAY = replace(LUNCH, weekdays=frozenset(range(7)))
NIGHT = ServiceInfo("nuit", "Collation de nuit", time(0, 0), time(1, 0), frozenset(range(7)))


def test_midnight_belongs_to_the_new_local_day():
    s = snap(ticket(), balance_cents=5000, the_site=site(services=(NIGHT,)))
    # Sunday 22 Nov 23:00 UTC is Monday 00:00 in Paris
    d = decide(UID, datetime(2026, 11, 22, 23, 0, tzinfo=UTC), s)
    assert d.accepted and d.local_date == MONDAY and d.service == NIGHT
    before = decide(UID, datetime(2026, 11, 22, 22, 59, 59, tzinfo=UTC), s)
    assert before.reason is Reason.NO_SERVICE and before.local_date == date(2026, 11, 22)


@pytest.mark.parametrize("day,utc_open", [
    (date(2027, 3, 28), 9),    # last Sunday of March: CEST (UTC+2) from 02:00
    (date(2026, 10, 25), 10),  # last Sunday of October: back to CET (UTC+1) at 03:00
    (date(2027, 3, 27), 10),   # the day before, still winter time
    (date(2026, 10, 24), 9),   # the day before, still summer time
])
def test_dst_days_open_at_11_15_local(day, utc_open):
    s = snap(ticket(), balance_cents=5000, the_site=site(services=(EVERY_DAY,)))
    opens = datetime(day.year, day.month, day.day, utc_open, 15, tzinfo=UTC)
    assert decide(UID, opens, s).reason is Reason.OK
    assert decide(UID, opens - timedelta(seconds=1), s).reason is Reason.NO_SERVICE
    closes = opens + timedelta(hours=2, minutes=30)
    assert decide(UID, closes - timedelta(seconds=1), s).reason is Reason.OK
    assert decide(UID, closes, s).reason is Reason.NO_SERVICE


def test_dst_day_already_served_shows_local_summer_time():
    day = date(2027, 3, 28)
    s = snap(ticket(), balance_cents=5000, the_site=site(services=(EVERY_DAY,)),
             served=(ServedInfo("p-1", datetime(2027, 3, 28, 10, 3, tzinfo=UTC), "self 2"),))
    d = decide(UID, datetime(2027, 3, 28, 10, 30, tzinfo=UTC), s)
    assert d.local_date == day and d.message("fr") == "Déjà passé à 12:03 (self 2)"


# -- 4. closed days ------------------------------------------------------------------------------

@pytest.mark.parametrize("day,name", [
    (date(2026, 11, 11), "Armistice 1918"),     # a Wednesday
    (date(2027, 3, 29), "Lundi de Pâques"),
    (date(2027, 5, 6), "Ascension"),
    (date(2027, 5, 17), "Lundi de Pentecôte"),
    (date(2027, 1, 1), "Jour de l'an"),
    (date(2026, 12, 25), "Noël"),
])
def test_public_holidays_close_the_canteen(day, name):
    d = decide(UID, paris(day), snap(ticket(), balance_cents=5000))
    assert d.reason is Reason.CLOSED_DAY
    assert d.message("fr") == f"Cantine fermée aujourd'hui : {name}"
    assert d.message("en") == f"Canteen closed today: {name}"


def test_good_friday_and_26_december_close_only_in_alsace_moselle():
    good_friday, st_stephen = date(2027, 3, 26), date(2025, 12, 26)  # a Friday each
    pupil = person(arrival=None)
    for day in (good_friday, st_stephen):
        assert decide(UID, paris(day), snap(pupil)).reason is Reason.OK
        d = decide(UID, paris(day), snap(pupil, the_site=site({"alsace_moselle": "true"})))
        assert d.reason is Reason.CLOSED_DAY
    assert "Vendredi saint" in decide(UID, paris(good_friday), snap(the_site=site({"alsace_moselle": "1"}))).message()


def test_closure_range_is_inclusive_at_both_ends():
    first, last = date(2026, 12, 1), date(2026, 12, 3)  # Tuesday to Thursday
    closures = ((first, last, "Grève du personnel"),)
    assert decide(UID, paris(first - timedelta(days=1)), snap(closures=closures)).reason is Reason.OK
    for day in (first, last):
        d = decide(UID, paris(day), snap(closures=closures))
        assert d.reason is Reason.CLOSED_DAY and d.message() == "Cantine fermée aujourd'hui : Grève du personnel"
    assert decide(UID, paris(last + timedelta(days=1)), snap(closures=closures)).reason is Reason.OK


def test_closure_without_label_still_says_why():
    d = decide(UID, paris(MONDAY), snap(closures=((MONDAY, MONDAY, ""),)))
    assert d.reason is Reason.CLOSED_DAY and d.message() == "Cantine fermée aujourd'hui : fermeture"


# -- 5. oppositions ------------------------------------------------------------------------------

def opposition(start: datetime, end: datetime, motive="Absent (vie scolaire)", source="absence"):
    return OppositionInfo(start.astimezone(UTC), end.astimezone(UTC), motive, source)


def test_opposition_covering_the_instant_refuses_with_its_motive():
    s = snap(oppositions=(opposition(paris(MONDAY, 0), paris(MONDAY + timedelta(days=1), 0)),))
    d = decide(UID, paris(MONDAY), s)
    assert d.reason is Reason.OPPOSITION
    assert d.message("fr") == "Accès suspendu : Absent (vie scolaire)"
    assert d.message("en") == "Access suspended: Absent (vie scolaire)"


def test_opposition_ending_today_at_noon_is_an_instant_boundary():
    s = snap(oppositions=(opposition(paris(MONDAY, 0), paris(MONDAY, 12)),))
    assert decide(UID, paris(MONDAY, 11, 59, 59), s).reason is Reason.OPPOSITION
    assert decide(UID, paris(MONDAY, 12, 0, 0), s).reason is Reason.OK


def test_opposition_ending_at_midnight_before_today_no_longer_applies():
    s = snap(oppositions=(opposition(paris(MONDAY - timedelta(days=3), 0), paris(MONDAY, 0)),))
    assert decide(UID, paris(MONDAY, 11, 15), s).reason is Reason.OK


def test_opposition_starting_later_today_does_not_apply_yet():
    s = snap(oppositions=(opposition(paris(MONDAY, 12, 30), paris(MONDAY + timedelta(days=1), 0)),))
    assert decide(UID, paris(MONDAY, 12, 29), s).reason is Reason.OK
    assert decide(UID, paris(MONDAY, 12, 30), s).reason is Reason.OPPOSITION


def test_opposition_without_motive_shows_its_source():
    s = snap(oppositions=(opposition(paris(MONDAY, 0), paris(MONDAY, 23), motive="", source="unpaid"),))
    assert decide(UID, paris(MONDAY), s).message() == "Accès suspendu : unpaid"


# -- 6. already served ---------------------------------------------------------------------------

def test_second_passage_at_another_station_is_refused_with_when_and_where():
    s = snap(served=(served(paris(MONDAY, 12, 3), "self 2"),))
    d = decide(UID, paris(MONDAY, 12, 9), s)
    assert d.reason is Reason.ALREADY_SERVED
    assert d.message("fr") == "Déjà passé à 12:03 (self 2)"
    assert d.message("en") == "Already served at 12:03 (self 2)"
    assert d.details["served_passage"] == "p-1"


def test_already_served_names_the_latest_passage():
    s = snap(served=(served(paris(MONDAY, 12, 20), "self 2", "late"), served(paris(MONDAY, 11, 40), "self-1", "early")),
             the_site=site({"category.eleve.max_passages_per_service": "2"}))
    d = decide(UID, paris(MONDAY, 12, 30), s)
    assert d.reason is Reason.ALREADY_SERVED and d.message() == "Déjà passé à 12:20 (self 2)"


def test_category_allowed_two_passages():
    s = site({"category.commensal.max_passages_per_service": "2"})
    adult = ticket(50, category="commensal")
    once = snap(adult, the_site=s, balance_cents=5000, served=(served(paris(MONDAY, 11, 30)),))
    d = decide(UID, paris(MONDAY, 12, 30), once)
    assert d.accepted and d.price_cents == 520
    twice = replace(once, served=once.served + (served(paris(MONDAY, 12, 30), pid="p-2"),))
    assert decide(UID, paris(MONDAY, 13), twice).reason is Reason.ALREADY_SERVED
    # the pupils of the same site still pass once
    pupil = snap(the_site=s, served=(served(paris(MONDAY, 11, 30)),))
    assert decide(UID, paris(MONDAY, 12), pupil).reason is Reason.ALREADY_SERVED


def test_nothing_served_yet_means_first_meal():
    assert decide(UID, paris(MONDAY), snap(served=())).reason is Reason.OK


# -- 7. entitlement: forfait ---------------------------------------------------------------------

def test_forfait_on_a_registered_day_is_free_at_the_station():
    d = decide(UID, paris(MONDAY), snap(balance_cents=0))
    assert d.accepted and d.price_cents == 0 and d.balance_after_cents == 0 and d.warnings == ()
    assert d.message("fr") == "Bon appétit, Léa !" and d.message("en") == "Enjoy your meal, Léa!"


def test_forfait_off_day_is_refused_by_default():
    d = decide(UID, paris(WEDNESDAY), snap())
    assert d.reason is Reason.NOT_REGISTERED_TODAY
    assert d.message("fr") == "Pas inscrit le mercredi" and d.message("en") == "Not registered on Wednesdays"
    assert d.would_charge_cents == 395  # an override charges a meal


def test_forfait_off_day_charged_as_ticket_where_the_site_allows_it():
    s = site({"forfait_off_day": "ticket"})
    d = decide(UID, paris(WEDNESDAY), snap(the_site=s, balance_cents=800))
    assert d.accepted and d.price_cents == 395 and d.balance_after_cents == 405
    assert "charged_as_ticket" in d.warnings and "low_balance" in d.warnings
    assert "Jour hors forfait : repas facturé 3,95" in d.warning_messages("fr")[0]


def test_forfait_off_day_as_ticket_still_needs_the_money():
    s = site({"forfait_off_day": "ticket"})
    d = decide(UID, paris(WEDNESDAY), snap(the_site=s, balance_cents=100))
    assert d.reason is Reason.INSUFFICIENT_BALANCE


def test_five_day_forfait_eats_on_wednesday():
    assert decide(UID, paris(WEDNESDAY), snap(person(days="mon,tue,wed,thu,fri"))).reason is Reason.OK


def test_person_without_a_plan_is_not_registered():
    d = decide(UID, paris(MONDAY), snap(person(plan="none")))
    assert d.reason is Reason.NOT_REGISTERED_TODAY and d.message() == "Pas inscrit le lundi"


# -- 7. entitlement: reservation -----------------------------------------------------------------

def reserving(**kw) -> PersonInfo:
    return person(44, plan="reservation", category="eleve-ticket", **kw)


def test_prepaid_reservation_costs_nothing_at_the_station():
    d = decide(UID, paris(MONDAY), snap(reserving(), has_reservation=True, balance_cents=0))
    assert d.accepted and d.price_cents == 0 and d.balance_after_cents == 0


def test_reservation_not_prepaid_is_charged_at_the_station():
    s = site({"reservation_prepaid": "false"})
    d = decide(UID, paris(MONDAY), snap(reserving(), has_reservation=True, balance_cents=1000, the_site=s))
    assert d.accepted and d.price_cents == 420 and d.balance_after_cents == 580
    poor = decide(UID, paris(MONDAY), snap(reserving(), has_reservation=True, balance_cents=100, the_site=s))
    assert poor.reason is Reason.INSUFFICIENT_BALANCE


def test_no_reservation_is_refused_by_default():
    d = decide(UID, paris(MONDAY), snap(reserving(), has_reservation=False, balance_cents=5000))
    assert d.reason is Reason.NO_RESERVATION
    assert d.message("fr") == "Pas de réservation aujourd'hui" and d.message("en") == "No reservation today"


def test_no_reservation_accepted_with_the_surcharge_where_allowed():
    s = site({"no_reservation": "surcharge", "unreserved_surcharge_cents": "100"})
    d = decide(UID, paris(MONDAY), snap(reserving(), has_reservation=False, balance_cents=5000, the_site=s))
    assert d.accepted and d.price_cents == 520 and d.balance_after_cents == 4480
    assert d.warnings == ("unreserved_surcharge",)
    assert d.warning_messages("fr") == ["Repas non réservé : majoration 1,00\u00a0€"]
    assert d.warning_messages("en") == ["Unreserved meal: surcharge €1.00"]


def test_unreserved_surcharge_counts_against_the_balance():
    s = site({"no_reservation": "surcharge", "unreserved_surcharge_cents": "100"})
    d = decide(UID, paris(MONDAY), snap(reserving(), has_reservation=False, balance_cents=500, the_site=s))
    assert d.reason is Reason.INSUFFICIENT_BALANCE


# -- 7. entitlement: ticket ----------------------------------------------------------------------

def test_ticket_meal_is_paid_from_the_balance():
    d = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=5000))
    assert d.accepted and d.price_cents == 420 and d.balance_after_cents == 4580 and d.warnings == ()


def test_ticket_balance_exactly_the_price_is_enough():
    d = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=420))
    assert d.accepted and d.balance_after_cents == 0 and d.warnings == ("low_balance",)


def test_insufficient_balance_message():
    d = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=120))
    assert d.reason is Reason.INSUFFICIENT_BALANCE and d.balance_after_cents == 120
    assert d.message("fr") == "Solde insuffisant : 1,20\u00a0€"
    assert d.message("en") == "Insufficient balance: €1.20"


def test_overdraft_exactly_at_the_limit_is_accepted_one_cent_more_is_not():
    s = site({"overdraft_cents": "400"})
    d = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=20, the_site=s))  # 20 - 420 = -400
    assert d.accepted and d.balance_after_cents == -400 and d.warnings == ("negative_balance",)
    assert decide(UID, paris(MONDAY), snap(ticket(), balance_cents=19, the_site=s)).reason \
        is Reason.INSUFFICIENT_BALANCE


def test_overdraft_is_per_category():
    s = site({"category.commensal.overdraft_cents": "1000"})
    adult = ticket(50, category="commensal")
    assert decide(UID, paris(MONDAY), snap(adult, balance_cents=0, the_site=s)).accepted
    assert decide(UID, paris(MONDAY), snap(ticket(), balance_cents=0, the_site=s)).reason \
        is Reason.INSUFFICIENT_BALANCE


def test_meals_on_credit_limit():
    s = site({"overdraft_cents": "5000", "max_meals_on_credit": "1"})
    first = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=0, the_site=s))
    assert first.accepted and first.balance_after_cents == -420
    second = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=-420, the_site=s))
    assert second.reason is Reason.INSUFFICIENT_BALANCE
    # a partly covered meal counts as one meal on credit
    assert decide(UID, paris(MONDAY), snap(ticket(), balance_cents=100, the_site=s)).accepted


def test_no_meal_on_credit_at_all():
    s = site({"overdraft_cents": "5000", "max_meals_on_credit": "0"})
    assert decide(UID, paris(MONDAY), snap(ticket(), balance_cents=419, the_site=s)).reason \
        is Reason.INSUFFICIENT_BALANCE
    assert decide(UID, paris(MONDAY), snap(ticket(), balance_cents=420, the_site=s)).accepted


def test_low_balance_warning_never_refuses():
    s = site({"low_balance_cents": "800"})
    d = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=1000, the_site=s))
    assert d.accepted and d.warnings == ("low_balance",)
    assert d.warning_messages("fr") == ["Solde bas : 5,80\u00a0€"]
    assert d.warning_messages("en") == ["Low balance: €5.80"]
    rich = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=1220, the_site=s))
    assert rich.warnings == ()


def test_price_falls_back_to_the_default_tariff_then_to_zero():
    guest = ticket(60, category="passager")
    d = decide(UID, paris(MONDAY), snap(guest, balance_cents=1000, the_site=site(prices={"default": 700})))
    assert d.price_cents == 700
    free = decide(UID, paris(MONDAY), snap(guest, balance_cents=0, the_site=site(prices={})))
    assert free.accepted and free.price_cents == 0


# -- the order of the rules ----------------------------------------------------------------------

def test_rules_apply_in_the_order_a_canteen_expects():
    """Start from a read that breaks every rule; fixing them one at a time reveals the next."""
    s = site({"overdraft_cents": "0"})
    bad = snap(ticket(leaving=MONDAY - timedelta(days=1)), card_status="lost", the_site=s, balance_cents=0,
               closures=((MONDAY, MONDAY, "Sortie scolaire"),),
               oppositions=(opposition(paris(MONDAY, 0), paris(MONDAY, 23)),),
               served=(served(paris(MONDAY, 11, 20)),))
    at_closed_hour = paris(MONDAY, 10, 0)
    expected = [Reason.CARD_BLOCKED, Reason.PERSON_INACTIVE, Reason.NO_SERVICE, Reason.CLOSED_DAY,
                Reason.OPPOSITION, Reason.ALREADY_SERVED, Reason.INSUFFICIENT_BALANCE, Reason.OK]
    fixes = [lambda x, at: (replace(x, card=replace(x.card, status="active")), at),
             lambda x, at: (replace(x, person=replace(x.person, leaving_date=None)), at),
             lambda x, at: (x, paris(MONDAY, 12, 0)),
             lambda x, at: (replace(x, closures=()), at),
             lambda x, at: (replace(x, oppositions=()), at),
             lambda x, at: (replace(x, served=()), at),
             lambda x, at: (replace(x, balance_cents=1000), at)]
    current, at = bad, at_closed_hour
    seen = [decide(UID, at, current).reason]
    for fix in fixes:
        current, at = fix(current, at)
        seen.append(decide(UID, at, current).reason)
    assert seen == expected


def test_unknown_card_wins_over_everything():
    assert decide(UID, paris(date(2026, 12, 25), 3), Snapshot(site=site())).reason is Reason.UNKNOWN_CARD


# -- forgotten badge and overrides ---------------------------------------------------------------

def test_forgotten_badge_decides_without_a_card():
    s = Snapshot(site=site(), person=person())
    d = decide(None, paris(MONDAY), s, kind=PassageKind.FORGOTTEN)
    assert d.accepted and d.kind is PassageKind.FORGOTTEN and d.card_uid is None


def test_forgotten_badge_without_a_person_is_unknown():
    d = decide(None, paris(MONDAY), Snapshot(site=site()), kind=PassageKind.FORGOTTEN)
    assert d.reason is Reason.UNKNOWN_CARD


def test_override_of_insufficient_balance_charges_the_meal():
    refused = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=120))
    d = override(refused, staff_id=1, motive="  top-up promised  ")
    assert d.accepted and d.kind is PassageKind.OVERRIDE and d.price_cents == 420
    assert d.balance_after_cents == -300 and d.warnings == ("negative_balance",)
    assert d.details == {"staff_id": 1, "motive": "top-up promised", "overrides_reason": "insufficient_balance"}


def test_override_of_a_forfait_second_meal_is_free():
    refused = decide(UID, paris(MONDAY, 12, 30), snap(served=(served(paris(MONDAY, 12)),)))
    d = override(refused, staff_id=1, motive="plateau renversé")
    assert d.accepted and d.price_cents == 0 and d.warnings == ()


@pytest.mark.parametrize("motive", ["", "   "])
def test_override_needs_a_motive(motive):
    refused = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=0))
    with pytest.raises(ValueError):
        override(refused, staff_id=1, motive=motive)


def test_override_refuses_an_acceptance_and_an_unknown_badge():
    with pytest.raises(ValueError):
        override(decide(UID, paris(MONDAY), snap()), staff_id=1, motive="x")
    with pytest.raises(ValueError):
        override(decide(UID, paris(MONDAY), Snapshot(site=site())), staff_id=1, motive="x")


# -- the JSON of `plateau check` -----------------------------------------------------------------

PROTOCOL_FIELDS = {"accepted": bool, "reason": str, "message": str, "person": (dict, type(None)),
                   "service": (str, type(None)), "price_cents": int, "balance_after_cents": (int, type(None)),
                   "warnings": list}


@pytest.mark.parametrize("make", [
    lambda: decide(UID, paris(MONDAY), snap(ticket(), balance_cents=500)),
    lambda: decide(UID, paris(MONDAY), Snapshot(site=site())),
    lambda: decide(UID, paris(MONDAY, 9), snap()),
])
def test_json_has_every_protocol_field(make):
    out = make().to_json("fr")
    for name, kind in PROTOCOL_FIELDS.items():
        assert isinstance(out[name], kind), name
    assert out["reason"] in {str(r) for r in Reason}


def test_json_of_an_acceptance():
    out = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=500)).to_json("en")
    assert out["accepted"] is True and out["reason"] == "ok" and out["service"] == "dejeuner"
    assert out["price_cents"] == 420 and out["balance_after_cents"] == 80 and out["warnings"] == ["low_balance"]
    assert out["person"]["first_name"] == "Léa" and out["person"]["class"] == "5eB"
    assert out["message"] == "Enjoy your meal, Léa!"
    assert out["at"].endswith("+01:00") and out["local_date"] == "2026-11-23"


def test_unknown_language_falls_back_to_french():
    assert decide(UID, paris(MONDAY), Snapshot(site=site())).message("de") == "Badge inconnu"


@pytest.mark.parametrize("make", [
    lambda: snap(ticket(), card_status="lost", balance_cents=1000),
    lambda: snap(ticket(status="archived"), balance_cents=1000),
    lambda: snap(ticket(), balance_cents=1000, closures=((MONDAY, MONDAY, "Grève"),)),
])
def test_override_of_any_refusal_charges_a_ticket_meal_as_a_ticket_meal(make):
    refused = decide(UID, paris(MONDAY), make())
    assert not refused.accepted and refused.would_charge_cents == 420
    d = override(refused, staff_id=1, motive="badge perdu, élève présent")
    assert d.price_cents == 420 and d.balance_after_cents == 580


def test_negative_balance_warning_texts():
    s = site({"overdraft_cents": "1000"})
    d = decide(UID, paris(MONDAY), snap(ticket(), balance_cents=120, the_site=s))
    assert d.accepted and d.warnings == ("negative_balance",)
    assert d.warning_messages("fr") == ["Solde négatif : -3,00\u00a0€"]
    assert d.warning_messages("en") == ["Negative balance: -€3.00"]


def test_unknown_warning_code_is_shown_as_is():
    from plateau.domain.messages import warning_text

    assert warning_text("something_new", "fr") == "something_new"
