"""Kiosk staff (admin): the people who act at the stations with a PIN — add one, change a PIN,
deactivate. Through `store.upsert_staff` (the CLI's), PINs hashed with `plateau.domain.pins`
(never shown, never logged); audited without the PIN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from plateau.domain.pins import hash_pin
from plateau.server import audit, feed, store
from plateau.server import models as m
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.templating import render
from plateau.server.wording import text_of

router = APIRouter()
KIOSK_ROLES = store.ROLES  # staff | manager | admin at the station


def _safe(st: m.Staff) -> dict:
    data = feed.staff_data(st)
    data.pop("pin_hash", None)
    return data


def _page(request: Request, ctx, *, error: str | None = None, form: dict | None = None, status: int = 200,
          done: bool = False):
    with db_of(request).read() as s:
        people = [_safe(st) for st in s.execute(select(m.Staff).where(m.Staff.site_id == ctx.site_id)
                                                .order_by(m.Staff.name)).scalars()]
    return render(request, "office/staff.html", {"office": ctx, "page": "staff", "people": people,
                                                 "roles": KIOSK_ROLES, "error": error, "form": form or {},
                                                 "done": done}, status=status)


@router.get("/office/staff")
def staff(request: Request, ctx: Office):
    need(request, ctx, "stations")
    return _page(request, ctx, done=request.query_params.get("done") == "1")


async def _save(request: Request, ctx, form: dict, staff_id: int | None):
    _ = gettext(request_lang(request))
    typed = {k: str(form.get(k) or "")[:100] for k in ("name", "role", "badge")}
    pin = str(form.get("pin") or "").strip()
    try:
        pin_hash = hash_pin(pin) if pin else None
    except ValueError:
        return _page(request, ctx, error=_("The PIN is 4 to 12 digits."), form=typed, status=422)

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            old = s.get(m.Staff, staff_id) if staff_id is not None else None
            if staff_id is not None and (old is None or old.site_id != site.id):
                raise WebError(404, _("Not found."))
            if old is None and pin_hash is None:
                raise store.StoreError(_("The PIN is 4 to 12 digits."))
            before = _safe(old) if old else None
            st = store.upsert_staff(s, site, typed["name"] or (old.name if old else ""),
                                    typed["role"] or (old.role if old else ""),
                                    pin_hash or old.pin_hash, id=staff_id,
                                    badge_uid=typed["badge"] or (old.badge_uid if old else None),
                                    active=form.get("active", "1") == "1")
            audit.record(s, ctx.actor, "staff.set", site_id=site.id, target=f"staff:{st.id}", before=before,
                         after={**_safe(st), "pin_changed": pin_hash is not None})

    try:
        await in_thread(write)
    except store.StoreError as exc:
        return _page(request, ctx, error=text_of(exc, request_lang(request)), form=typed, status=422)
    return RedirectResponse("/office/staff?done=1", status_code=303)


@router.post("/office/staff")
async def add(request: Request, ctx: Office, form: Form):
    need(request, ctx, "stations")
    return await _save(request, ctx, form, None)


@router.post("/office/staff/{staff_id}")
async def change(request: Request, ctx: Office, form: Form, staff_id: int):
    need(request, ctx, "stations")
    return await _save(request, ctx, form, staff_id)
