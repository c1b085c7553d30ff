"""Online top-ups through eopayment's dummy backend (credited once: replayed and forged
notifications credit nothing), and the passages, movements and menus a family reads."""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from sqlalchemy import select

from tests.integration.server.family_world import PARIS, SITE_A, world  # noqa: F401 (fixture)
from tests.support.server import plateau_cmd

FAMILY = "/api/v1/family"
NOTIFY = f"{FAMILY}/top-ups/{SITE_A}/notify"


@pytest.fixture(scope="module")
def martin(world):
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    done = subprocess.run(plateau_cmd("admin", "--db", world.db_url, "family", "payment", SITE_A, "dummy",
                                      "origin=Collège Jean Moulin"), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    return world.sign_in("martin@example.org")


def balance(world, person_id: int) -> int:
    from plateau.server import ledger

    with world.db.read() as s:
        return ledger.balances_of(s, [person_id])[0]["balance_cents"]


def online_entries(world, person_id: int) -> list:
    from plateau.server import models as m

    with world.db.read() as s:
        return list(s.execute(select(m.LedgerEntry.cause, m.LedgerEntry.amount_cents).where(
            m.LedgerEntry.person_id == person_id, m.LedgerEntry.cause.like("online:%"))).all())


def start(world, token, child, cents):
    r = world.post(f"{FAMILY}/children/{child}/top-ups", {"amount_cents": cents}, token)
    assert r.status_code == 200, r.text
    return r.json()


def notify(world, **fields):
    """What the dummy provider sends back (a form body), as eopayment's dummy backend reads it."""
    return world.post(NOTIFY, data=urlencode(fields), headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_a_top_up_is_credited_once_when_the_signed_notification_arrives(world, martin):
    lea = world.ids["P-LEA"]
    before = balance(world, lea)
    out = start(world, martin, lea, 2000)
    url = urlparse(out["payment_url"])
    query = parse_qs(url.query)
    assert url.scheme == "https" and query["transaction_id"] == [out["reference"]] and query["amount"] == ["20.00"]
    assert query["email"] == ["martin@example.org"]
    assert balance(world, lea) == before                          # nothing until the provider confirms
    r = notify(world, transaction_id=out["reference"], ok="1", signed="1", amount="20.00")
    assert r.status_code == 200 and r.text == "signature ok", r.text
    assert balance(world, lea) == before + 2000
    again = notify(world, transaction_id=out["reference"], ok="1", signed="1", amount="20.00")
    assert again.status_code == 200                               # a replay is acknowledged...
    assert balance(world, lea) == before + 2000                   # ...and credits nothing more
    assert online_entries(world, lea) == [(f"online:{out['reference']}", 2000)]
    moves = world.get(f"{FAMILY}/children/{lea}/movements", martin).json()
    assert moves[0]["label"] == "Rechargement en ligne" and moves[0]["amount_cents"] == 2000
    assert moves[0]["balance_after_cents"] == before + 2000


def test_a_payzen_systempay_top_up_is_a_page_of_ours_that_posts_the_bank_form_under_a_strict_csp(world, martin):
    """Payzen/SystemPay take a posted form: the family is sent to a page of ours that posts it
    (its one script a file of ours, no inline handler, never framed), the amount in cents."""
    import html as htmllib
    import re

    from plateau.server.family import payments
    from plateau.server.routes.family_money import PAY_PAGE_CSP
    from plateau.server.store import get_site

    def provider(backend, **options):
        with world.db.write() as s:
            payments.set_provider(s, get_site(s, SITE_A), backend, options)

    provider("systempayv2", vads_site_id="12345678", secret_test="abcdefghijklmnop")
    try:
        out = start(world, martin, world.ids["P-LEA"], 1250)
        url = urlparse(out["payment_url"])
        assert url.path == f"{FAMILY}/top-ups/{SITE_A}/pay/{out['reference']}"
        page = world.get(url.path)
        assert page.status_code == 200 and page.headers["Content-Security-Policy"] == PAY_PAGE_CSP
        assert "onload" not in page.text and '<script src="/static/autopost.js" defer></script>' in page.text
        assert 'action="https://paiement.systempay.fr/vads-payment/"' in page.text
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', htmllib.unescape(page.text)))
        assert fields["vads_amount"] == "1250" and fields["vads_site_id"] == "12345678" and fields["signature"]
        assert world.get("/static/autopost.js").status_code == 200
    finally:
        provider("dummy", origin="Collège Jean Moulin")


def test_forged_notifications_credit_nothing(world, martin):
    tom = world.ids["P-TOM"]
    before = balance(world, tom)
    out = start(world, martin, tom, 1500)
    for forged in ({"transaction_id": out["reference"], "ok": "1", "amount": "15.00"},            # not signed
                   {"transaction_id": uuid.uuid4().hex, "ok": "1", "signed": "1", "amount": "15.00"},  # unknown
                   {"transaction_id": out["reference"], "ok": "1", "signed": "1", "amount": "150.00"},  # amount
                   {"ok": "1", "signed": "1"}):                                                       # malformed
        r = notify(world, **forged)
        assert r.status_code == 400 and r.json()["error"] == "rejected", (forged, r.text)
    r = world.get(NOTIFY + "?" + urlencode({"transaction_id": out["reference"], "ok": "1", "amount": "15.00"}))
    assert r.status_code == 400
    assert world.post(f"{FAMILY}/top-ups/0000000Z/notify", data="transaction_id=x&signed=1&ok=1").status_code == 400
    assert balance(world, tom) == before and online_entries(world, tom) == []
    refused = notify(world, transaction_id=out["reference"], signed="1", amount="15.00", reason="card refused")
    assert refused.status_code == 200 and balance(world, tom) == before  # a signed refusal: nothing either
    late = notify(world, transaction_id=out["reference"], ok="1", signed="1", amount="15.00")
    assert late.status_code == 200 and balance(world, tom) == before + 1500  # the real payment still counts


def test_the_browser_return_verifies_like_a_notification(world, martin):
    lea = world.ids["P-LEA"]
    before = balance(world, lea)
    out = start(world, martin, lea, 1000)
    r = world.get(f"{FAMILY}/top-ups/{SITE_A}/return?" + urlencode(
        {"transaction_id": out["reference"], "ok": "1", "signed": "1", "amount": "10.00"}))
    assert r.status_code == 200 and 'data-outcome="credited"' in r.text and "le solde est crédité" in r.text
    notify(world, transaction_id=out["reference"], ok="1", signed="1", amount="10.00")
    assert balance(world, lea) == before + 1000


def test_who_may_top_up_and_how_much(world, martin):
    lea, bob = world.ids["P-LEA"], world.ids["P-BOB"]
    low = world.post(f"{FAMILY}/children/{lea}/top-ups", {"amount_cents": 499}, martin)
    assert low.status_code == 422 and low.json()["error"] == "amount_too_small"   # topup_min_cents=500
    durand = world.sign_in("durand@example.org")
    r = world.post(f"{FAMILY}/children/{lea}/top-ups", {"amount_cents": 2000}, durand)
    assert r.status_code == 403 and "financial" in r.json()["reason"]               # sees Léa, does not pay
    r = world.post(f"{FAMILY}/children/{bob}/top-ups", {"amount_cents": 2000}, martin)
    assert r.status_code == 409 and r.json()["error"] == "payments_unavailable"      # site B has no provider


def test_passages_movements_and_menus_of_a_child(world, martin):
    from plateau.server import feed, store, store_days
    from plateau.server import models as m

    tom = world.ids["P-TOM"]
    world.clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=PARIS))
    with world.db.write() as s:
        site = store.get_site(s, SITE_A)
        for n, (hour, accepted, reason) in enumerate(((12, True, "ok"), (13, False, "already_served"))):
            s.add(m.Passage(id=str(uuid.uuid4()), site_id=site.id, station="self-1",
                            at=datetime(2026, 11, 23, hour, 5, tzinfo=PARIS).astimezone(timezone.utc),
                            local_date=date(2026, 11, 23), service="dejeuner", card_uid=None, person_id=tom,
                            kind="badge", accepted=accepted, reason=reason, price_cents=0, balance_after_cents=None,
                            staff_id=None, motive=None, ref=None, warnings=[], received_at=feed.now()))
        store_days.upsert_menu(s, site, date(2026, 11, 24), "dejeuner", "Potage — Poisson pané — Fromage blanc")
    assert world.put(f"{FAMILY}/children/{tom}/reservations/2026-11-27/dejeuner", martin).status_code == 200
    got = world.get(f"{FAMILY}/children/{tom}/passages", martin).json()
    assert [(p["date"], p["time"], p["accepted"], p["reason"], p["label"]) for p in got] == [
        ("2026-11-23", "13:05", False, "already_served", "Déjà passé pour ce service"),
        ("2026-11-23", "12:05", True, "ok", "Repas servi")]
    menus = world.get(f"{FAMILY}/children/{tom}/menus", martin, params={"from": "2026-11-23", "to": "2026-11-27"})
    assert menus.json() == [{"date": "2026-11-24", "service": "dejeuner",
                             "text": "Potage — Poisson pané — Fromage blanc"}]
    moves = world.get(f"{FAMILY}/children/{tom}/movements", martin, params={"from": "2026-01-01",
                                                                              "to": "2027-12-31"})
    assert moves.status_code == 422                                # a year at most
    today = datetime.now(PARIS).date()  # ledger entries carry the real instant they were posted
    moves = world.get(f"{FAMILY}/children/{tom}/movements", martin,
                      params={"from": (today - timedelta(days=3)).isoformat(),
                              "to": (today + timedelta(days=1)).isoformat()}).json()
    running = [m_["balance_after_cents"] for m_ in reversed(moves)]
    amounts = [m_["amount_cents"] for m_ in reversed(moves)]
    assert all(running[i] - running[i - 1] == amounts[i] for i in range(1, len(running)))  # the balance after each
    assert "reservation" in {m_["kind"] for m_ in moves}  # the prepaid meal
    kids = {k["id"]: k for k in world.get(f"{FAMILY}/children", martin).json()}
    assert kids[tom]["balance_cents"] == running[-1]
