"""`reservations`: bulk bookings, one date or a week pattern per line, as the office does at
the start of a term.

Columns: ``person;date;service``. The `date` cell is one date (``2026-11-23`` or
``23/11/2026``) or a pattern:

- ``every mon,tue,thu,fri from 2026-09-07 to 2026-12-18`` (French: ``tous les lun,mar du ... au ...``)
- ``every other week mon,thu from 2026-09-07 to 2026-12-18`` (``une semaine sur deux ...``): the
  week of the first date is booked, the next one not, and so on (weeks start on Monday).

A pattern books only the days the canteen serves: not closed days (holidays, local closures,
public holidays), not days the service does not run, not days before today. A single date on
such a day is an error. A reservation-plan pupil's prepaid meal is debited at booking, as the
family portal does; booking a day already booked changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from plateau.domain.services import service_code
from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportReport
from plateau.server.imports.source import csv_rows
from plateau.server.imports.values import ValueProblem, parse_date, parse_weekday_list
from plateau.server.wording import Said

REQUIRED = ("person", "date", "service")
ALIASES = {"jour": "date", "repas": "service", "dates": "date"}
MAX_SPAN_DAYS = 400
_D = r"(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})"
_PATTERNS = (
    re.compile(rf"^every\s+(?P<other>other\s+week\s+|2\s+weeks\s+)?(?:on\s+)?(?P<days>[a-z,/ ]+?)\s+"
               rf"from\s+{_D}\s+(?:to|until)\s+{_D}$"),
    re.compile(rf"^(?:(?P<other>une\s+semaine\s+sur\s+deux\s+(?:les?\s+)?)|tous\s+les\s+|chaque\s+)"
               rf"(?P<days>[a-z,/ ]+?)\s+du\s+{_D}\s+au\s+{_D}$"),
)


@dataclass
class BookingLine:
    line: int
    ref: str
    service: str
    days: list[date]
    pattern: bool


def expand(text: str) -> tuple[list[date], bool]:
    """A `date` cell -> (dates, is_pattern). Raises ValueProblem with a readable message."""
    t = " ".join((text or "").strip().lower().split())
    if not t:
        raise ValueProblem(Said("value_missing", what="date"))
    if t[0].isdigit():
        return [parse_date(t)], False
    for rx in _PATTERNS:
        m = rx.match(t)
        if m:
            break
    else:
        raise ValueProblem(Said("pattern_invalid", text=text.strip()))
    weekdays = parse_weekday_list(m["days"].replace(" ", ","))
    first, last = parse_date(m.group(3), "first date"), parse_date(m.group(4), "last date")
    if last < first:
        raise ValueProblem(Said("pattern_reversed", last=last.isoformat(), first=first.isoformat()))
    if (last - first).days > MAX_SPAN_DAYS:
        raise ValueProblem(Said("pattern_too_long", days=MAX_SPAN_DAYS))
    monday = first - timedelta(days=first.weekday())
    out, d = [], first
    while d <= last:
        week = (d - monday).days // 7
        if d.weekday() in weekdays and (not m["other"] or week % 2 == 0):
            out.append(d)
        d += timedelta(days=1)
    return out, True


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[BookingLine]:
    _names, rows = csv_rows(data, "reservations", REQUIRED, (), ALIASES)
    out: list[BookingLine] = []
    for row in rows:
        try:
            ref = row.get("person")
            if not ref:
                raise ValueProblem(Said("person_column_empty"))
            service = service_code(row.get("service") or "")  # "DEJ" as other systems write it
            if not service:
                raise ValueProblem(Said("service_missing"))
            days, pattern = expand(row.get("date"))
        except ValueProblem as exc:
            report.error(row.line, exc)
            continue
        out.append(BookingLine(row.line, ref, service, days, pattern))
    report.records = len(out)
    return out


def _closed_days(session, site) -> set[date]:
    from plateau.server import models as m

    closed: set[date] = set()
    for c in session.execute(select(m.Closure).where(m.Closure.site_id == site.id)).scalars():
        d = c.first_day
        while d <= c.last_day:
            closed.add(d)
            d += timedelta(days=1)
    return closed


def apply(session, site, lines: list[BookingLine], ctx: ImportContext, report: ImportReport) -> None:
    from plateau.domain.holidays import holiday_name
    from plateau.domain.policy import PolicyError, policy_from_settings
    from plateau.domain.services import parse_weekdays
    from plateau.server import models as m
    from plateau.server import store, store_days
    from plateau.server.imports.people import PersonIndex, unknown_person

    index = PersonIndex.load(session, site)
    services = {s.code: s for s in session.execute(select(m.Service).where(m.Service.site_id == site.id)).scalars()}
    closed = _closed_days(session, site)
    try:
        policy = policy_from_settings(site.settings or {})
    except PolicyError:
        policy = policy_from_settings({})
    today = ctx.local_today
    booked = {(r.person_id, r.date, r.service) for r in session.execute(
        select(m.Reservation).where(m.Reservation.site_id == site.id, m.Reservation.date >= today)).scalars()}
    for ln in lines:
        person = index.find(ln.ref)
        if person is None:
            report.error(ln.line, unknown_person(ln.ref))
            continue
        if person.status != "active":
            report.error(ln.line, Said("person_archived_no_booking", name=f"{person.first_name} {person.last_name}"))
            continue
        svc = services.get(ln.service)
        if svc is None:
            report.error(ln.line, Said("service_unknown", service=ln.service, known=", ".join(sorted(services)))
                         if services else Said("service_unknown_none", service=ln.service))
            continue
        served = parse_weekdays(svc.weekdays)
        prepaid = 0
        if person.plan == "reservation" and policy.for_category(person.category).reservation_prepaid:
            prepaid = store.price_of(session, site, person.category)
        skipped = 0
        for day in ln.days:
            holiday = holiday_name(day, policy.alsace_moselle)
            iso = day.isoformat()
            why = (Said("day_closed", day=iso) if day in closed else
                   Said("day_holiday", day=iso, name=holiday) if holiday else
                   Said("day_without_service", day=iso, service=ln.service) if day.weekday() not in served else
                   Said("day_past", day=iso) if day < today else None)
            if why:
                if not ln.pattern:
                    report.error(ln.line, why)
                skipped += 1
                continue
            key = (person.id, day, ln.service)
            if key in booked:
                report.unchanged += 1
                continue
            store_days.put_reservation(session, site, person, day, ln.service, prepaid_cents=prepaid)
            booked.add(key)
            report.created += 1
        if ln.pattern and skipped:
            report.note(ln.line, Said("pattern_skipped", booked=len(ln.days) - skipped, skipped=skipped))
