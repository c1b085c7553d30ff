"""The week's menus (kitchen, gestionnaire, admin): one text per day and service, shown to
families and at the stations' side; saved through `store_days.upsert_menu`, audited."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateau.domain.services import parse_weekdays
from plateau.server import audit, feed, store_days
from plateau.server import models as m
from plateau.server.web.errors import WebError
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.templating import render

router = APIRouter()


def _monday(request: Request, ctx) -> date:
    from zoneinfo import ZoneInfo

    text = request.query_params.get("week", "")
    try:
        day = date.fromisoformat(text) if text else feed.now().astimezone(ZoneInfo(ctx.timezone)).date()
    except ValueError:
        raise WebError(400, "week: YYYY-MM-DD") from None
    return day - timedelta(days=day.weekday())


def _week(s, site_id: int, monday: date) -> tuple[list, list[date], dict]:
    services = list(s.execute(select(m.Service).where(m.Service.site_id == site_id).order_by(m.Service.start))
                    .scalars())
    open_days = set().union(*(parse_weekdays(svc.weekdays) for svc in services)) if services else set()
    days = [monday + timedelta(days=i) for i in range(7) if i in open_days]
    menus = {(mn.date, mn.service): mn.text for mn in s.execute(select(m.Menu).where(
        m.Menu.site_id == site_id, m.Menu.date >= monday, m.Menu.date < monday + timedelta(days=7))).scalars()}
    return services, days, menus


@router.get("/office/menus")
def menus(request: Request, ctx: Office):
    need(request, ctx, "menus")
    monday = _monday(request, ctx)
    with db_of(request).read() as s:
        services, days, texts = _week(s, ctx.site_id, monday)
        cells = [(svc.code, svc.label) for svc in services]
    return render(request, "office/menus.html", {
        "office": ctx, "page": "menus", "monday": monday, "services": cells, "days": days, "texts": texts,
        "prev": (monday - timedelta(days=7)).isoformat(), "next": (monday + timedelta(days=7)).isoformat(),
        "saved": request.query_params.get("saved") == "1"})


@router.post("/office/menus")
async def save(request: Request, ctx: Office, form: Form):
    need(request, ctx, "menus")
    monday = _monday(request, ctx)

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            services, days, texts = _week(s, site.id, monday)
            for day in days:
                for svc in services:
                    field = f"menu-{day.isoformat()}-{svc.code}"
                    if field not in form:
                        continue
                    new = str(form[field] or "").replace("\r\n", "\n").strip()[:2000]
                    old = texts.get((day, svc.code), "")
                    if new != old:
                        store_days.upsert_menu(s, site, day, svc.code, new)
                        audit.record(s, ctx.actor, "menu.set", site_id=site.id,
                                     target=f"menu:{day.isoformat()}:{svc.code}", before={"text": old},
                                     after={"text": new})

    await in_thread(write)
    return RedirectResponse(f"/office/menus?week={monday.isoformat()}&saved=1", status_code=303)
