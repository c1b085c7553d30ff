"""The reservation calendar of the Espace Famille: a month grid, one tap to book or cancel a
day, week patterns, and the latest changes with who made them.

Each day's state, each booking, cancellation and week pattern goes through the family API's
route functions (`plateau.server.routes.family`), which call the office's and the stations'
rules: the portal cannot disagree with them. A refusal comes back in the family's words.
"""

from __future__ import annotations

import calendar as months
from datetime import date, timedelta

from fastapi import APIRouter, Request
from pydantic import ValidationError

from plateau.domain.policy import policy_from_settings
from plateau.server import store
from plateau.server.errors import ApiError
from plateau.server.store_checks import NotFound
from plateau.server.family.schemas import PatternIn
from plateau.server.routes import family as api
from plateau.server.web.famille.deps import Famille, FamilyContext, Form, Kid, child_of, db_of, in_thread, words
from plateau.server.web.famille.pages import page, today_of

router = APIRouter()

REFUSALS = {"past_cutoff": "The booking deadline for this day has passed.",
            "beyond_horizon": "This day is beyond the period open for bookings.",
            "closed_day": "The canteen is closed that day.",
            "person_inactive": "Your child is not at the canteen that day.",
            "not_found": "This meal was not booked.",
            "invalid_request": "This request cannot be done."}
STATES = ("reserved", "reserved_locked", "bookable", "not_bookable", "closed")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _month(raw: str | None, today: date) -> date:
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def _cutoff_words(request: Request, kid: Kid) -> str:
    _ = words(request)
    with db_of(request).read() as s:
        policy = policy_from_settings(store.get_site(s, kid.site_code).settings or {})
    if policy.cutoff_mode == "same_day":
        return _("{time} for today", time=policy.cutoff_time)
    if policy.cutoff_mode == "days_ahead":
        return _("{n} days before, at {time}", n=policy.cutoff_days, time=policy.cutoff_time)
    if policy.cutoff_time == "00:00":
        return _("midnight, the night before")
    return _("the day before at {time}", time=policy.cutoff_time)


def calendar_page(request: Request, ctx: FamilyContext, kid: Kid, month_raw: str | None, service: str | None,
                  status: int = 200, **context):
    db, family, today = db_of(request), ctx.family, today_of(request, kid)
    first = _month(month_raw, today)
    last = first.replace(day=months.monthrange(first.year, first.month)[1])
    answer = api.child_calendar(kid.id, family, db, request, first, last)
    services = list(dict.fromkeys(d.service for d in answer.days))
    service = service if service in services else ("dejeuner" if "dejeuner" in services else
                                                   services[0] if services else None)
    by_day = {d.date: d for d in answer.days if d.service == service}
    weeks = [[(d if d.month == first.month else None) for d in week]
             for week in months.Calendar().monthdatescalendar(first.year, first.month)]
    upcoming = next((d for d in answer.days if d.service == service and d.date >= today
                     and d.state in ("bookable", "reserved")), None)
    changes = api.booking_changes(kid.id, family, db, limit=10)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    context.setdefault("flash", None)
    context.setdefault("error", None)
    context.setdefault("pattern", None)
    if request.headers.get("hx-request"):
        status = 200  # htmx swaps only 2xx answers in: a refusal must show at once too
    return page(request, ctx, "famille/calendar.html", "calendar", kid, status=status, month=first, weeks=weeks,
                by_day=by_day, service=service, services=services, today=today, changes=changes,
                horizon=today + timedelta(days=answer.booking_horizon_days), upcoming=upcoming,
                tomorrow=today + timedelta(days=1),
                cutoff_words=_cutoff_words(request, kid), tz=kid.timezone,
                previous=previous, following=following, refusals=REFUSALS, weekdays=WEEKDAYS, **context)


@router.get("/famille/calendrier")
def calendar(request: Request, ctx: Famille, enfant: str | None = None, mois: str | None = None,
             service: str | None = None):
    return calendar_page(request, ctx, child_of(request, ctx, enfant), mois, service)


def _day(raw) -> date | None:
    try:
        return date.fromisoformat(str(raw or ""))
    except ValueError:
        return None


@router.post("/famille/reservation")
async def book_or_cancel(request: Request, ctx: Famille, form: Form):
    """One tap: `action` book or cancel, for `date` and `service`; the calendar answers at once."""
    _ = words(request)
    kid = child_of(request, ctx, form.get("enfant"))
    day, service, action = _day(form.get("date")), str(form.get("service") or ""), form.get("action")
    month = str(form.get("mois") or "") or None
    if day is None or action not in ("book", "cancel") or not service:
        return await in_thread(calendar_page, request, ctx, kid, month, service, status=422,
                               error=_(REFUSALS["invalid_request"]))
    route = api.book if action == "book" else api.cancel
    try:
        await in_thread(route, kid.id, day, service, ctx.family, db_of(request), request)
    except ApiError as exc:
        return await in_thread(calendar_page, request, ctx, kid, month, service, status=exc.status,
                               error=_(REFUSALS.get(exc.error, REFUSALS["invalid_request"])), refused_day=day)
    except NotFound:  # nothing booked to cancel (cancelled meanwhile elsewhere), or no such meal service
        return await in_thread(calendar_page, request, ctx, kid, month, service, status=404,
                               error=_(REFUSALS["not_found"]), refused_day=day)
    said = "Booked: {day}." if action == "book" else "Cancelled: {day}."
    return await in_thread(calendar_page, request, ctx, kid, month, service,
                           flash=_(said, day=_long(request, day)), done_day=day)


def _long(request: Request, day: date) -> str:
    from plateau.server.web.i18n import request_lang
    from plateau.server.web.templating import long_date

    return long_date(day, request_lang(request))


@router.post("/famille/semaine")
async def week_pattern(request: Request, ctx: Famille, form: Form):
    """"Every Monday and Thursday until …": the API's week-pattern function, each day under the
    same rules as one booking; refused days listed with their reason."""
    _ = words(request)
    kid = child_of(request, ctx, form.get("enfant"))
    month, service = str(form.get("mois") or "") or None, str(form.get("service") or "")
    chosen = [d for d in WEEKDAYS if form.get(f"jour_{d}")]
    today = today_of(request, kid)
    try:
        body = PatternIn(service=service, weekdays=",".join(chosen), first=_day(form.get("from")) or today,
                         last=_day(form.get("to")), every_other_week=bool(form.get("every_other_week")),
                         action="cancel" if form.get("action") == "cancel" else "book")
    except ValidationError:
        return await in_thread(calendar_page, request, ctx, kid, month, service, status=422,
                               error=_("Choose at least one weekday and the last day."))
    try:
        result = await in_thread(api.week_pattern, kid.id, body, ctx.family, db_of(request), request)
    except (ApiError, NotFound):
        return await in_thread(calendar_page, request, ctx, kid, month, service, status=422,
                               error=_("Choose at least one weekday, and a last day within a year."))
    said = "{n} meals booked." if body.action == "book" else "{n} meals cancelled."
    return await in_thread(calendar_page, request, ctx, kid, month, service, flash=_(said, n=result.done),
                           pattern=result)

