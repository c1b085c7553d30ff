"""Online top-ups from the Espace Famille: an amount → the school's payment provider, through
the family API's own top-up function (the same minimum, the same financial-guardian rule).
The balance is credited when the provider's verified notification arrives (never by this page).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request

from plateau.domain.policy import policy_from_settings
from plateau.server import store
from plateau.server.errors import ApiError
from plateau.server.family.schemas import TopUpIn
from plateau.server.routes import family_money as money
from plateau.server.web.famille.deps import Famille, Form, child_of, db_of, in_thread, words
from plateau.server.web.famille.pages import page

router = APIRouter()
_AMOUNT = re.compile(r"^\s*(\d{1,4})(?:[.,](\d{1,2}))?\s*(?:€|eur)?\s*$", re.IGNORECASE)
TOP_UP_ERRORS = {"forbidden": "Only the guardian who pays for this child may top up.",
                 "amount_too_small": "The smallest top-up at this school is {minimum}.",
                 "payments_unavailable": "This school does not take online payments yet."}


def cents_of(text: str) -> int | None:
    """'20' / '20,5' / '20.50 €' → cents; None for anything else."""
    found = _AMOUNT.match(text or "")
    if not found:
        return None
    return int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))


def _minimum(request: Request, site_code: str) -> int:
    with db_of(request).read() as s:
        return policy_from_settings(store.get_site(s, site_code).settings or {}).topup_min_cents


def _form_page(request: Request, ctx, kid, status: int = 200, **context):
    return page(request, ctx, "famille/topup.html", "topup", kid, status=status,
                minimum=_minimum(request, kid.site_code), started=None, amount=context.pop("amount", ""), **context)


@router.get("/famille/rechargement")
def top_up_form(request: Request, ctx: Famille, enfant: str | None = None):
    return _form_page(request, ctx, child_of(request, ctx, enfant))


@router.post("/famille/rechargement")
async def top_up(request: Request, ctx: Famille, form: Form):
    _ = words(request)
    kid = child_of(request, ctx, form.get("enfant"))
    amount = str(form.get("amount") or "")[:20]
    cents = cents_of(amount)
    if cents is None or not 1 <= cents <= 100_000:
        return await in_thread(_form_page, request, ctx, kid, 422, amount=amount,
                               error=_("Type an amount in euros, e.g. 20 or 20,50 (at most 1 000 €)."))
    try:
        started = await in_thread(money.top_up, kid.id, TopUpIn(amount_cents=cents), ctx.family, db_of(request),
                                  request)
    except ApiError as exc:
        minimum = await in_thread(_minimum, request, kid.site_code)
        from plateau.server.web.templating import euros
        from plateau.server.web.i18n import request_lang

        words_ = TOP_UP_ERRORS.get(exc.error, "This request cannot be done.")
        return await in_thread(_form_page, request, ctx, kid, exc.status, amount=amount,
                               error=_(words_, minimum=euros(minimum, request_lang(request))))
    return await in_thread(page, request, ctx, "famille/topup.html", "topup", kid, minimum=0, amount=amount,
                           started=started, cents=cents)
