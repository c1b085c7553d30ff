"""Property tests of the decision engine (hypothesis): a whole lunch of reads, replayed.

Each example is a sequence of badge reads (person, station, instant) and staff cancellations
over one or two days. Accepted passages are fed back into the next snapshot exactly as the
replica would (served this service, balance debited, cancelled passages refunded and no
longer counted). Whatever the sequence and the site's settings:

- without an override, nobody is accepted more often in one service than the category allows
  (once, by default);
- no ticket balance goes below the allowed overdraft, and no more meals are owed than allowed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plateau.domain.reasons import Reason
from plateau.domain.rules import decide
from plateau.domain.snapshot import CardInfo, ServedInfo, Snapshot
from tests.unit.test_rules import PRICES, paris, person, site

DAYS = (date(2026, 11, 23), date(2026, 11, 24))  # Monday, Tuesday
UTC = timezone.utc

plans = st.sampled_from(["ticket", "ticket", "ticket", "forfait", "forfait", "reservation", "none"])
categories = st.sampled_from(sorted(PRICES))

policies = st.fixed_dictionaries({
    "overdraft_cents": st.integers(0, 2000).map(str),
    "max_meals_on_credit": st.sampled_from(["-1", "0", "1", "2"]),
    "forfait_off_day": st.sampled_from(["refuse", "ticket"]),
    "no_reservation": st.sampled_from(["refuse", "surcharge"]),
    "unreserved_surcharge_cents": st.integers(0, 300).map(str),
    "reservation_prepaid": st.sampled_from(["true", "false"]),
    "category.commensal.max_passages_per_service": st.sampled_from(["1", "2"]),
})

people = st.lists(st.tuples(plans, categories, st.integers(-1500, 3000), st.booleans(),
                            st.sampled_from(["mon,tue,thu,fri", "mon,tue,thu,fri", "tue", "wed"])),
                  min_size=1, max_size=4)

# (person index, station, day index, minutes after 11:00, action) ; action: badge or cancel-last
events = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["self-1", "self-2"]), st.integers(0, 1),
                            st.integers(0, 170), st.sampled_from(["badge"] * 5 + ["cancel"])),
                  min_size=1, max_size=40)


class Replica:
    """The state a replica would hold for these persons: passages, balances."""

    def __init__(self, the_site, persons):
        self.site = the_site
        self.persons = persons
        self.balance = {p.id: start for p, start, _ in persons}
        self.reserved = {p.id: res for p, _, res in persons}
        self.passages: list[dict] = []  # accepted, not cancelled

    def snapshot(self, p, at: datetime, service_code: str | None, day: date) -> Snapshot:
        served = tuple(ServedInfo(x["id"], x["at"], x["station"]) for x in self.passages
                       if x["person"] == p.id and x["day"] == day and x["service"] == service_code)
        return Snapshot(site=self.site, card=CardInfo(f"C{p.id}", p.id, "active"), person=p, served=served,
                        has_reservation=self.reserved[p.id], balance_cents=self.balance[p.id])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies, who=people, reads=events)
def test_no_double_meal_and_no_balance_below_the_overdraft(policy, who, reads):
    the_site = site(policy)
    persons = [(person(i + 1, plan=plan, category=cat, days=days), start, res)
               for i, (plan, cat, start, res, days) in enumerate(who)]
    replica = Replica(the_site, persons)
    counter = 0
    for idx, station, day_idx, minutes, action in sorted(reads, key=lambda r: (r[2], r[3])):
        p = persons[idx % len(persons)][0]
        day = DAYS[day_idx]
        at = paris(day, 11, 0) + timedelta(minutes=minutes)
        if action == "cancel":
            mine = [x for x in replica.passages if x["person"] == p.id]
            if mine:
                last = mine[-1]
                replica.passages.remove(last)
                replica.balance[p.id] += last["price"]
            continue
        before = replica.balance[p.id]
        snap = replica.snapshot(p, at, None, day)
        d = decide(f"C{p.id}", at, snap)
        snap = replica.snapshot(p, at, d.service.code if d.service else None, day)
        d = decide(f"C{p.id}", at, snap)
        policy_p = the_site.policy.for_category(p.category)
        if not d.accepted:
            assert d.price_cents == 0
            continue
        assert d.reason is Reason.OK and d.service is not None
        counter += 1
        replica.passages.append({"id": f"p{counter}", "person": p.id, "day": day, "service": d.service.code,
                                 "at": at.astimezone(UTC), "station": station, "price": d.price_cents})
        replica.balance[p.id] -= d.price_cents
        assert d.balance_after_cents == replica.balance[p.id]
        # property 1: never more meals in one service than the category allows
        same = [x for x in replica.passages
                if x["person"] == p.id and x["day"] == day and x["service"] == d.service.code]
        assert len(same) <= policy_p.max_passages_per_service
        # property 2: a charged meal never takes the balance below the overdraft
        if d.price_cents > 0:
            assert replica.balance[p.id] >= -policy_p.overdraft_cents
            if policy_p.max_meals_on_credit >= 0 and replica.balance[p.id] < 0:
                owed = -(replica.balance[p.id] // d.price_cents)  # ceil(-balance / price)
                assert owed <= policy_p.max_meals_on_credit
        else:
            assert replica.balance[p.id] == before


@settings(max_examples=100, deadline=None)
@given(balance=st.integers(-5000, 5000), price=st.integers(0, 2000), overdraft=st.integers(0, 3000),
       credit=st.integers(-1, 3))
def test_ticket_decision_matches_the_overdraft_rule(balance, price, overdraft, credit):
    the_site = site({"overdraft_cents": str(overdraft), "max_meals_on_credit": str(credit)},
                    prices={"eleve-ticket": price})
    p = person(1, plan="ticket", category="eleve-ticket")
    d = decide("C1", paris(DAYS[0]), Snapshot(site=the_site, card=CardInfo("C1", 1, "active"), person=p,
                                              balance_cents=balance))
    after = balance - price
    allowed = after >= -overdraft
    if credit >= 0 and after < 0 and price > 0:
        allowed = allowed and -(after // price) <= credit
    assert d.accepted is allowed
    assert d.reason is (Reason.OK if allowed else Reason.INSUFFICIENT_BALANCE)
    if allowed:
        assert d.balance_after_cents == after
    else:
        assert d.balance_after_cents == balance  # a refusal shows the balance untouched


@settings(max_examples=60, deadline=None)
@given(minutes=st.integers(0, 24 * 60 - 1), day=st.dates(date(2026, 1, 1), date(2028, 12, 31)))
def test_service_window_is_exactly_start_inclusive_end_exclusive(minutes, day):
    at = paris(day, 0, 0) + timedelta(minutes=minutes)
    local = at.astimezone(paris(day).tzinfo)
    p = replace(person(1, plan="ticket", category="eleve-ticket"), arrival_date=None)
    d = decide("C1", at, Snapshot(site=site(), card=CardInfo("C1", 1, "active"), person=p, balance_cents=10_000))
    hm = (local.hour, local.minute)
    open_ = local.weekday() < 5 and (11, 15) <= hm < (13, 45)
    assert (d.reason is not Reason.NO_SERVICE) is open_
