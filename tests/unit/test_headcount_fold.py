"""The live headcount (`HeadcountFold`) equals the full computation (`compute`) after any series of
passages, cancels and overrides, arriving in any order and in batches of any size, double passages
(the same pupil served by two offline stations) included."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from plateau.domain.policy import CategoryPolicy, SitePolicy
from plateau.domain.services import ServiceInfo
from plateau.reports.headcount import DayData, compute
from plateau.reports.headcount_fold import HeadcountFold

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 11, 26)   # a Thursday
LUNCH = ServiceInfo("dejeuner", "Déjeuner", time(11, 15), time(13, 45))
DINNER = ServiceInfo("diner", "Dîner", time(18, 45), time(19, 30), frozenset({0, 1, 2}))   # not on Thursdays
# commensals may pass twice per service (staff on duty): a third passage is their double
POLICY = SitePolicy(categories={"commensal": CategoryPolicy(max_passages_per_service=2)})
REASONS = ("no_reservation", "insufficient_balance", "already_served", "opposition", "unknown_card")


def _persons(rng: random.Random) -> dict[int, dict]:
    out = {}
    for pid in range(1, 41):
        plan = rng.choice(["forfait", "ticket", "reservation"])
        out[pid] = {"id": pid, "external_id": f"E{pid}", "last_name": rng.choice(["ÉLIE", "BRUN", "Bénard"]),
                    "first_name": f"P{pid}", "class_name": rng.choice(["6A", "6B", "5A", None]),
                    "category": rng.choice(["eleve", "commensal"]), "regime": None, "plan": plan,
                    "forfait_days": "mon,tue,thu,fri" if plan == "forfait" else None,
                    "status": "active" if pid % 13 else "archived", "arrival_date": None, "leaving_date": None,
                    "photo": None}
    return out


def _day(rng: random.Random, persons: dict, passages: list[dict]) -> DayData:
    reservations = [{"person_id": pid, "date": DAY.isoformat(), "service": "dejeuner"}
                    for pid, p in persons.items() if p["plan"] == "reservation" and rng.random() < 0.7]
    opposed = rng.sample(sorted(persons), 3)
    start = datetime.combine(DAY, time(8), PARIS)
    oppositions = [{"id": f"o{pid}", "person_id": pid, "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=8)).isoformat(), "motive": "Absent", "source": "absence"}
                   for pid in opposed]
    return DayData("0691234X", "Collège", "Europe/Paris", DAY, [LUNCH, DINNER], POLICY, persons,
                   reservations=reservations, oppositions=oppositions, passages=passages,
                   staff={1: "Mme Martin", 2: "M. Durand"})


def _series(rng: random.Random, n: int) -> list[dict]:
    """A lunch: badges accepted or refused, forgotten badges, overrides of refusals, cancels (at most
    one per passage, as the server's push allows), unknown badges, stray services and days, and
    doubles: a pupil served at one station then accepted again at the other, offline, seconds later."""
    out: list[dict] = []
    t = datetime.combine(DAY, time(11, 20), PARIS)
    for i in range(n):
        t += timedelta(seconds=rng.randint(0, 40))
        at = t.astimezone(timezone.utc).isoformat()
        pid = rng.choice([None] + list(range(1, 45)))   # 41..44: persons the site does not know
        base = {"id": f"{i:04d}-{rng.randrange(10**6):06d}", "station": rng.choice(["self-1", "self-2"]), "at": at,
                "local_date": DAY.isoformat(), "service": rng.choice(["dejeuner"] * 8 + ["diner", None, "gouter"]),
                "card_uid": None, "person_id": pid, "kind": "badge", "accepted": True, "reason": "ok",
                "price_cents": 0, "balance_after_cents": None, "staff_id": None, "motive": None, "ref": None,
                "warnings": [], "medium": rng.choice(["card", "card", "phone"])}
        roll = rng.random()
        refused = [p for p in out if not p["accepted"]]
        served = [p for p in out if p["accepted"] and p["kind"] != "cancel"
                  and not any(c["kind"] == "cancel" and c["ref"] == p["id"] for c in out)]
        if roll < 0.06:
            base["local_date"] = (DAY - timedelta(days=1)).isoformat()   # another day: not counted
        if roll < 0.3:
            base.update(accepted=False, reason=rng.choice(REASONS), person_id=None if rng.random() < 0.2 else pid)
        elif roll < 0.45 and refused:
            target = rng.choice(refused)
            base.update(kind="override", ref=target["id"], person_id=target["person_id"], service=target["service"],
                        staff_id=rng.choice([1, 2, 3]), motive="Oubli")
        elif roll < 0.6 and served:
            target = rng.choice(served)
            base.update(kind="cancel", ref=target["id"], person_id=target["person_id"], service=target["service"],
                        price_cents=0, staff_id=rng.choice([1, 2]), motive="Erreur")
        elif roll < 0.7:
            base.update(kind="forgotten", staff_id=1)
        elif roll < 0.85 and served:
            target = rng.choice(served)
            base.update(person_id=target["person_id"], service=target["service"], local_date=target["local_date"],
                        station="self-2" if target["station"] == "self-1" else "self-1",
                        price_cents=rng.choice([0, 350]))
        out.append(base)
    return out


@pytest.mark.parametrize("seed", range(12), ids=lambda s: f"seed{s}")
def test_folding_passages_in_any_order_gives_the_full_computation(seed):
    rng = random.Random(seed)
    persons = _persons(rng)
    series = _series(rng, rng.randint(20, 160))
    arrival = series[:]
    rng.shuffle(arrival)              # pushes from several stations: a cancel may come before its passage
    first = rng.randint(0, len(arrival) // 3)
    fold = HeadcountFold(_day(random.Random(seed), persons, arrival[:first]))
    known = arrival[:first]
    i = first
    while i < len(arrival):
        batch = arrival[i:i + rng.choice([1, 1, 2, 5, 17])]
        resent = rng.sample(known, min(len(known), rng.randint(0, 2)))   # a batch sent again
        fold.add(batch + resent)
        known += batch
        i += len(batch)
        full = compute(_day(random.Random(seed), persons, known))
        assert fold.result().to_json() == full.to_json(), f"after {i} passages"
        assert fold.passages == sum(p["local_date"] == DAY.isoformat() for p in known)


def test_the_generated_days_hold_double_passages():
    """The property above is only worth something if the series do hold doubles, cancelled ones too."""
    doubles = 0
    for seed in range(12):
        rng = random.Random(seed)
        persons = _persons(rng)
        series = _series(rng, rng.randint(20, 160))
        doubles += compute(_day(random.Random(seed), persons, series)).doubles
    assert doubles >= 12


def test_a_result_is_not_changed_by_later_passages():
    rng = random.Random(99)
    persons = _persons(rng)
    series = _series(rng, 60)
    fold = HeadcountFold(_day(random.Random(99), persons, series[:30]))
    before = fold.result()
    frozen = before.to_json()
    fold.add(series[30:])
    assert before.to_json() == frozen
    assert fold.result().to_json() == compute(_day(random.Random(99), persons, series)).to_json()
