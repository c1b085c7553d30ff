"""The family API, money and the canteen's days: passages, movements, menus, online top-ups,
and the payment provider's answers (`/api/v1/family/top-ups/{site}/notify` and `/return`).

The provider's routes take no token: what they say is trusted only as eopayment verifies it
(`plateau.server.family.payments.settle`), and it credits a balance at most once.
"""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from plateau.domain.policy import policy_from_settings
from plateau.server import family_models as fm
from plateau.server import models as m
from plateau.server import store
from plateau.server.auth import Db
from plateau.server.errors import ApiError, responses
from plateau.server.family import payments
from plateau.server.family.deps import FamilyCaller, mail_settings_of, now_of
from plateau.server.family.schemas import MenuOut, MovementOut, PassageOut, TopUpIn, TopUpOut
from plateau.server.routes.family import ChildId, From, To, child_of, local_range

router = APIRouter(prefix="/family", tags=["family"])

SiteCode = Annotated[str, Path(min_length=1, max_length=16)]

# what a passage means, in a family's words: never a debt amount nor a disciplinary motive
_PASSAGE_LABELS = {
    "ok": "Repas servi", "unknown_card": "Carte non reconnue", "card_blocked": "Carte bloquée",
    "person_inactive": "Non inscrit à la cantine ce jour", "no_service": "Hors des heures du service",
    "closed_day": "Cantine fermée", "opposition": "Accès suspendu : voir la vie scolaire",
    "already_served": "Déjà passé pour ce service", "not_registered_today": "Jour non prévu au forfait",
    "no_reservation": "Repas non réservé", "insufficient_balance": "Solde insuffisant",
    "phone_code_invalid": "Code du téléphone non valide", "phone_code_replayed": "Code du téléphone déjà utilisé",
    "phone_badge_off": "Badge téléphone désactivé",
}


def _bounds(tz: ZoneInfo, first, last) -> tuple[datetime, datetime]:
    return datetime.combine(first, time(0), tz), datetime.combine(last + timedelta(days=1), time(0), tz)


@router.get("/children/{child_id}/passages", response_model=list[PassageOut], responses=responses(401, 403, 422))
def passages(child_id: ChildId, family: FamilyCaller, db: Db, request: Request,
             first: From = None, last: To = None) -> list[PassageOut]:
    """The pupil's passages at the canteen (default: the last 31 days), newest first."""
    now = now_of(request)
    with db.read() as s:
        c = child_of(s, family, child_id)
        tz = ZoneInfo(c.site.timezone)
        if first is None and last is None:
            last = now.astimezone(tz).date()
            first = last - timedelta(days=30)
        first, last = local_range(c.site.timezone, now, first, last, max_days=366)
        rows = s.execute(select(m.Passage).where(m.Passage.person_id == c.person.id, m.Passage.site_id == c.site.id,
                                                 m.Passage.local_date >= first, m.Passage.local_date <= last)
                         .order_by(m.Passage.at.desc())).scalars()
        out = []
        for p in rows:
            label = "Passage annulé par le personnel" if p.kind == "cancel" else \
                _PASSAGE_LABELS.get(p.reason, "Refusé") if not p.accepted or p.reason == "ok" else "Repas servi"
            out.append(PassageOut(date=p.local_date, time=p.at.astimezone(tz).strftime("%H:%M"), at=p.at,
                                  service=p.service, accepted=p.accepted, reason=p.reason, label=label))
        return out


@router.get("/children/{child_id}/movements", response_model=list[MovementOut], responses=responses(401, 403, 422))
def movements(child_id: ChildId, family: FamilyCaller, db: Db, request: Request,
              first: From = None, last: To = None) -> list[MovementOut]:
    """Credits and debits of the pupil's account with the balance after each, newest first
    (default: the last 92 days)."""
    now = now_of(request)
    with db.read() as s:
        c = child_of(s, family, child_id)
        tz = ZoneInfo(c.site.timezone)
        if first is None and last is None:
            last = now.astimezone(tz).date()
            first = last - timedelta(days=91)
        first, last = local_range(c.site.timezone, now, first, last, max_days=366)
        start, end = _bounds(tz, first, last)
        balance, out = 0, []
        # the running sum over the whole ledger (in posting order) gives the balance after each
        for e in s.execute(select(m.LedgerEntry).where(m.LedgerEntry.person_id == c.person.id)
                           .order_by(m.LedgerEntry.version)).scalars():
            balance += e.amount_cents
            if start <= e.at < end:
                out.append(MovementOut(at=e.at, kind=e.kind, amount_cents=e.amount_cents, label=e.label,
                                       balance_after_cents=balance))
        out.reverse()
        return out


@router.get("/children/{child_id}/menus", response_model=list[MenuOut], responses=responses(401, 403, 422))
def menus(child_id: ChildId, family: FamilyCaller, db: Db, request: Request,
          first: From = None, last: To = None) -> list[MenuOut]:
    """The menus of the pupil's school on those days (default: the next 7 days)."""
    with db.read() as s:
        c = child_of(s, family, child_id)
        first, last = local_range(c.site.timezone, now_of(request), first, last, default_days=7)
        rows = s.execute(select(m.Menu).where(m.Menu.site_id == c.site.id, m.Menu.date >= first,
                                              m.Menu.date <= last).order_by(m.Menu.date, m.Menu.service)).scalars()
        return [MenuOut(date=x.date, service=x.service, text=x.text) for x in rows]


@router.post("/children/{child_id}/top-ups", response_model=TopUpOut,
             responses=responses(401, 403, 409, 422))
def top_up(child_id: ChildId, body: TopUpIn, family: FamilyCaller, db: Db, request: Request) -> TopUpOut:
    """Start an online payment → the provider's `payment_url` to open. The balance is credited
    when the provider's verified notification arrives, once."""
    with db.write() as s:
        c = child_of(s, family, child_id)
        if not c.financial:
            raise ApiError(403, "forbidden", "you may see this pupil but not pay for them (not the financial guardian)")
        minimum = policy_from_settings(c.site.settings or {}).topup_min_cents
        if body.amount_cents < minimum:
            raise ApiError(422, "amount_too_small", f"the smallest top-up at this school is {minimum} cents")
        if s.get(fm.PaymentProvider, c.site.id) is None:
            raise ApiError(409, "payments_unavailable", "this school does not take online payments yet")
        account = s.get(fm.FamilyAccount, family.account_id)
        try:
            started = payments.start(s, c.site, c.person, account, body.amount_cents,
                                     mail_settings_of(request).public_url, now_of(request))
        except payments.FamilyError as exc:
            raise ApiError(409, "payments_unavailable", str(exc)) from None
    return TopUpOut(payment_url=started.payment_url, reference=started.reference)


async def _answer_text(request: Request) -> str:
    if request.method == "POST":
        body = await request.body()
        return body.decode("utf-8", "replace") or request.url.query
    return request.url.query


def _settle(db, site_code: str, text: str, now: datetime) -> payments.Settled:
    with db.write() as s:
        try:
            site = store.get_site(s, site_code.upper())
        except store.NotFound:
            return payments.Settled("rejected", None)
        return payments.settle(s, site, text, now)


_ACK = {200: {"description": "verified: the acknowledgement the provider expects",
              "content": {"text/plain": {"schema": {"type": "string"}}}}, **responses(400)}


@router.get("/top-ups/{site}/notify", responses=_ACK, operation_id="family_top_up_notification_get")
@router.post("/top-ups/{site}/notify", responses=_ACK, operation_id="family_top_up_notification_post")
async def provider_notification(site: SiteCode, request: Request, db: Db):
    """The provider's notification of a payment (server to server): verified, credited once."""
    result = await run_in_threadpool(_settle, db, site, await _answer_text(request), now_of(request))
    if result.outcome == "rejected":
        raise ApiError(400, "rejected", "this payment answer cannot be verified: nothing was credited")
    return PlainTextResponse(result.return_content or result.outcome)


def _page(description: str, *errors: int) -> dict:
    return {200: {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}},
            **responses(*errors)}


@router.get("/top-ups/{site}/return", responses=_page("what happened, for the family"),
            operation_id="family_top_up_return_get")
@router.post("/top-ups/{site}/return", responses=_page("what happened, for the family"),
             operation_id="family_top_up_return_post")
async def provider_return(site: SiteCode, request: Request, db: Db) -> HTMLResponse:
    """Where the family's browser comes back from the provider: the answer is verified like a
    notification (credited once), and a short page says what happened, with a link to the portal."""
    result = await run_in_threadpool(_settle, db, site, await _answer_text(request), now_of(request))
    from plateau.server.web.famille.payment_return import return_page  # the Espace Famille's page

    return return_page(request, result.outcome)


# the page that posts a bank's form: its one script is a file of ours (/static/autopost.js), never
# framed; no form-action: the bank may redirect the posted form, which a browser would then block
PAY_PAGE_CSP = "default-src 'none'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'"


@router.get("/top-ups/{site}/pay/{reference}", responses=_page("a form posting itself to the provider", 404))
def payment_form(site: SiteCode, reference: Annotated[str, Path(max_length=100)], db: Db) -> HTMLResponse:
    """For providers that take a posted form (Payzen/SystemPay): a page that posts it."""
    with db.read() as s:
        st = store.get_site(s, site.upper())
        top = s.execute(select(fm.TopUp).where(fm.TopUp.site_id == st.id, fm.TopUp.reference == reference)
                        ).scalar_one_or_none()
        if top is None or top.payment_form is None or top.status != "pending":
            raise ApiError(404, "not_found", "no payment waiting with this reference")
        form = top.payment_form
    fields = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in form["fields"])
    page = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Paiement</title>'
            f'<script src="/static/autopost.js" defer></script></head>'
            f'<body><form method="{html.escape(form["method"])}" '
            f'action="{html.escape(form["url"])}">{fields}<button>Continuer vers le paiement</button></form>'
            f'</body></html>')
    return HTMLResponse(page, headers={"Content-Security-Policy": PAY_PAGE_CSP, "Cache-Control": "no-store",
                                       "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

