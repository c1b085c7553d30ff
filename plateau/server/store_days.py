"""Writes to what happens on given days: reservations, oppositions, closures and menus.

Part of the store service layer (see `plateau.server.store` for the rules every helper keeps:
validate, take the site lock, emit the feed item only when the wire data changed, never
commit). It imports `store` (services, persons) and `store_checks`; `store` does not import it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import feed, ledger
from plateau.server import models as m
from plateau.server.store import get_person, get_service
from plateau.server.store_checks import StoreError, check_text, emit_if_changed


def find_reservation(session: Session, person_id: int, day: date, service: str) -> m.Reservation | None:
    return session.execute(select(m.Reservation).where(
        m.Reservation.person_id == person_id, m.Reservation.date == day, m.Reservation.service == service)
    ).scalar_one_or_none()


def put_reservation(session: Session, site: m.Site, person: m.Person, day: date, service: str,
                    *, prepaid_cents: int = 0) -> tuple[m.Reservation, bool]:
    """Book (no cutoff check: see `reservations.book` for the family/office path).
    Returns (reservation, created). A prepaid booking debits `prepaid_cents` via the ledger."""
    feed.lock_site(session, site.id)
    service = get_service(session, site, service).code  # as stored, whatever its case here
    existing = find_reservation(session, person.id, day, service)
    if existing is not None:
        return existing, False
    r = m.Reservation(site_id=site.id, person_id=person.id, date=day, service=service,
                      booking=str(uuid.uuid4()), prepaid_cents=prepaid_cents, created_at=feed.now())
    session.add(r)
    session.flush()
    if prepaid_cents:
        ledger.post(session, site.id, person.id, -prepaid_cents, "reservation", r.booking,
                    label=f"réservation {day.isoformat()} {service}")
    feed.emit(session, site.id, "reservation", "upsert", feed.reservation_data(r))
    return r, True


def delete_reservation(session: Session, site: m.Site, r: m.Reservation) -> None:
    """Cancel a booking; a prepaid one is credited back (once, by its booking id)."""
    feed.lock_site(session, site.id)
    if r.prepaid_cents:
        ledger.post(session, site.id, r.person_id, r.prepaid_cents, "cancel", r.booking,
                    label=f"annulation {r.date.isoformat()} {r.service}")
    data = feed.reservation_data(r)
    session.delete(r)
    session.flush()
    feed.emit(session, site.id, "reservation", "delete", data)


def _instant(name: str, value) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise StoreError(f"{name} must be an ISO 8601 instant, got {value!r}") from None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"{name} must be an instant with a time zone offset")
    return value


def upsert_opposition(session: Session, site: m.Site, person_id: int, starts_at, ends_at, motive: str = "",
                      source: str = "manual", id: str | None = None) -> m.Opposition:
    feed.lock_site(session, site.id)
    starts_at, ends_at = _instant("starts_at", starts_at), _instant("ends_at", ends_at)
    if ends_at <= starts_at:
        raise StoreError("an opposition must end after it starts")
    get_person(session, site, person_id)
    oid = check_text("id", id, 64) if id is not None else str(uuid.uuid4())
    o = session.get(m.Opposition, oid)
    if o is not None and o.site_id != site.id:
        raise StoreError(f"opposition id {oid!r} is used by another site")
    before = feed.opposition_data(o) if o else None
    if o is None:
        o = m.Opposition(id=oid, site_id=site.id)
        session.add(o)
    o.person_id, o.starts_at, o.ends_at = person_id, starts_at, ends_at
    o.motive = check_text("motive", motive, 200, required=False) or ""
    o.source = check_text("source", source, 32)
    session.flush()
    emit_if_changed(session, site.id, "opposition", feed.opposition_data(o), before)
    return o


def _delete_site_row(session: Session, site: m.Site, model, kind: str, key: str) -> bool:
    """Delete the site's row `key` of `model` and send its tombstone to the stations; False if absent."""
    feed.lock_site(session, site.id)
    row = session.get(model, key)
    if row is None or row.site_id != site.id:
        return False
    session.delete(row)
    session.flush()
    feed.emit(session, site.id, kind, "delete", key=key)
    return True


def delete_opposition(session: Session, site: m.Site, oid: str) -> bool:
    return _delete_site_row(session, site, m.Opposition, "opposition", oid)


def upsert_closure(session: Session, site: m.Site, first_day, last_day, label: str = "", source: str = "local",
                   id: str | None = None) -> m.Closure:
    feed.lock_site(session, site.id)
    try:
        first_day = first_day if isinstance(first_day, date) else date.fromisoformat(first_day)
        last_day = last_day if isinstance(last_day, date) else date.fromisoformat(last_day)
    except (TypeError, ValueError):
        raise StoreError("closure days must be ISO dates") from None
    if last_day < first_day:
        raise StoreError("a closure's last day is before its first day")
    cid = check_text("id", id, 64) if id is not None else f"{site.code}-{first_day.isoformat()}-{uuid.uuid4().hex[:8]}"
    c = session.get(m.Closure, cid)
    if c is not None and c.site_id != site.id:
        raise StoreError(f"closure id {cid!r} is used by another site")
    before = feed.closure_data(c) if c else None
    if c is None:
        c = m.Closure(id=cid, site_id=site.id)
        session.add(c)
    c.first_day, c.last_day = first_day, last_day
    c.label = check_text("label", label, 200, required=False) or ""
    c.source = check_text("source", source, 32)
    session.flush()
    emit_if_changed(session, site.id, "closure", feed.closure_data(c), before)
    return c


def delete_closure(session: Session, site: m.Site, cid: str) -> bool:
    return _delete_site_row(session, site, m.Closure, "closure", cid)


def upsert_menu(session: Session, site: m.Site, day: date, service: str, text_: str) -> m.Menu:
    feed.lock_site(session, site.id)
    service = get_service(session, site, service).code  # as stored, whatever its case here
    menu = session.execute(select(m.Menu).where(m.Menu.site_id == site.id, m.Menu.date == day,
                                                m.Menu.service == service)).scalar_one_or_none()
    before = feed.menu_data(menu) if menu else None
    if menu is None:
        menu = m.Menu(site_id=site.id, date=day, service=service)
        session.add(menu)
    menu.text = check_text("menu", text_, 2000, required=False) or ""
    session.flush()
    emit_if_changed(session, site.id, "menu", feed.menu_data(menu), before)
    return menu
