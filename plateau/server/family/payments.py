"""Online top-ups through eopayment (Payzen/SystemPay, PayFiP/TIPI, ... and `dummy` for demos).

`start` asks the site's provider for a payment and remembers it (`TopUp`, pending). `settle`
takes the provider's answer (its notification, or the family's browser coming back) and
trusts it only as eopayment's own `response()` verifies it: unsigned, malformed, unknown
reference or an amount other than asked, and nothing is credited. A paid answer credits the
balance through the ledger with cause ``online:<reference>``, so a replayed notification
credits nothing more (the ledger is idempotent by cause). Runs inside the caller's unit of work.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import eopayment
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.domain.policy import policy_from_settings
from plateau.server import feed, ledger
from plateau.server import family_models as fm
from plateau.server import models as m
from plateau.server.family.accounts import FamilyError

log = logging.getLogger(__name__)

MAX_TOP_UP_CENTS = 100_000  # 1,000 EUR: more is a typo, not a canteen top-up


def backends() -> list[str]:
    return sorted(eopayment.get_backends())


def set_provider(session: Session, site: m.Site, backend: str, options: dict[str, str]) -> fm.PaymentProvider:
    if backend not in backends():
        raise FamilyError(f"unknown payment backend {backend!r} (one of: {', '.join(backends())})")
    if backend == "dummy":  # its answers are forgeable by design: say so where the school sets it
        log.warning("site %s: online payments through eopayment's dummy backend, for tests and demos only",
                    site.code)
    row = session.get(fm.PaymentProvider, site.id) or fm.PaymentProvider(site_id=site.id)
    row.backend, row.options = backend, dict(options)
    session.add(row)
    session.flush()
    return row


def _payment(provider: fm.PaymentProvider, site: m.Site, public_url: str) -> eopayment.Payment:
    base = f"{public_url}/api/v1/family/top-ups/{site.code}"
    options = {"normal_return_url": f"{base}/return", "automatic_return_url": f"{base}/notify",
               **(provider.options or {})}
    return eopayment.Payment(provider.backend, options)


@dataclass(frozen=True)
class Started:
    reference: str
    payment_url: str


def start(session: Session, site: m.Site, person: m.Person, account: fm.FamilyAccount, amount_cents: int,
          public_url: str, now: datetime) -> Started:
    minimum = policy_from_settings(site.settings or {}).topup_min_cents
    if not isinstance(amount_cents, int) or not minimum <= amount_cents <= MAX_TOP_UP_CENTS:
        raise FamilyError(f"a top-up is {minimum} to {MAX_TOP_UP_CENTS} cents at this school")
    provider = session.get(fm.PaymentProvider, site.id)
    if provider is None:
        raise FamilyError("this school does not take online payments yet")
    order = uuid.uuid4().hex
    # a Decimal, exact: Payzen/SystemPay's backend multiplies it by 100 (a string makes it fail)
    euros = Decimal(amount_cents).scaleb(-2)   # 1250 -> 12.50
    reference, kind, data = _payment(provider, site, public_url).request(
        euros, email=account.email, orderid=order, subject=f"Cantine : {person.first_name} {person.last_name}")
    reference = str(reference)
    form = None
    if kind == eopayment.URL:
        url = data
    elif kind == eopayment.FORM:  # served by us as a page that posts itself to the provider
        form = {"url": data.url, "method": data.method, "fields": [[f["name"], str(f["value"])] for f in data.fields]}
        url = f"{public_url}/api/v1/family/top-ups/{site.code}/pay/{reference}"
    else:
        raise FamilyError(f"the payment backend {provider.backend!r} answers in a way Plateau cannot use yet")
    session.add(fm.TopUp(site_id=site.id, person_id=person.id, account_id=account.id, reference=reference,
                        backend=provider.backend, amount_cents=amount_cents, status="pending", payment_form=form,
                        created_at=now))
    session.flush()
    log.info("top-up %s asked: person %s, %d cents, %s", reference, person.id, amount_cents, provider.backend)
    return Started(reference, url)


def _reported_cents(bank_data: dict) -> int | None:
    """The amount the provider says was paid, when its answer carries one."""
    def first(key):
        value = bank_data.get(key)
        return value[0] if isinstance(value, list) and value else value

    try:
        for key in ("vads_amount", "montant"):  # SystemPay/Payzen, TIPI: cents
            if first(key) not in (None, ""):
                return int(first(key))
        if first("amount") not in (None, ""):   # dummy: what was asked, in euros
            return int(Decimal(str(first("amount"))) * 100)
    except (ValueError, InvalidOperation):
        return -1  # garbage is not an amount we asked for
    return None


@dataclass(frozen=True)
class Settled:
    outcome: str       # credited | already_credited | refused | pending | rejected
    reference: str | None
    return_content: str | None = None
    person_id: int | None = None


def settle(session: Session, site: m.Site, query_string: str, now: datetime | None = None) -> Settled:
    """Apply a provider's answer (query string or form body) once; never raises on bad input."""
    now = now or feed.now()
    provider = session.get(fm.PaymentProvider, site.id)
    if provider is None:
        return Settled("rejected", None)
    try:
        response = _payment(provider, site, "").response(query_string)
    except Exception as exc:  # eopayment raises ResponseError, but also KeyError/ValueError on garbage
        log.warning("top-up answer refused at %s: %s", site.code, exc)
        return Settled("rejected", None)
    if not response.signed:
        log.warning("top-up answer refused at %s: not signed (%s)", site.code, response.transaction_id)
        return Settled("rejected", None, response.return_content)
    top = None
    for ref in (response.transaction_id, response.order_id):
        if ref:
            top = session.execute(select(fm.TopUp).where(fm.TopUp.site_id == site.id, fm.TopUp.reference == str(ref))
                                  ).scalar_one_or_none()
            if top is not None:
                break
    if top is None:
        log.warning("top-up answer refused at %s: unknown reference %s", site.code, response.transaction_id)
        return Settled("rejected", None, response.return_content)
    feed.lock_site(session, site.id)
    reported = _reported_cents(response.bank_data or {})
    if reported is not None and reported != top.amount_cents:
        log.warning("top-up %s refused: %s cents reported, %s asked", top.reference, reported, top.amount_cents)
        return Settled("rejected", top.reference, response.return_content)
    if response.result == eopayment.PAID:
        entry = ledger.post(session, site.id, top.person_id, top.amount_cents, "payment", f"online:{top.reference}",
                            label="Rechargement en ligne", at=now)
        top.status, top.settled_at = "paid", top.settled_at or now
        outcome = "credited" if entry is not None else "already_credited"
        log.info("top-up %s %s: %d cents to person %s", top.reference, outcome, top.amount_cents, top.person_id)
        return Settled(outcome, top.reference, response.return_content, top.person_id)
    if response.result in (eopayment.WAITING, eopayment.RECEIVED, eopayment.ACCEPTED) or top.status == "paid":
        return Settled("pending" if top.status != "paid" else "already_credited", top.reference,
                       response.return_content, top.person_id)
    top.status, top.settled_at = "refused", now
    return Settled("refused", top.reference, response.return_content, top.person_id)
