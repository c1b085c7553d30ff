"""A child's meals as a family sees them, and booking or cancelling on the family's behalf.

Every rule is the office's (`plateau.server.reservations`): the same `deadline`, `cutoff_refusal`
and `closed_refusal` say what each day is, and the same `book` / `cancel` do it, so the portal,
the office and the stations can never disagree. Each change made here is logged with the family
as its author (`ReservationChange`). Runs inside the caller's unit of work.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.domain.policy import policy_from_settings
from plateau.server import family_models as fm
from plateau.server import models as m
from plateau.server import reservations as rules

MAX_DAYS = 93  # a calendar answer covers at most about a quarter


def calendar(session: Session, site: m.Site, person: m.Person, first: date, last: date,
             now: datetime) -> list[dict]:
    """One entry per day and service of the site: {date, service, state, cutoff}."""
    policy = policy_from_settings(site.settings or {})
    tz = ZoneInfo(site.timezone)
    services = session.execute(select(m.Service).where(m.Service.site_id == site.id).order_by(m.Service.start,
                                                                                                m.Service.code)
                               ).scalars().all()
    booked = {(r.date, r.service) for r in session.execute(select(m.Reservation).where(
        m.Reservation.person_id == person.id, m.Reservation.date >= first, m.Reservation.date <= last)).scalars()}
    days = []
    day = first
    while day <= last:
        for service in services:
            cutoff = rules.deadline(policy, tz, day)
            closed = rules.closed_refusal(session, site, policy, service, day)
            refusal = rules.cutoff_refusal(policy, tz, now, day)
            if (day, service.code) in booked:
                state = "reserved_locked" if refusal is not None and refusal.code == "past_cutoff" else "reserved"
            elif closed is not None:
                state = "closed"
            elif refusal is not None or rules.person_refusal(person, day) is not None:
                state = "not_bookable"
            else:
                state = "bookable"
            days.append({"date": day, "service": service.code, "state": state, "cutoff": cutoff})
        day += timedelta(days=1)
    return days


def log_change(session: Session, site: m.Site, person: m.Person, day: date, service: str, action: str,
               actor: str, now: datetime, actor_kind: str = "family") -> None:
    """Record who booked (`action` book) or cancelled a meal: the family or the office."""
    session.add(fm.ReservationChange(site_id=site.id, person_id=person.id, date=day, service=service, action=action,
                                    actor_kind=actor_kind, actor=actor[:254], at=now))


def book(session: Session, site: m.Site, person: m.Person, day: date, service: str, actor: str,
         now: datetime) -> tuple[m.Reservation, bool]:
    """Book as the family `actor` (its e-mail); raises `rules.Refusal` or `store.NotFound`."""
    reservation, created = rules.book(session, site, person, day, service, now=now)
    if created:
        log_change(session, site, person, day, reservation.service, "book", actor, now)
    return reservation, created


def cancel(session: Session, site: m.Site, person: m.Person, day: date, service: str, actor: str,
           now: datetime) -> m.Reservation:
    reservation = rules.cancel(session, site, person, day, service, now=now)
    log_change(session, site, person, day, reservation.service, "cancel", actor, now)
    return reservation


def pattern_days(first: date, last: date, weekdays: frozenset[int], every_other_week: bool = False) -> list[date]:
    """The days of a week pattern ("every Monday and Thursday from D1 to D2", optionally every
    other week, counted from the week of D1)."""
    week0 = first - timedelta(days=first.weekday())
    out, day = [], first
    while day <= last:
        if day.weekday() in weekdays and (not every_other_week or ((day - week0).days // 7) % 2 == 0):
            out.append(day)
        day += timedelta(days=1)
    return out


def apply_pattern(session: Session, site: m.Site, person: m.Person, service: str, days: list[date], action: str,
                  actor: str, now: datetime) -> list[dict]:
    """Book (or cancel) each day under the same rules as one at a time; a refused day is
    reported with its reason and does not stop the others. One unit of work for all."""
    from plateau.server.store import NotFound

    results = []
    for day in days:
        try:
            if action == "book":
                _r, created = book(session, site, person, day, service, actor, now)
                results.append({"date": day, "status": "booked" if created else "already_booked"})
            else:
                cancel(session, site, person, day, service, actor, now)
                results.append({"date": day, "status": "cancelled"})
        except rules.Refusal as refusal:
            results.append({"date": day, "status": "refused", "error": refusal.code, "reason": refusal.reason})
        except NotFound:
            if action == "book":
                raise  # an unknown service: the whole request is wrong
            results.append({"date": day, "status": "not_booked"})
    return results


def changes(session: Session, person: m.Person, limit: int = 50) -> list[fm.ReservationChange]:
    """The latest booking changes of a pupil, newest first (who made them and when)."""
    return list(session.execute(select(fm.ReservationChange).where(fm.ReservationChange.person_id == person.id)
                                .order_by(fm.ReservationChange.at.desc(), fm.ReservationChange.id.desc())
                                .limit(limit)).scalars())
