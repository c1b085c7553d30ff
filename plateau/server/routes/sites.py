"""A site's information, headcounts, closures and menus."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from plateau.reports.headcount import compute
from plateau.server import feed, store
from plateau.server import headcount_source
from plateau.server.auth import Admin, Caller, Db
from plateau.server.schemas import ClosureIn, ClosureOut, Day, Deleted, MenuIn, MenuOut, SettingsIn, SiteOut
from plateau.server.errors import responses

router = APIRouter(prefix="/sites/{site}", tags=["sites"])

SiteCode = Annotated[str, Path(min_length=1, max_length=16)]
# any case: "DEJ" is the service "dej" (the store folds it, plateau.domain.services.service_code)
ServiceCode = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]


def _site(s, caller, code: str):
    site = store.get_site(s, code.upper())
    caller.require_site(site)
    return site


@router.get("", response_model=SiteOut, responses=responses(401, 403, 404, 422))
def site_info(site: SiteCode, caller: Caller, db: Db) -> SiteOut:
    with db.read() as s:
        st = _site(s, caller, site)
        return SiteOut(code=st.code, name=st.name, timezone=st.timezone, zone=st.zone,
                       settings={str(k): str(v) for k, v in (st.settings or {}).items()}, feed_seq=st.feed_seq)


@router.put("/settings", response_model=SiteOut, responses=responses(401, 403, 404, 422))
def put_settings(site: SiteCode, body: SettingsIn, caller: Admin, db: Db) -> SiteOut:
    """Set (and unset) policy settings, each validated (`plateau.domain.policy`); stations get them by the feed."""
    with db.write() as s:
        st = store.set_settings(s, _site(s, caller, site), body.settings, remove=tuple(body.unset))
    return site_info(site, caller, db)


@router.get("/headcounts", responses=responses(401, 403, 404, 422))
def headcounts(site: SiteCode, caller: Caller, db: Db,
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
        c = store.upsert_closure(s, _site(s, caller, site), body.first_day, body.last_day, body.label, "local")
        return ClosureOut(id=c.id, first_day=c.first_day, last_day=c.last_day, label=c.label, source=c.source)


@router.delete("/closures/{closure_id}", response_model=Deleted, responses=responses(401, 403, 404, 422))
def delete_closure(site: SiteCode, closure_id: Annotated[str, Path(max_length=64)], caller: Admin,
                   db: Db) -> Deleted:
    with db.write() as s:
        if not store.delete_closure(s, _site(s, caller, site), closure_id):
            raise store.NotFound(f"no closure {closure_id!r} at site {site}")
    return Deleted(deleted=True)


@router.put("/menus/{day}/{service}", response_model=MenuOut, responses=responses(401, 403, 404, 422))
def put_menu(site: SiteCode, day: Annotated[Day, Path()], service: ServiceCode, body: MenuIn, caller: Admin,
             db: Db) -> MenuOut:
    with db.write() as s:
        menu = store.upsert_menu(s, _site(s, caller, site), day, service, body.text)
        return MenuOut(date=menu.date, service=menu.service, text=menu.text)
