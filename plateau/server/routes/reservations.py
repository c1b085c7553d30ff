"""Booking and cancelling meals (family portal, office): admin tokens only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from plateau.server import reservations as booking
from plateau.server import models as m
from plateau.server import feed, store
from plateau.server.auth import Admin, Db
from plateau.server.errors import ApiError, responses
from plateau.server.family.calendar import log_change
from plateau.server.schemas import Day, PersonId, ReservationOut

router = APIRouter(prefix="/persons/{person_id}/reservations", tags=["reservations"])

# any case: "DEJ" is the service "dej" (the store folds it, plateau.domain.services.service_code)
ServiceCode = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]


@router.put("/{day}/{service}", response_model=ReservationOut, status_code=200,
            responses={201: {"model": ReservationOut, "description": "booked"}, **responses(401, 403, 404, 409, 422)})
def book(person_id: Annotated[PersonId, Path()], day: Annotated[Day, Path()], service: ServiceCode,
         caller: Admin, db: Db, response: Response) -> ReservationOut:
    """Book a meal before the site's cutoff (409 with the reason past it)."""
    with db.write() as s:
        person = store.get_person(s, None, person_id)
        site = s.get(m.Site, person.site_id)
        try:
            r, created = booking.book(s, site, person, day, service)
        except booking.Refusal as refusal:
            raise ApiError(409, refusal.code, refusal.reason) from None
        if created:  # the families' list of changes shows who made it
            log_change(s, site, person, day, r.service, "book", "office", r.created_at or feed.now(), "office")
        out = ReservationOut(person=person.id, date=r.date, service=r.service, status="booked", created=created,
                             prepaid_cents=r.prepaid_cents, balance_cents=booking.balance_of(s, person.id))
    response.status_code = 201 if created else 200
    return out


@router.delete("/{day}/{service}", response_model=ReservationOut, responses=responses(401, 403, 404, 409, 422))
def cancel(person_id: Annotated[PersonId, Path()], day: Annotated[Day, Path()], service: ServiceCode,
           caller: Admin, db: Db) -> ReservationOut:
    """Cancel a booking before the cutoff; a prepaid meal is credited back."""
    with db.write() as s:
        person = store.get_person(s, None, person_id)
        site = s.get(m.Site, person.site_id)
        try:
            r = booking.cancel(s, site, person, day, service)
        except booking.Refusal as refusal:
            raise ApiError(409, refusal.code, refusal.reason) from None
        log_change(s, site, person, day, r.service, "cancel", "office", feed.now(), "office")
        return ReservationOut(person=person.id, date=r.date, service=r.service, status="cancelled", created=False,
                              prepaid_cents=r.prepaid_cents, balance_cents=booking.balance_of(s, person.id))
