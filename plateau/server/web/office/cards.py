"""Cards on a person's page: enrol a badge (typed in any spelling a reader or a card printer
uses), declare one lost. Replacing a card is both. Through `store.upsert_card` (the API's and
the cards import's), audited; stations get the change at their next sync. The phone badge is
turned off here too (a lost phone; `plateau.server.family.phone_badge`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from plateau.domain.uid import FORMATS, UidError, normalize_uid
from plateau.server import audit, feed, store
from plateau.server.family import phone_badge
from plateau.server import models as m
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.office.person_actions import redirect_to_person
from plateau.server.web.office.persons import get_person_of, show_person

router = APIRouter()


@router.post("/office/persons/{person_id}/cards")
async def enrol(request: Request, ctx: Office, form: Form, person_id: int):
    need(request, ctx, "cards")
    _ = gettext(request_lang(request))
    typed = {k: str(form.get(k) or "")[:64] for k in ("uid", "format")}
    fmt = typed["format"] if typed["format"] in FORMATS else "hex"
    try:
        uid = normalize_uid(typed["uid"].strip(), fmt)
    except UidError as exc:
        return show_person(request, ctx, person_id, error=_("Card: {error}", error=str(exc)), form=typed,
                           status=422)

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            person = get_person_of(s, request, ctx, person_id)
            card = s.execute(select(m.Card).where(m.Card.site_id == site.id, m.Card.uid == uid)).scalar_one_or_none()
            before = feed.card_data(card) if card else None
            if card is not None and card.person_id != person.id and card.status == "active":
                return before  # another pupil's badge: refused below, nothing written
            after = feed.card_data(store.upsert_card(s, site, uid, person.id, "active"))
            audit.record(s, ctx.actor, "card.enrol", site_id=site.id, target=f"person:{person.id}",
                         before=before, after=after)
            return None

    taken = await in_thread(write)
    if taken is not None:
        return show_person(request, ctx, person_id, status=409, form=typed, error=_(
            "Card {uid} is the active card of person {other}: declare it lost there first.",
            uid=uid, other=taken["person_id"]))
    return redirect_to_person(person_id, flash="card", uid=uid)


@router.post("/office/persons/{person_id}/cards/{uid}/lost")
async def declare_lost(request: Request, ctx: Office, form: Form, person_id: int, uid: str):
    need(request, ctx, "cards")

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            person = get_person_of(s, request, ctx, person_id)
            card = s.execute(select(m.Card).where(m.Card.site_id == site.id, m.Card.uid == uid[:32])
                             ).scalar_one_or_none()
            if card is None or card.person_id != person.id:
                raise WebError(404, gettext(request_lang(request))("Not found."))
            before = feed.card_data(card)
            after = feed.card_data(store.upsert_card(s, site, card.uid, person.id, "lost"))
            audit.record(s, ctx.actor, "card.lost", site_id=site.id, target=f"person:{person.id}",
                         before=before, after=after)

    await in_thread(write)
    return redirect_to_person(person_id, flash="lost", uid=uid[:32])


@router.post("/office/persons/{person_id}/phone-badge/off")
async def phone_badge_off(request: Request, ctx: Office, form: Form, person_id: int):
    """Turn the pupil's phone badge off: the stations refuse its codes after their next sync; the
    family may turn it on again (a new secret) if the school allows phone badges."""
    need(request, ctx, "cards")

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            person = get_person_of(s, request, ctx, person_id)
            held = phone_badge.status(s, person.id)
            before = {"issued_at": held.issued_at.isoformat(), "issued_by": held.issued_by} if held else None
            if phone_badge.turn_off(s, site, person):
                audit.record(s, ctx.actor, "phone_badge.off", site_id=site.id, target=f"person:{person.id}",
                             before=before, after=None)

    await in_thread(write)
    return redirect_to_person(person_id, flash="phone_off")
