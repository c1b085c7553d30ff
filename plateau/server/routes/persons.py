"""Persons, their cards, payments and oppositions (office, family portal): admin tokens only.

Stations get the persons they need through the change feed, without the INE nor the ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import or_, select

from plateau.domain.uid import UidError, normalize_uid
from plateau.server import ledger, store, store_days
from plateau.server import models as m
from plateau.server.auth import Admin, Db
from plateau.server.errors import ApiError, responses
from plateau.server.schemas import (CardIn, CardOut, Deleted, History, LedgerOut, OppositionIn, OppositionOut,
                                    PassageOut, PaymentIn, PaymentOut, PersonId, PersonIn, PersonList, PersonOut)

router = APIRouter(tags=["persons"])

SiteCode = Annotated[str, Path(min_length=1, max_length=16)]
Pid = Annotated[PersonId, Path()]


def _out(s, p: m.Person, site_code: str) -> PersonOut:
    bal = ledger.balances_of(s, [p.id])[0]
    cards = s.execute(select(m.Card).where(m.Card.person_id == p.id).order_by(m.Card.uid)).scalars()
    return PersonOut(id=p.id, site=site_code, external_id=p.external_id, ine=p.ine, last_name=p.last_name,
                     first_name=p.first_name, class_name=p.class_name, category=p.category, plan=p.plan,
                     forfait_days=p.forfait_days, status=p.status, balance_cents=bal["balance_cents"],
                     balance_version=bal["version"], cards=[CardOut(uid=c.uid, status=c.status) for c in cards])


def _person(s, caller, person_id: int) -> tuple[m.Person, m.Site]:
    person = store.get_person(s, None, person_id)
    site = s.get(m.Site, person.site_id)
    if not caller.sees(site):  # as if it did not exist: no existence oracle
        raise store.NotFound(f"no person {person_id}")
    return person, site


@router.get("/sites/{site}/persons", response_model=PersonList, responses=responses(401, 403, 404, 422))
def list_persons(site: SiteCode, caller: Admin, db: Db,
                 q: Annotated[str | None, Query(max_length=100)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> PersonList:
    """Persons of a site, optionally matching `q` (name, external id or INE)."""
    with db.read() as s:
        st = store.get_site(s, site.upper())
        query = select(m.Person).where(m.Person.site_id == st.id)
        if q and q.strip() and "\x00" not in q:
            like = f"%{q.strip()}%"
            query = query.where(or_(m.Person.last_name.ilike(like), m.Person.first_name.ilike(like),
                                    m.Person.external_id == q.strip(), m.Person.ine == q.strip()))
        rows = s.execute(query.order_by(m.Person.last_name, m.Person.first_name, m.Person.id).limit(limit)).scalars()
        return PersonList(persons=[_out(s, p, st.code) for p in rows])


@router.post("/sites/{site}/persons", response_model=PersonOut, responses=responses(401, 403, 404, 422))
def upsert_person(site: SiteCode, body: PersonIn, caller: Admin, db: Db) -> PersonOut:
    """Create a person, or update the one with the same `external_id`."""
    with db.write() as s:
        st = store.get_site(s, site.upper())
        p = store.upsert_person(s, st, **body.model_dump())
        return _out(s, p, st.code)


@router.get("/persons/{person_id}", response_model=PersonOut, responses=responses(401, 403, 404, 422))
def get_person(person_id: Pid, caller: Admin, db: Db) -> PersonOut:
    with db.read() as s:
        person, site = _person(s, caller, person_id)
        return _out(s, person, site.code)


@router.get("/persons/{person_id}/history", response_model=History, responses=responses(401, 403, 404, 422))
def history(person_id: Pid, caller: Admin, db: Db,
            limit: Annotated[int, Query(ge=1, le=500)] = 50) -> History:
    """The balance and the latest passages and money movements of a person, newest first."""
    with db.read() as s:
        person, _site = _person(s, caller, person_id)
        bal = ledger.balances_of(s, [person.id])[0]
        passages = s.execute(select(m.Passage).where(m.Passage.person_id == person.id,
                                                     m.Passage.site_id == person.site_id)
                             .order_by(m.Passage.at.desc()).limit(limit)).scalars()
        entries = s.execute(select(m.LedgerEntry).where(m.LedgerEntry.person_id == person.id)
                            .order_by(m.LedgerEntry.id.desc()).limit(limit)).scalars()
        return History(person=person.id, balance_cents=bal["balance_cents"], balance_version=bal["version"],
                       passages=[PassageOut(id=p.id, station=p.station, at=p.at, local_date=p.local_date,
                                            service=p.service, kind=p.kind, accepted=p.accepted, reason=p.reason,
                                            price_cents=p.price_cents) for p in passages],
                       ledger=[LedgerOut(at=e.at, kind=e.kind, amount_cents=e.amount_cents, label=e.label,
                                         balance_version=e.version) for e in entries])


@router.put("/persons/{person_id}/cards/{uid}", response_model=PersonOut, responses=responses(401, 403, 404, 422))
def put_card(person_id: Pid, uid: Annotated[str, Path(min_length=1, max_length=40)], body: CardIn, caller: Admin,
             db: Db) -> PersonOut:
    """Give a card to a person (or set its status: lost, blocked); `format` says how `uid` is spelled."""
    try:
        canonical = normalize_uid(uid, body.format)
    except UidError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    with db.write() as s:
        person, site = _person(s, caller, person_id)
        store.upsert_card(s, site, canonical, person.id, body.status)
        return _out(s, person, site.code)


@router.post("/persons/{person_id}/payments", response_model=PaymentOut, responses=responses(401, 403, 404, 422))
def add_payment(person_id: Pid, body: PaymentIn, caller: Admin, db: Db) -> PaymentOut:
    """Credit a payment (a negative amount is a refund); idempotent by `reference`."""
    if body.amount_cents == 0:
        raise ApiError(422, "invalid_request", "amount_cents must not be zero")
    with db.write() as s:
        person, site = _person(s, caller, person_id)
        entry = store.record_payment(s, site, person.id, body.amount_cents, body.reference, body.label)
        bal = ledger.balances_of(s, [person.id])[0]
    return PaymentOut(reference=body.reference, status="credited" if entry else "duplicate",
                      balance_cents=bal["balance_cents"], version=bal["version"])


@router.post("/persons/{person_id}/oppositions", response_model=OppositionOut, status_code=201,
             responses=responses(401, 403, 404, 422))
def add_opposition(person_id: Pid, body: OppositionIn, caller: Admin, db: Db) -> OppositionOut:
    """Block a person from `starts_at` to `ends_at` (the station refuses them with the motive)."""
    if body.ends_at <= body.starts_at:
        raise ApiError(422, "invalid_request", "ends_at must be after starts_at")
    with db.write() as s:
        person, site = _person(s, caller, person_id)
        o = store_days.upsert_opposition(s, site, person.id, body.starts_at, body.ends_at, body.motive, body.source)
        return OppositionOut(id=o.id, person=o.person_id, starts_at=o.starts_at, ends_at=o.ends_at, motive=o.motive,
                             source=o.source)


@router.delete("/persons/{person_id}/oppositions/{opposition_id}", response_model=Deleted,
               responses=responses(401, 403, 404, 422))
def delete_opposition(person_id: Pid, opposition_id: Annotated[str, Path(max_length=64)], caller: Admin,
                      db: Db) -> Deleted:
    with db.write() as s:
        person, site = _person(s, caller, person_id)
        o = s.get(m.Opposition, opposition_id)
        if o is None or o.person_id != person.id or not store_days.delete_opposition(s, site, opposition_id):
            raise store.NotFound(f"no opposition {opposition_id!r} for person {person.id}")
    return Deleted(deleted=True)
