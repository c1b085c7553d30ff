"""Meals booked or cancelled by the office on a person's page. The rules are the families' and
the API's (`plateau.server.reservations.book` / `cancel`: closed days, inactive pupils, prepaid
debits and credits), except that the office may pass the families' cutoff; each change is
audited as the office's."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request

from plateau.server import audit, feed, reservations, store
from plateau.server import models as m
from plateau.server.imports.values import ValueProblem, parse_date
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.office.person_actions import redirect_to_person
from plateau.server.web.office.persons import get_person_of, show_person
from plateau.server.wording import text_of

router = APIRouter()


def _change(request: Request, ctx, person_id: int, day: date, service: str, *, cancel: bool) -> str | None:
    """Book or cancel; the reason it was refused (in the page's language), or None when done."""
    lang = request_lang(request)
    with db_of(request).write() as s:
        site = s.get(m.Site, ctx.site_id)
        person = get_person_of(s, request, ctx, person_id)
        try:
            if cancel:
                r = reservations.cancel(s, site, person, day, service, past_cutoff=True)
                audit.record(s, ctx.actor, "reservation.cancel", site_id=site.id, target=f"person:{person.id}",
                             before=feed.reservation_data(r))
            else:
                r, created = reservations.book(s, site, person, day, service, past_cutoff=True)
                if created:
                    audit.record(s, ctx.actor, "reservation.book", site_id=site.id, target=f"person:{person.id}",
                                 after={**feed.reservation_data(r), "prepaid_cents": r.prepaid_cents})
        except (reservations.Refusal, store.StoreError) as exc:  # a rule; an unknown service, a booking gone
            return text_of(exc, lang)
    return None


@router.post("/office/persons/{person_id}/reservations")
async def book(request: Request, ctx: Office, form: Form, person_id: int):
    need(request, ctx, "reservations")
    _ = gettext(request_lang(request))
    typed = {k: str(form.get(k) or "")[:40] for k in ("day", "service")}
    try:
        day = parse_date(typed["day"], "day")
    except ValueProblem:
        return show_person(request, ctx, person_id, error=_("Dates: {error}", error=_("write the days as DD/MM/YYYY")),
                           form=typed, status=422)
    refused = await in_thread(_change, request, ctx, person_id, day, typed["service"], cancel=False)
    if refused:
        return show_person(request, ctx, person_id, error=_("Not booked: {reason}", reason=refused), form=typed,
                           status=409)
    return redirect_to_person(person_id, flash="booked", first=day.strftime("%d/%m/%Y"))


@router.post("/office/persons/{person_id}/reservations/{day}/{service}/cancel")
async def cancel(request: Request, ctx: Office, form: Form, person_id: int, day: date, service: str):
    need(request, ctx, "reservations")
    _ = gettext(request_lang(request))
    refused = await in_thread(_change, request, ctx, person_id, day, service[:32], cancel=True)
    if refused:
        return show_person(request, ctx, person_id, error=_("Not cancelled: {reason}", reason=refused), status=409)
    return redirect_to_person(person_id, flash="cancelled", first=day.strftime("%d/%m/%Y"))
