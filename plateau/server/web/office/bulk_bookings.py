"""Week-pattern bookings in bulk: "every Monday and Thursday from D1 to D2" for one pupil or a
whole class, added to the existing bookings or replacing them in that span, every week, every
other week, or on a list of ISO weeks. Each day goes through `reservations.book` / `cancel`
(the families' rules: closed days and pupils not at school are skipped, prepaid debits and
credits) with the office's right to pass the cutoff; one unit of work, one audit line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import APIRouter, Request
from sqlalchemy import select

from plateau.server import audit, reservations, store
from plateau.server import models as m
from plateau.server.imports.values import ValueProblem, parse_date
from plateau.server.web.collation import french_key
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.templating import render
from plateau.server.wording import text_of

router = APIRouter()
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 370


class PatternError(ValueError):
    """A pattern that cannot be used (English key of the message shown)."""


@dataclass(frozen=True)
class Pattern:
    weekdays: frozenset[int]
    first: date
    last: date
    every_other_week: bool = False
    weeks: frozenset[int] = frozenset()   # ISO week numbers; empty: every week

    def days(self) -> list[date]:
        """The days of the pattern, in order. Every other week counts from the first day's week."""
        out, day = [], self.first
        start_week = self.first - timedelta(days=self.first.weekday())
        while day <= self.last:
            nth_week = (day - start_week).days // 7
            if day.weekday() in self.weekdays and (not self.every_other_week or nth_week % 2 == 0) \
                    and (not self.weeks or day.isocalendar().week in self.weeks):
                out.append(day)
            day += timedelta(days=1)
        return out


def parse_pattern(form: dict) -> Pattern:
    weekdays = frozenset(i for i, name in enumerate(WEEKDAYS) if form.get(f"day_{name}"))
    if not weekdays:
        raise PatternError("Tick at least one weekday.")
    try:
        first = parse_date(str(form.get("first") or ""), "first day")
        last = parse_date(str(form.get("last") or ""), "last day")
    except ValueProblem:
        raise PatternError("write the days as DD/MM/YYYY") from None
    if last < first:
        raise PatternError("the last day is before the first day")
    if (last - first).days > MAX_DAYS:
        raise PatternError("At most one year at a time.")
    weeks_text = str(form.get("weeks") or "").replace(";", ",").replace(" ", ",")
    try:
        weeks = frozenset(int(w) for w in weeks_text.split(",") if w.strip())
    except ValueError:
        raise PatternError("Weeks: numbers separated by commas, e.g. 2, 3, 7.") from None
    if any(not 1 <= w <= 53 for w in weeks):
        raise PatternError("Weeks: numbers separated by commas, e.g. 2, 3, 7.")
    return Pattern(weekdays, first, last, form.get("every_other_week") == "1", weeks)


def _persons(s, site_id: int, form: dict) -> list[m.Person]:
    q = select(m.Person).where(m.Person.site_id == site_id, m.Person.status == "active")
    if str(form.get("person") or "").isdigit():
        q = q.where(m.Person.id == int(form["person"]))
    elif form.get("class_name"):
        q = q.where(m.Person.class_name == str(form["class_name"]))
    else:
        raise PatternError("Choose a pupil or a class.")
    found = list(s.execute(q).scalars())
    if not found:
        raise PatternError("Nobody matches.")
    return found


def apply_pattern(s, site: m.Site, persons: list[m.Person], service: str, pattern: Pattern, replace: bool) -> dict:
    """Book the pattern's days (and, with `replace`, cancel the other bookings of the span)."""
    counts = {"booked": 0, "already": 0, "skipped": 0, "cancelled": 0}
    wanted = set(pattern.days())
    for person in persons:
        for day in sorted(wanted):
            try:
                _r, created = reservations.book(s, site, person, day, service, past_cutoff=True)
                counts["booked" if created else "already"] += 1
            except reservations.Refusal:
                counts["skipped"] += 1   # a closed day, a pupil not at school that day
        if replace:
            for r in s.execute(select(m.Reservation).where(
                    m.Reservation.person_id == person.id, m.Reservation.service == service,
                    m.Reservation.date >= pattern.first, m.Reservation.date <= pattern.last)).scalars().all():
                if r.date not in wanted:
                    reservations.cancel(s, site, person, r.date, service, past_cutoff=True)
                    counts["cancelled"] += 1
    return counts


def _page(request: Request, ctx, *, result: dict | None = None, error: str | None = None, form: dict | None = None,
          status: int = 200):
    with db_of(request).read() as s:
        services = [(svc.code, svc.label) for svc in s.execute(
            select(m.Service).where(m.Service.site_id == ctx.site_id).order_by(m.Service.start)).scalars()]
        classes = sorted({c for (c,) in s.execute(select(m.Person.class_name).where(
            m.Person.site_id == ctx.site_id, m.Person.class_name.is_not(None)).distinct())}, key=french_key)
    return render(request, "office/bulk_bookings.html", {
        "office": ctx, "page": "persons", "services": services, "classes": classes, "weekdays": WEEKDAYS,
        "result": result, "error": error, "form": form or {}}, status=status)


@router.get("/office/bookings")
def bookings(request: Request, ctx: Office):
    need(request, ctx, "reservations")
    return _page(request, ctx, form={k: v for k, v in request.query_params.items() if k in ("person", "class_name")})


@router.post("/office/bookings")
async def book_pattern(request: Request, ctx: Office, form: Form):
    need(request, ctx, "reservations")
    _ = gettext(request_lang(request))
    typed = {k: str(v or "")[:200] for k, v in form.items() if isinstance(v, str)}
    try:
        pattern = parse_pattern(typed)
    except PatternError as exc:
        return _page(request, ctx, error=_(str(exc)), form=typed, status=422)

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            persons = _persons(s, site.id, typed)
            service = store.get_service(s, site, typed.get("service", "")).code
            counts = apply_pattern(s, site, persons, service, pattern, typed.get("mode") == "replace")
            target = f"person:{persons[0].id}" if typed.get("person") else f"class:{typed.get('class_name')}"
            audit.record(s, ctx.actor, "reservation.bulk", site_id=site.id, target=target,
                         after={"service": service, "first": pattern.first.isoformat(),
                                "last": pattern.last.isoformat(),
                                "weekdays": [WEEKDAYS[d] for d in sorted(pattern.weekdays)],
                                "every_other_week": pattern.every_other_week, "weeks": sorted(pattern.weeks),
                                "mode": typed.get("mode", "add"), "persons": len(persons), **counts})
            return {**counts, "persons": len(persons)}

    try:
        result = await in_thread(write)
    except PatternError as exc:
        return _page(request, ctx, error=_(str(exc)), form=typed, status=422)
    except store.StoreError as exc:
        return _page(request, ctx, error=text_of(exc, request_lang(request)), form=typed, status=422)
    return _page(request, ctx, result=result, form=typed)
