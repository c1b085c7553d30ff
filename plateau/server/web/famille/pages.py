"""The Espace Famille's reading pages: home (with the count of new messages), passages, movements,
menus and the account.

Every figure comes from the family API's own route functions (called with the signed-in
family), so a page and an app always show the same balance, passages and menus.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy import select

from plateau.server import family_models as fm

from plateau.server import models as m
from plateau.server import store
from plateau.server.family import accounts
from plateau.server.routes import family as api
from plateau.server.routes import family_messages
from plateau.server.routes import family_money as money
from plateau.server.web import sessions
from plateau.server.web.i18n import request_lang
from plateau.server.web.templating import long_date
from plateau.server.web.famille.deps import (COOKIE, REALM, Famille, FamilyContext, Form, Kid, child_of, db_of,
                                             in_thread, now_of, render_page, words)

router = APIRouter()

MOVEMENT_KINDS = {"payment": "Payment", "passage": "Meal", "reservation": "Booking", "cancel": "Cancelled booking",
                  "refund": "Refund", "adjustment": "Adjustment"}
_MEAL = re.compile(r"(\d{4}-\d{2}-\d{2})\s+([a-z0-9_-]+)")  # a booking's ledger label: "… 2026-12-17 dejeuner"


def today_of(request: Request, kid: Kid):
    return now_of(request).astimezone(ZoneInfo(kid.timezone)).date()


def deadline_words(request: Request):
    """A cutoff instant in a family's words: midnight is said as the end of the day before
    ("jeudi 3 décembre à minuit"), never as 00:00 of the day itself."""
    lang = request_lang(request)
    _ = words(request)

    def say(instant, tz: str) -> str:
        local = instant.astimezone(ZoneInfo(tz))
        if (local.hour, local.minute) == (0, 0):
            return _("{day} at midnight", day=long_date(local.date() - timedelta(days=1), lang))
        return _("{day} at {time}", day=long_date(local.date(), lang), time=local.strftime("%H:%M"))
    return say


def service_names(request: Request, kid: Kid | None) -> dict[str, str]:
    """The site's meal services by code ("dejeuner" → "Déjeuner")."""
    if kid is None:
        return {}
    with db_of(request).read() as s:
        site = store.get_site(s, kid.site_code)
        return dict(s.execute(select(m.Service.code, m.Service.label).where(m.Service.site_id == site.id)).all())


# the family API's passage labels are French; in English the reason code says the same
PASSAGE_EN = {"ok": "Meal served", "unknown_card": "Card not recognised", "card_blocked": "Card blocked",
              "person_inactive": "Not at the canteen that day", "no_service": "Outside the meal's hours",
              "closed_day": "Canteen closed", "opposition": "Access suspended: see the school's office",
              "already_served": "Already served for this meal", "not_registered_today": "Not a day of the plan",
              "no_reservation": "Meal not booked", "insufficient_balance": "Balance too low"}


def passage_words(request: Request):
    english = request_lang(request) == "en"

    def say(p) -> str:
        if not english:
            return p.label
        return "Passage cancelled by the staff" if p.label.startswith("Passage annulé") else \
            PASSAGE_EN.get(p.reason if not p.accepted else "ok", "Refused")
    return say


def page(request: Request, ctx: FamilyContext, template: str, current: str, kid: Kid | None = None,
         status: int = 200, **context):
    return render_page(request, template, {"famille": ctx, "page": current, "kid": kid, "flash": None,
                                           "error": None, "deadline": deadline_words(request),
                                           "passage_label": passage_words(request),
                                           "service_names": service_names(request, kid), **context}, status=status)


def _pending_top_ups(request: Request, ctx: FamilyContext) -> list[tuple[int, int]]:
    """(child id, cents) of this account's online payments still waiting for the bank."""
    with db_of(request).read() as s:
        return [(p, c) for p, c in s.execute(select(fm.TopUp.person_id, fm.TopUp.amount_cents).where(
            fm.TopUp.account_id == ctx.account_id, fm.TopUp.status == "pending",
            fm.TopUp.created_at >= now_of(request) - timedelta(days=2)))]


@router.get("/famille/")
def home(request: Request, ctx: Famille):
    db, family, summaries = db_of(request), ctx.family, []
    for kid in ctx.children:
        today = today_of(request, kid)
        days = api.child_calendar(kid.id, family, db, request, today, today + timedelta(days=1)).days
        menus = money.menus(kid.id, family, db, request, today, today + timedelta(days=1))
        passages = money.passages(kid.id, family, db, request, None, None)[:3]
        meals = []
        for day in (today, today + timedelta(days=1)):
            meals.append({"date": day, "states": [d for d in days if d.date == day],
                          "menus": [x for x in menus if x.date == day]})
        summaries.append({"kid": kid, "today": today, "meals": meals, "passages": passages})
    pending = _pending_top_ups(request, ctx)
    unread = sum(not x.read for x in family_messages.list_messages(family, db, request))
    return page(request, ctx, "famille/home.html", "home", summaries=summaries, pending=pending,
                names={k.id: k.first_name for k in ctx.children}, unread=unread)


@router.get("/famille/passages")
def passages(request: Request, ctx: Famille, enfant: str | None = None):
    kid = child_of(request, ctx, enfant)
    rows = money.passages(kid.id, ctx.family, db_of(request), request, None, None)
    return page(request, ctx, "famille/passages.html", "passages", kid, rows=rows)


@router.get("/famille/mouvements")
def movements(request: Request, ctx: Famille, enfant: str | None = None):
    kid = child_of(request, ctx, enfant)
    rows = money.movements(kid.id, ctx.family, db_of(request), request, None, None)
    names, _ = service_names(request, kid), words(request)
    lang = request_lang(request)

    def what(e) -> str:
        meal = _MEAL.search(e.label or "")
        if e.kind in ("reservation", "cancel") and meal:
            day = long_date(date.fromisoformat(meal.group(1)), lang)
            return f"{_(MOVEMENT_KINDS[e.kind])} — {day} ({names.get(meal.group(2), meal.group(2))})"
        return e.label or _(MOVEMENT_KINDS.get(e.kind, e.kind))
    return page(request, ctx, "famille/movements.html", "movements", kid, rows=[(e, what(e)) for e in rows])


@router.get("/famille/menus")
def menus(request: Request, ctx: Famille, enfant: str | None = None):
    kid = child_of(request, ctx, enfant)
    today = today_of(request, kid)
    monday = today - timedelta(days=today.weekday())
    rows = money.menus(kid.id, ctx.family, db_of(request), request, monday, monday + timedelta(days=6))
    days = [(monday + timedelta(days=i), [x for x in rows if x.date == monday + timedelta(days=i)])
            for i in range(7)]
    return page(request, ctx, "famille/menus.html", "menus", kid, days=[d for d in days if d[1]], today=today)


@router.get("/famille/compte")
def account(request: Request, ctx: Famille):
    return page(request, ctx, "famille/account.html", "account")


@router.post("/famille/compte/mot-de-passe")
async def change_password(request: Request, ctx: Famille, form: Form):
    """A new password: checked against the current one; every other session and token ends."""
    _ = words(request)
    current, new = str(form.get("current") or ""), str(form.get("password") or "")
    if new != str(form.get("password2") or ""):
        return page(request, ctx, "famille/account.html", "account", error=_("The two passwords differ."),
                    status=422)
    db, now = db_of(request), now_of(request)

    def save() -> tuple[str, str] | None:
        with db.read() as s:
            stored = s.get(fm.FamilyAccount, ctx.account_id).password_hash
        if not accounts.check_password(stored, current):
            return None
        with db.write() as s:
            accounts.set_password(s, s.get(fm.FamilyAccount, ctx.account_id), new, now)  # ends every session
            token, row = sessions.create(s, REALM, ctx.account_id, None)  # ...but this browser's
            return token, row.csrf

    try:
        fresh_session = await in_thread(save)
    except accounts.FamilyError:
        return page(request, ctx, "famille/account.html", "account",
                    error=_("A password has 10 to 200 characters."), status=422)
    if fresh_session is None:
        return page(request, ctx, "famille/account.html", "account", error=_("The current password is wrong."),
                    status=422)
    token, csrf = fresh_session
    fresh = FamilyContext(ctx.account_id, ctx.email, csrf, "", ctx.children)
    response = page(request, fresh, "famille/account.html", "account", flash=_("Your password is changed."))
    sessions.set_cookie(response, request, COOKIE, token, path="/famille",
                        max_age=int(sessions.LIFETIME.total_seconds()))
    return response

