"""The site's settings (admin, gestionnaire): meal services and their hours, tariffs, the
policy settings (docs/configuration.md#site-settings), and closures (the official calendar's,
imported on Imports, and local ones added here). Every write goes through the store's own
validation (`upsert_service`, `upsert_tariff`, `set_settings`, `upsert_closure`), the same as
`plateau admin`; each is audited and reaches the stations at their next sync."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateau.domain.money import AmountError, parse_euros
from plateau.server import audit, feed, store, store_days
from plateau.server import models as m
from plateau.server.imports.values import ValueProblem, parse_date
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.templating import render
from plateau.server.wording import text_of

router = APIRouter()
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _page(request: Request, ctx, *, error: str | None = None, status: int = 200):
    today = feed.now().astimezone(ZoneInfo(ctx.timezone)).date()
    with db_of(request).read() as s:
        site = s.get(m.Site, ctx.site_id)
        view = {
            "services": list(s.execute(select(m.Service).where(m.Service.site_id == site.id)
                                       .order_by(m.Service.start)).scalars()),
            "tariffs": list(s.execute(select(m.Tariff).where(m.Tariff.site_id == site.id)
                                      .order_by(m.Tariff.category)).scalars()),
            "settings": sorted((site.settings or {}).items()),
            "closures": list(s.execute(select(m.Closure).where(m.Closure.site_id == site.id,
                                                               m.Closure.last_day >= today)
                                       .order_by(m.Closure.first_day)).scalars()),
            "zone": site.zone}
        return render(request, "office/settings.html", {"office": ctx, "page": "settings", "error": error,
                                                        "days": DAYS, "saved": request.query_params.get("saved"),
                                                        **view}, status=status)


@router.get("/office/settings")
def settings(request: Request, ctx: Office):
    need(request, ctx, "settings")
    return _page(request, ctx)


async def _write(request: Request, ctx, action: str, change) -> object:
    """Run `change(session, site) -> (target, before, after)` in one unit of work, audited."""
    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            target, before, after = change(s, site)
            audit.record(s, ctx.actor, action, site_id=site.id, target=target, before=before, after=after)

    try:
        await in_thread(write)
    except store.StoreError as exc:
        return _page(request, ctx, error=text_of(exc, request_lang(request)), status=422)
    return RedirectResponse(f"/office/settings?saved={action}#{action.split('.')[0]}", status_code=303)


@router.post("/office/settings/services")
async def save_service(request: Request, ctx: Office, form: Form):
    need(request, ctx, "settings")
    code = str(form.get("code") or "").strip()[:32]
    days = ",".join(d for d in DAYS if form.get(f"day_{d}"))

    def change(s, site):
        old = s.execute(select(m.Service).where(m.Service.site_id == site.id, m.Service.code == code)
                        ).scalar_one_or_none()
        before = feed.service_data(old) if old else None
        svc = store.upsert_service(s, site, code, str(form.get("label") or ""), str(form.get("start") or ""),
                                   str(form.get("end") or ""), days or "none")
        return f"service:{code}", before, feed.service_data(svc)

    return await _write(request, ctx, "service.set", change)


@router.post("/office/settings/tariffs")
async def save_tariff(request: Request, ctx: Office, form: Form):
    need(request, ctx, "settings")
    _ = gettext(request_lang(request))
    try:
        cents = parse_euros(str(form.get("price") or "").strip())
    except AmountError:
        return _page(request, ctx, error=_("Amount: {error}", error=_("write an amount in euros, e.g. 12,50")),
                     status=422)
    category = str(form.get("category") or "").strip()[:40]

    def change(s, site):
        old = s.execute(select(m.Tariff).where(m.Tariff.site_id == site.id, m.Tariff.category == category)
                        ).scalar_one_or_none()
        before = feed.tariff_data(old) if old else None
        t = store.upsert_tariff(s, site, category, cents, str(form.get("label") or "") or None)
        return f"tariff:{category}", before, feed.tariff_data(t)

    return await _write(request, ctx, "tariff.set", change)


@router.post("/office/settings/policy")
async def save_policy(request: Request, ctx: Office, form: Form):
    need(request, ctx, "settings")
    key, value = str(form.get("key") or "").strip()[:64], str(form.get("value") or "").strip()[:200]

    def change(s, site):
        before = {key: (site.settings or {}).get(key)}
        if value:
            store.set_settings(s, site, {key: value})
        else:
            store.set_settings(s, site, {}, remove=(key,))
        return f"setting:{key}", before, {key: (site.settings or {}).get(key)}

    return await _write(request, ctx, "setting.set", change)


@router.post("/office/settings/closures")
async def add_closure(request: Request, ctx: Office, form: Form):
    need(request, ctx, "settings")
    _ = gettext(request_lang(request))
    try:
        first = parse_date(str(form.get("first") or ""), "first day")
        last = parse_date(str(form.get("last") or ""), "last day")
    except ValueProblem:
        return _page(request, ctx, error=_("Dates: {error}", error=_("write the days as DD/MM/YYYY")), status=422)

    def change(s, site):
        c = store_days.upsert_closure(s, site, first, last, str(form.get("label") or "")[:200], "local")
        return f"closure:{c.id}", None, feed.closure_data(c)

    return await _write(request, ctx, "closure.add", change)


@router.post("/office/settings/closures/{closure_id}/delete")
async def delete_closure(request: Request, ctx: Office, form: Form, closure_id: str):
    need(request, ctx, "settings")

    def change(s, site):
        c = s.get(m.Closure, closure_id[:64])
        if c is None or c.site_id != site.id:
            raise store.NotFound(f"no closure {closure_id!r}")
        before = feed.closure_data(c)
        store_days.delete_closure(s, site, c.id)
        return f"closure:{closure_id}", before, None

    return await _write(request, ctx, "closure.delete", change)
