"""What the office does on a person's page: a desk payment, an opposition entered or lifted.

Each form is checked like the JSON API's body (the same pydantic schemas: `PaymentIn`,
`OppositionIn`), written through the same store functions (`store.record_payment` is also the
API's and, through `ledger.post`, the payments import's), audited in the same unit of work, and
answered with a redirect to the person's page (so a reload does not post again). A refused
form shows the page again with the reason and what was typed.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import func, select

from plateau.domain.money import AmountError, parse_euros
from plateau.server import audit, feed, ledger, store, store_days
from plateau.server.headcount_source import person_doubles
from plateau.server import models as m
from plateau.server.imports.values import ValueProblem, parse_date
from plateau.server.schemas import OppositionIn, PaymentIn
from plateau.server.web.errors import WebError
from plateau.server.web.i18n import gettext, request_lang
from plateau.server.web.office.deps import Form, Office, db_of, in_thread, need
from plateau.server.web.office.persons import get_person_of, show_person

router = APIRouter()
MEANS = {"cash": "espèces", "cheque": "chèque", "transfer": "virement"}
_NONCE = re.compile(r"^[0-9a-f]{32}$")
MAX_DESK_CENTS = 1_000_000  # PaymentIn's bound: 10,000 € at the desk is a typo


class FormProblem(ValueError):
    """A value of the form that cannot be used (English key of the message shown)."""


def desk_amount(text: str) -> int:
    """'12,50', '12.5', '12,50 €' -> 1250; refuses zero, negatives, more than 2 decimals, too large."""
    t = (text or "").strip().replace("\u00a0", " ")
    try:
        cents = parse_euros(t)
    except AmountError:
        if re.fullmatch(r"\d+[.,]\d{3,}(\s*€)?", t):  # one separator, too many decimals
            raise FormProblem("at most 2 decimals") from None
        raise FormProblem("write an amount in euros, e.g. 12,50") from None
    if cents <= 0:
        raise FormProblem("the amount must be more than zero")
    if cents > MAX_DESK_CENTS:
        raise FormProblem("too large")
    return cents


def redirect_to_person(person_id: int, **params) -> RedirectResponse:
    from urllib.parse import urlencode

    return RedirectResponse(f"/office/persons/{person_id}?{urlencode(params)}#flash", status_code=303)


@router.post("/office/persons/{person_id}/payments")
async def record_payment(request: Request, ctx: Office, form: Form, person_id: int):
    need(request, ctx, "payments")
    _ = gettext(request_lang(request))
    typed = {k: str(form.get(k) or "")[:200] for k in ("amount", "means", "reference", "nonce")}
    try:
        cents = desk_amount(typed["amount"])
    except FormProblem as exc:
        return show_person(request, ctx, person_id, error=_("Amount: {error}", error=_(str(exc))), form=typed,
                           status=422)
    if typed["means"] not in MEANS:
        return show_person(request, ctx, person_id, error=_("Choose cash, cheque or transfer."), form=typed,
                           status=422)
    reference = typed["reference"].strip()
    nonce = typed["nonce"] if _NONCE.match(typed["nonce"]) else None
    if not reference and nonce is None:
        raise WebError(400, _("This form has expired or did not come from this office. Reload the page and "
                              "try again."))
    # the ledger's cause: what makes the payment idempotent (a reload, a double click, the same cheque twice)
    cause = f"{typed['means']}:{reference}" if reference else f"desk:{nonce}"
    label = f"paiement au guichet, {MEANS[typed['means']]}" + (f" {reference}" if reference else "")
    try:
        body = PaymentIn(reference=cause, amount_cents=cents, label=label[:200])
    except ValidationError as exc:
        return show_person(request, ctx, person_id, error=_("Amount: {error}", error=str(exc.errors()[0]["msg"])),
                           form=typed, status=422)

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            person = get_person_of(s, request, ctx, person_id)
            before = ledger.balances_of(s, [person.id])[0]["balance_cents"]
            entry = store.record_payment(s, site, person.id, body.amount_cents, body.reference, body.label)
            after = ledger.balances_of(s, [person.id])[0]["balance_cents"]
            if entry is not None:
                audit.record(s, ctx.actor, "payment.record", site_id=site.id, target=f"person:{person.id}",
                             before={"balance_cents": before},
                             after={"balance_cents": after, "amount_cents": body.amount_cents,
                                    "means": typed["means"], "reference": body.reference, "entry": entry.id})
                return entry.id
            return None

    entry_id = await in_thread(write)
    if entry_id is None:
        return redirect_to_person(person_id, flash="duplicate", amount=cents)
    return redirect_to_person(person_id, flash="paid", amount=cents, receipt=entry_id)


@router.get("/office/persons/{person_id}/receipts/{entry_id}")
def receipt(request: Request, ctx: Office, person_id: int, entry_id: int):
    """A printable receipt of a desk payment (the browser prints it; no JavaScript)."""
    need(request, ctx, "payments")
    from plateau.server.web.templating import render

    with db_of(request).read() as s:
        person = get_person_of(s, request, ctx, person_id)
        entry = s.get(m.LedgerEntry, entry_id)
        if entry is None or entry.person_id != person.id or entry.kind != "payment":
            raise WebError(404, gettext(request_lang(request))("Not found."))
        after = int(s.execute(select(func.coalesce(func.sum(m.LedgerEntry.amount_cents), 0)).where(
            m.LedgerEntry.person_id == person.id, m.LedgerEntry.version <= entry.version)).scalar_one())
        return render(request, "office/receipt.html", {"office": ctx, "page": "persons", "person": person,
                                                       "entry": entry, "balance_after": after})


@router.post("/office/persons/{person_id}/oppositions")
async def add_opposition(request: Request, ctx: Office, form: Form, person_id: int):
    need(request, ctx, "oppositions")
    _ = gettext(request_lang(request))
    typed = {k: str(form.get(k) or "")[:200] for k in ("first", "last", "motive", "source")}
    try:
        first = parse_date(typed["first"], "first day")
        last = parse_date(typed["last"], "last day")
        if last < first:
            raise FormProblem("the last day is before the first day")
    except ValueProblem:
        return show_person(request, ctx, person_id, error=_("Dates: {error}", error=_("write the days as DD/MM/YYYY")),
                           form=typed, status=422)
    except FormProblem as exc:
        return show_person(request, ctx, person_id, error=_("Dates: {error}", error=_(str(exc))), form=typed,
                           status=422)
    tz = ZoneInfo(ctx.timezone)
    try:
        body = OppositionIn(starts_at=datetime.combine(first, time(0), tz),
                            ends_at=datetime.combine(last + timedelta(days=1), time(0), tz),
                            motive=typed["motive"].strip(), source=typed["source"] or "absence")
    except ValidationError as exc:
        return show_person(request, ctx, person_id, error=str(exc.errors()[0]["msg"]), form=typed, status=422)

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            person = get_person_of(s, request, ctx, person_id)
            o = store_days.upsert_opposition(s, site, person.id, body.starts_at, body.ends_at, body.motive, body.source)
            audit.record(s, ctx.actor, "opposition.add", site_id=site.id, target=f"person:{person.id}",
                         after=feed.opposition_data(o))

    await in_thread(write)
    return redirect_to_person(person_id, flash="opposition", first=first.strftime("%d/%m/%Y"),
                              last=last.strftime("%d/%m/%Y"))


@router.post("/office/persons/{person_id}/oppositions/{opposition_id}/lift")
async def lift_opposition(request: Request, ctx: Office, form: Form, person_id: int, opposition_id: str):
    need(request, ctx, "oppositions")

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            person = get_person_of(s, request, ctx, person_id)
            o = s.get(m.Opposition, opposition_id[:64])
            if o is None or o.person_id != person.id:
                raise WebError(404, gettext(request_lang(request))("Not found."))
            before = feed.opposition_data(o)
            store_days.delete_opposition(s, site, o.id)
            audit.record(s, ctx.actor, "opposition.lift", site_id=site.id, target=f"person:{person.id}",
                         before=before)

    await in_thread(write)
    if form.get("back") == "absences":  # lifted from the day's list: back to it
        return RedirectResponse("/office/oppositions", status_code=303)
    return redirect_to_person(person_id, flash="lifted")


@router.post("/office/persons/{person_id}/passages/{passage_id}/refund")
async def refund_double(request: Request, ctx: Office, form: Form, person_id: int, passage_id: str):
    """Refund what the extra passage of a double (two offline stations served the person) charged:
    a `refund` ledger entry caused by that passage, so it is refunded at most once whoever clicks,
    audited like a desk payment. Only a passage that is the extra one of a double now, and was
    charged, may be refunded."""
    need(request, ctx, "payments")
    _ = gettext(request_lang(request))

    def write():
        with db_of(request).write() as s:
            site = s.get(m.Site, ctx.site_id)
            person = get_person_of(s, request, ctx, person_id)
            p = s.get(m.Passage, passage_id[:36])
            double = None if p is None or p.person_id != person.id or p.site_id != site.id else \
                person_doubles(s, site, person, {p.local_date}).get(p.id)
            charged = None if double is None or not double["extra"] else s.execute(
                select(func.sum(m.LedgerEntry.amount_cents)).where(
                    m.LedgerEntry.site_id == site.id, m.LedgerEntry.kind == "passage",
                    m.LedgerEntry.cause == p.id)).scalar()
            if not charged or charged >= 0:
                return None
            before = ledger.balances_of(s, [person.id])[0]["balance_cents"]
            label = f"remboursement du passage en double du {p.local_date.strftime('%d/%m/%Y')} ({p.station})"
            entry = ledger.post(s, site.id, person.id, -charged, "refund", p.id, label=label)
            if entry is None:
                return 0
            after = ledger.balances_of(s, [person.id])[0]["balance_cents"]
            audit.record(s, ctx.actor, "passage.refund", site_id=site.id, target=f"person:{person.id}",
                         before={"balance_cents": before},
                         after={"balance_cents": after, "amount_cents": -charged, "passage": p.id,
                                "entry": entry.id})
            return -charged

    refunded = await in_thread(write)
    if refunded is None:
        return show_person(request, ctx, person_id, status=422, error=_(
            "Only the extra passage of a double passage, when it was charged, may be refunded."))
    if refunded == 0:
        return redirect_to_person(person_id, flash="refunded_before")
    return redirect_to_person(person_id, flash="refunded", amount=refunded)
