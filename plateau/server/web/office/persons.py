"""Persons: the list (accent-insensitive search, filters, French order, pages) and a person's page.

The list is filtered and sorted in Python over the site's persons (a few thousand rows, three
queries): that gives the same French order and accent folding on SQLite and PostgreSQL.
Balances and money movements appear only for the roles with the `balances` permission.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import select

from plateau.domain.uid import FORMATS as UID_FORMATS
from plateau.server import audit, feed, ledger, store
from plateau.server.headcount_source import person_doubles, refunded_passages
from plateau.server import models as m
from plateau.server.web.collation import fold, french_key
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Office, db_of, need
from plateau.server.web.templating import render

router = APIRouter()
PAGE_SIZE = 50
BALANCE_FILTERS = ("", "debtors", "creditors")
STATUS_FILTERS = ("active", "archived", "all")


@dataclass(frozen=True)
class PersonRow:
    id: int
    last_name: str
    first_name: str
    class_name: str
    category: str
    plan: str
    status: str
    balance_cents: int
    cards: tuple[str, ...]


def _filters(request: Request) -> dict:
    q = request.query_params
    page = q.get("page", "1")
    return {"q": (q.get("q") or "").strip()[:100], "class_name": q.get("class", "")[:40],
            "category": q.get("category", "")[:40],
            "plan": q.get("plan", "") if q.get("plan", "") in store.PLANS else "",
            "balance": q.get("balance", "") if q.get("balance", "") in BALANCE_FILTERS else "",
            "status": q.get("status", "active") if q.get("status", "active") in STATUS_FILTERS else "active",
            "no_card": q.get("no_card") == "1", "page": int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1}


def load_rows(s, site_id: int) -> list[PersonRow]:
    persons = s.execute(select(m.Person.id, m.Person.last_name, m.Person.first_name, m.Person.class_name,
                               m.Person.category, m.Person.plan, m.Person.status)
                        .where(m.Person.site_id == site_id)).all()
    balances = dict(s.execute(select(m.Balance.person_id, m.Balance.balance_cents)
                              .where(m.Balance.site_id == site_id)).all())
    cards: dict[int, list[str]] = {}
    for pid, uid in s.execute(select(m.Card.person_id, m.Card.uid).where(m.Card.site_id == site_id,
                                                                         m.Card.status == "active")):
        cards.setdefault(pid, []).append(uid)
    return [PersonRow(p.id, p.last_name, p.first_name, p.class_name or "", p.category, p.plan, p.status,
                      int(balances.get(p.id, 0)), tuple(cards.get(p.id, ()))) for p in persons]


def select_rows(rows: list[PersonRow], f: dict, *, money: bool) -> list[PersonRow]:
    """Rows matching the filters, in French order of last then first name."""
    words = fold(f["q"]).split()
    uid_query = f["q"].replace(":", "").replace(" ", "").upper()

    def matches(r: PersonRow) -> bool:
        if f["status"] != "all" and r.status != f["status"]:
            return False
        if f["class_name"] and r.class_name != f["class_name"]:
            return False
        if f["category"] and r.category != f["category"]:
            return False
        if f["plan"] and r.plan != f["plan"]:
            return False
        if f["no_card"] and r.cards:
            return False
        if money and f["balance"] == "debtors" and r.balance_cents >= 0:
            return False
        if money and f["balance"] == "creditors" and r.balance_cents <= 0:
            return False
        if words:
            hay = f"{fold(r.last_name)} {fold(r.first_name)} {fold(r.class_name)}"
            by_words = all(w in hay for w in words)
            by_card = len(uid_query) >= 4 and any(uid_query in c for c in r.cards)
            if not (by_words or by_card):
                return False
        return True

    return sorted((r for r in rows if matches(r)), key=lambda r: (french_key(r.last_name, r.first_name), r.id))


@router.get("/office/persons")
def persons(request: Request, ctx: Office):
    need(request, ctx, "persons")
    f = _filters(request)
    money = ctx.can("balances")
    with db_of(request).read() as s:
        rows = load_rows(s, ctx.site_id)
    classes = sorted({r.class_name for r in rows if r.class_name}, key=french_key)
    categories = sorted({r.category for r in rows}, key=french_key)
    found = select_rows(rows, f, money=money)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(f["page"], pages)
    shown = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    base = {k: v for k, v in (("q", f["q"]), ("class", f["class_name"]), ("category", f["category"]),
                              ("plan", f["plan"]),
                              ("balance", f["balance"]), ("status", f["status"]),
                              ("no_card", "1" if f["no_card"] else "")) if v}

    def page_url(n: int) -> str:
        return "/office/persons?" + urlencode({**base, "page": n})

    return render(request, "office/persons.html", {
        "office": ctx, "page": "persons", "f": f, "rows": shown, "total": len(found), "classes": classes,
        "categories": categories, "plans": store.PLANS, "money": money, "page_no": page, "pages": pages,
        "prev_url": page_url(page - 1) if page > 1 else None, "next_url": page_url(page + 1) if page < pages else None})


def month_title(month: str, lang: str) -> str:
    """'2026-12' -> 'décembre 2026' (fr) or 'December 2026' (en)."""
    from plateau.reports.periods import MONTH_FR

    year, number = (int(x) for x in month.split("-"))
    if lang == "en":
        return date(year, number, 1).strftime("%B %Y")
    return f"{MONTH_FR[number - 1]} {year}"


def person_view(s, ctx, person: m.Person, *, money: bool, lang: str = "fr") -> dict:
    cards = list(s.execute(select(m.Card).where(m.Card.person_id == person.id).order_by(m.Card.uid)).scalars())
    passages = list(s.execute(select(m.Passage).where(m.Passage.person_id == person.id,
                                                      m.Passage.site_id == person.site_id)
                              .order_by(m.Passage.at.desc()).limit(50)).scalars())
    today = feed.now().astimezone(_tz(ctx)).date()
    reservations = list(s.execute(select(m.Reservation).where(m.Reservation.person_id == person.id,
                                                              m.Reservation.date >= today - timedelta(days=7))
                                  .order_by(m.Reservation.date, m.Reservation.service).limit(60)).scalars())
    services = list(s.execute(select(m.Service).where(m.Service.site_id == person.site_id)
                              .order_by(m.Service.start)).scalars())
    oppositions = list(s.execute(select(m.Opposition).where(m.Opposition.person_id == person.id)
                                 .order_by(m.Opposition.starts_at.desc())).scalars())
    view = {"person": person, "cards": cards, "passages": passages, "reservations": reservations,
            "services": services, "today": today,
            "oppositions": oppositions, "balance_cents": None, "months": [],
            "history": audit.latest(s, [ctx.site_id], limit=50, target=f"person:{person.id}"),
            "phone_badge": s.get(m.PhoneBadge, person.id),
            # passages of a double (two offline stations served the pupil): flagged in the list
            "doubles": person_doubles(s, s.get(m.Site, person.site_id), person, {p.local_date for p in passages})}
    if money:
        # the double passages already refunded (`refund_double`): their button is gone
        view["refunded"] = refunded_passages(s, person.site_id, view["doubles"])
        view["balance_cents"] = ledger.balances_of(s, [person.id])[0]["balance_cents"]
        entries = list(s.execute(select(m.LedgerEntry).where(m.LedgerEntry.person_id == person.id)
                                 .order_by(m.LedgerEntry.version, m.LedgerEntry.id)).scalars())
        running, rows = 0, []
        for e in entries:
            running += e.amount_cents
            rows.append((e, running))
        months: dict[str, list] = {}
        for e, after in reversed(rows):  # newest first, grouped by local month
            months.setdefault(e.at.astimezone(_tz(ctx)).strftime("%Y-%m"), []).append((e, after))
        view["months"] = [(month_title(month, lang), items,
                           sum(e.amount_cents for e, _a in items if e.amount_cents > 0),
                           sum(e.amount_cents for e, _a in items if e.amount_cents < 0))
                          for month, items in months.items()]
    return view


def _tz(ctx):
    from zoneinfo import ZoneInfo

    return ZoneInfo(ctx.timezone)


def get_person_of(s, request: Request, ctx, person_id: int) -> m.Person:
    try:
        return store.get_person(s, s.get(m.Site, ctx.site_id), person_id)
    except store.NotFound:
        raise WebError(404, gettext(request_lang(request))("Not found.")) from None


@router.get("/office/persons/{person_id}")
def person_page(request: Request, ctx: Office, person_id: int):
    need(request, ctx, "persons")
    return show_person(request, ctx, person_id)


# what a form's redirect (`?flash=...`) says once the page is shown again
FLASHES = {"paid": "Payment of {amount} recorded. New balance: {balance}.",
           "duplicate": "This payment was already recorded (same reference): nothing changed.",
           "opposition": "Opposition added from {first} to {last}.", "lifted": "Opposition lifted.",
           "booked": "Meal booked on {first}.", "cancelled": "Meal of {first} cancelled.",
           "card": "Card {uid} enrolled.", "lost": "Card {uid} declared lost: the stations refuse it.",
           "phone_off": "Phone badge turned off: the stations refuse its codes after their next sync.",
           "refunded": "Extra passage refunded: {amount}. New balance: {balance}.",
           "refunded_before": "This passage was already refunded: nothing changed."}


def show_person(request: Request, ctx, person_id: int, *, error: str | None = None, form: dict | None = None,
                status: int = 200):
    """The person page, with the flash of a redirect or the error of a refused form."""
    _ = gettext(request_lang(request))
    with db_of(request).read() as s:  # rendered inside: the rows are read lazily by the template
        person = get_person_of(s, request, ctx, person_id)
        view = person_view(s, ctx, person, money=ctx.can("balances"), lang=request_lang(request))
        return _render_person(request, ctx, view, error, form, status)


def _render_person(request: Request, ctx, view: dict, error, form, status: int):
    _ = gettext(request_lang(request))
    q = request.query_params
    flash = None
    if q.get("flash") in FLASHES:
        from plateau.server.web.templating import euros

        lang = request_lang(request)
        amount = q.get("amount", "")
        flash = _(FLASHES[q["flash"]], amount=euros(int(amount) if amount.isdigit() and len(amount) < 10 else 0, lang),
                  balance=euros(view["balance_cents"], lang), first=q.get("first", "")[:10],
                  last=q.get("last", "")[:10], uid=q.get("uid", "")[:32])
    from plateau.reports.labels import labels, reason_label

    L = labels(request_lang(request))
    receipt = q.get("receipt", "") if q.get("flash") == "paid" and q.get("receipt", "").isdigit() else None
    return render(request, "office/person.html", {
        "office": ctx, "page": "persons", "flash": flash, "receipt": receipt, "error": error, "form": form or {},
        **view,
        "nonce": uuid.uuid4().hex, "today_iso": feed.now().astimezone(_tz(ctx)).date().isoformat(),
        "reason_label": lambda code: reason_label(code, L), "card_formats": UID_FORMATS}, status=status)
