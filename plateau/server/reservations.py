"""Booking and cancelling meals with the site's cutoffs (family portal and office path).

`cutoff_refusal` is pure: given the site's policy, its time zone, the current instant and the
meal's day, it says why booking or cancelling is no longer (or not yet) possible, or None.
Modes of `SitePolicy.cutoff_mode`:
- ``day_before``: until the day before at `cutoff_time` (``00:00`` means the midnight that
  starts the meal's day, i.e. all of the day before);
- ``same_day``: until `cutoff_time` on the meal's day;
- ``days_ahead``: until `cutoff_days` days before at `cutoff_time` ("before Friday noon for
  Monday" is 3 days ahead at 12:00).
And always: not beyond today + `booking_horizon_days`; never on a closed day (public holiday,
closure, a weekday the service does not run); never for an inactive person. The same cutoff
applies to cancelling: past it, a booked meal can no longer be cancelled.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.domain.holidays import holiday_name
from plateau.domain.policy import SitePolicy, policy_from_settings
from plateau.domain.services import parse_weekdays
from plateau.server import feed, ledger, store, store_days
from plateau.server import models as m
from plateau.server.wording import Said


class Refusal(Exception):
    """Why a booking or a cancellation is refused: the API's stable `code`, and `said` (the
    sentence for a person, worded in English for the API's `reason`, in the page's language by
    the office)."""

    def __init__(self, code: str, said: Said):
        super().__init__(str(said))
        self.code, self.said, self.reason = code, said, str(said)


def deadline(policy: SitePolicy, tz: ZoneInfo, day: date) -> datetime:
    """The last instant (exclusive) at which the meal of `day` may be booked or cancelled."""
    clock = policy.cutoff_clock
    if policy.cutoff_mode == "same_day":
        return datetime.combine(day, clock, tz)
    if policy.cutoff_mode == "days_ahead":
        return datetime.combine(day - timedelta(days=policy.cutoff_days), clock, tz)
    if clock == time(0):  # day_before at midnight: the whole day before
        return datetime.combine(day, time(0), tz)
    return datetime.combine(day - timedelta(days=1), clock, tz)


def cutoff_refusal(policy: SitePolicy, tz: ZoneInfo, now: datetime, day: date) -> Refusal | None:
    local_now = now.astimezone(tz)
    today = local_now.date()
    if day > today + timedelta(days=policy.booking_horizon_days):
        return Refusal("beyond_horizon", Said("booking_beyond_horizon", days=policy.booking_horizon_days,
                                              day=day.isoformat()))
    limit = deadline(policy, tz, day)
    if now >= limit:
        when = limit.astimezone(tz)
        return Refusal("past_cutoff", Said("booking_past_cutoff", day=day.isoformat(), weekday=when.weekday(),
                                           closed=f"{when:%d/%m/%Y}", at=f"{when:%H:%M}"))
    return None


def closed_refusal(session: Session, site: m.Site, policy: SitePolicy, service: m.Service,
                   day: date) -> Refusal | None:
    if day.weekday() not in parse_weekdays(service.weekdays):
        return Refusal("closed_day", Said("booking_service_not_that_day", service=service.label,
                                          weekday=day.weekday()))
    name = holiday_name(day, policy.alsace_moselle)
    if name:
        return Refusal("closed_day", Said("booking_public_holiday", day=day.isoformat(), name=name))
    closure = session.execute(select(m.Closure).where(m.Closure.site_id == site.id, m.Closure.first_day <= day,
                                                      m.Closure.last_day >= day)).scalars().first()
    if closure is not None:
        return Refusal("closed_day", Said("booking_closure_named", day=day.isoformat(), label=closure.label)
                       if closure.label else Said("booking_closure", day=day.isoformat()))
    return None


def person_refusal(person: m.Person, day: date) -> Refusal | None:
    if person.status != "active" or (person.leaving_date and day > person.leaving_date) \
            or (person.arrival_date and day < person.arrival_date):
        return Refusal("person_inactive", Said("booking_person_inactive",
                                               name=f"{person.first_name} {person.last_name}", day=day.isoformat()))
    return None


def book(session: Session, site: m.Site, person: m.Person, day: date, service_code: str,
         now: datetime | None = None, *, past_cutoff: bool = False) -> tuple[m.Reservation, bool]:
    """Book a meal, enforcing every rule; prepaid sites debit the price now. Raises Refusal.
    `past_cutoff`: the office may book after the families' cutoff (closed days still refuse)."""
    feed.lock_site(session, site.id)
    now = now or feed.now()
    policy = policy_from_settings(site.settings or {})
    service = store.get_service(session, site, service_code)
    existing = store_days.find_reservation(session, person.id, day, service.code)
    if existing is not None:
        return existing, False  # booking twice is harmless, even past the cutoff
    for refusal in (person_refusal(person, day), closed_refusal(session, site, policy, service, day),
                    None if past_cutoff else cutoff_refusal(policy, ZoneInfo(site.timezone), now, day)):
        if refusal is not None:
            raise refusal
    prepaid = 0
    if person.plan == "reservation" and policy.for_category(person.category).reservation_prepaid:
        prepaid = store.price_of(session, site, person.category)
    return store_days.put_reservation(session, site, person, day, service.code, prepaid_cents=prepaid)


def cancel(session: Session, site: m.Site, person: m.Person, day: date, service_code: str,
           now: datetime | None = None, *, past_cutoff: bool = False) -> m.Reservation:
    """Cancel a booking before the cutoff (`past_cutoff`: the office, after it too); a prepaid
    one is credited back. Raises Refusal/NotFound."""
    feed.lock_site(session, site.id)
    now = now or feed.now()
    policy = policy_from_settings(site.settings or {})
    service = store.get_service(session, site, service_code)
    r = store_days.find_reservation(session, person.id, day, service.code)
    if r is None:
        raise store.NotFound(Said("booking_not_found", person=person.id, day=day.isoformat(), service=service.code))
    refusal = None if past_cutoff else cutoff_refusal(policy, ZoneInfo(site.timezone), now, day)
    if refusal is not None and refusal.code == "past_cutoff":
        raise refusal
    store_days.delete_reservation(session, site, r)
    return r


def balance_of(session: Session, person_id: int) -> int:
    return ledger.balances_of(session, [person_id])[0]["balance_cents"]
