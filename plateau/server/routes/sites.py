"""A site's information, headcounts, closures and menus."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from plateau.reports.headcount import compute
from plateau.server import feed, store, store_days
from plateau.server import headcount_source
from plateau.server import models as m
from plateau.server.auth import Admin, Db
from plateau.server.schemas import (ClosureIn, ClosureOut, Day, Deleted, MenuIn, MenuOut, RejectedItemList,
                                    RejectedItemOut, SettingsIn, SiteOut)
from plateau.server.errors import responses

router = APIRouter(prefix="/sites/{site}", tags=["sites"])

SiteCode = Annotated[str, Path(min_length=1, max_length=16)]
# any case: "DEJ" is the service "dej" (the store folds it, plateau.domain.services.service_code)
ServiceCode = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]


def _site(s, caller, code: str):
    site = store.get_site(s, code.upper())
    if not caller.sees(site):  # as if it did not exist: no existence oracle
        raise store.NotFound(f"no site {code.upper()!r}")
    return site


@router.get("", response_model=SiteOut, responses=responses(401, 403, 404, 422))
def site_info(site: SiteCode, caller: Admin, db: Db) -> SiteOut:
    with db.read() as s:
        st = _site(s, caller, site)
        return SiteOut(code=st.code, name=st.name, timezone=st.timezone, zone=st.zone,
                       settings={str(k): str(v) for k, v in (st.settings or {}).items()}, feed_seq=st.feed_seq)


@router.put("/settings", response_model=SiteOut, responses=responses(401, 403, 404, 422))
def put_settings(site: SiteCode, body: SettingsIn, caller: Admin, db: Db) -> SiteOut:
    """Set (and unset) policy settings, each validated (`plateau.domain.policy`); stations get them by the feed."""
    with db.write() as s:
        store.set_settings(s, _site(s, caller, site), body.settings, remove=tuple(body.unset))
    return site_info(site, caller, db)


@router.get("/headcounts", responses=responses(401, 403, 404, 422))
def headcounts(site: SiteCode, caller: Admin, db: Db,
               date_: Annotated[Day | None, Query(alias="date")] = None) -> dict[str, Any]:
    """The day's headcounts per service: expected, served, no-shows, refusals by reason
    (the computation of `plateau.reports.headcount`, over every station of the site)."""
    with db.read() as s:
        st = _site(s, caller, site)
        day = date_ or _today(st)
        data = headcount_source.load_day(s, st.code, day)
    return compute(data).to_json()


def _today(site) -> date:
    from zoneinfo import ZoneInfo

    return feed.now().astimezone(ZoneInfo(site.timezone)).date()


@router.post("/closures", response_model=ClosureOut, status_code=201, responses=responses(401, 403, 404, 422))
def add_closure(site: SiteCode, body: ClosureIn, caller: Admin, db: Db) -> ClosureOut:
    """Close the canteen from `first_day` to `last_day` (inclusive): not bookable, refused at the station."""
    with db.write() as s:
        c = store_days.upsert_closure(s, _site(s, caller, site), body.first_day, body.last_day, body.label, "local")
        return ClosureOut(id=c.id, first_day=c.first_day, last_day=c.last_day, label=c.label, source=c.source)


@router.delete("/closures/{closure_id}", response_model=Deleted, responses=responses(401, 403, 404, 422))
def delete_closure(site: SiteCode, closure_id: Annotated[str, Path(max_length=64)], caller: Admin,
                   db: Db) -> Deleted:
    with db.write() as s:
        if not store_days.delete_closure(s, _site(s, caller, site), closure_id):
            raise store.NotFound(f"no closure {closure_id!r} at site {site}")
    return Deleted(deleted=True)


@router.put("/menus/{day}/{service}", response_model=MenuOut, responses=responses(401, 403, 404, 422))
def put_menu(site: SiteCode, day: Annotated[Day, Path()], service: ServiceCode, body: MenuIn, caller: Admin,
             db: Db) -> MenuOut:
    with db.write() as s:
        menu = store_days.upsert_menu(s, _site(s, caller, site), day, service, body.text)
        return MenuOut(date=menu.date, service=menu.service, text=menu.text)


@router.get("/rejected-items", response_model=RejectedItemList, responses=responses(401, 403, 404, 422))
def rejected_items(site: SiteCode, caller: Admin, db: Db,
                   before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> RejectedItemList:
    """What the site's stations pushed that the server refused (newest first): each item as sent,
    with its reason code. Page back with `before_id` = the last id of a page."""
    with db.read() as s:
        st = _site(s, caller, site)
        query = select(m.RejectedItem).where(m.RejectedItem.site_id == st.id)
        if before_id is not None:
            query = query.where(m.RejectedItem.id < before_id)
        rows = s.execute(query.order_by(m.RejectedItem.id.desc()).limit(limit)).scalars()
        return RejectedItemList(items=[RejectedItemOut(id=r.id, station=r.station, item_kind=r.item_kind,
                                                       item_id=r.item_id, code=r.code, reason=r.reason, raw=r.raw,
                                                       received_at=r.received_at) for r in rows])
