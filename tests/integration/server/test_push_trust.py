"""Hostile pushes: a station token cannot move money the server's own data does not justify.

Each refused item is answered `rejected` with a reason code, changes no balance, and is kept in
`rejected_item` for the office (`GET /sites/{site}/rejected-items`); the legitimate paths (a
tariff price, a cancel, an override, an offline station still charging yesterday's tariff)
are stored as before, and a replay of a stored passage is still a `duplicate`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text, update

from plateau.db.engine import open_replica
from plateau.station.services import Recorder
from plateau.demo.school import seed_replica

from plateau.server import feed, ledger, store
from plateau.server import models as m
from plateau.sync.protocol import passage_to_wire
from tests.conftest import paris
from tests.integration.server.conftest import SITE_A, passage, ticket_persons
from tests.support.server import admin

PRICE = 420  # the demo school's `eleve-ticket` tariff
PUSH = "/api/v1/sync/passages"


def _balance(env, person_id: int) -> int:
    with env.db.read() as s:
        b = s.get(m.Balance, person_id)
        return int(b.balance_cents) if b else 0


def _push(env, *items):
    r = env.station().post(PUSH, {"passages": list(items)})
    assert r.status_code == 200, r.text
    return [(x["status"], x.get("code")) for x in r.json()["results"]]


def _kept(env, item_id: str) -> list[str]:
    with env.db.read() as s:
        return list(s.execute(select(m.RejectedItem.code).where(m.RejectedItem.item_id == item_id)).scalars())


def test_a_negative_price_is_rejected_kept_and_credits_nothing(env):
    pid = ticket_persons(env.school, 1, offset=0)[0]
    before = _balance(env, pid)
    gift = passage(pid, price=-100_000)
    assert _push(env, gift) == [("rejected", "negative_price")]
    assert _balance(env, pid) == before
    assert _kept(env, gift["id"]) == ["negative_price"]


def test_a_cancel_of_a_passage_that_does_not_exist_is_rejected(env):
    pid = ticket_persons(env.school, 1, offset=1)[0]
    before = _balance(env, pid)
    ghost = passage(pid, price=-PRICE, kind="cancel", ref="6d1f6f0e-7a38-4cc3-9d4e-3c8f1a2b9e10")
    assert _push(env, ghost) == [("rejected", "cancel_of_unknown_passage")]
    assert _balance(env, pid) == before
    assert _kept(env, ghost["id"]) == ["cancel_of_unknown_passage"]


def test_three_cancels_of_one_meal_credit_it_back_once(env):
    pid = ticket_persons(env.school, 1, offset=2)[0]
    before = _balance(env, pid)
    meal = passage(pid, price=PRICE)
    cancels = [passage(pid, price=-PRICE, kind="cancel", ref=meal["id"]) for _ in range(3)]
    assert _push(env, meal, *cancels) == [("stored", None), ("stored", None), ("rejected", "already_cancelled"),
                                          ("rejected", "already_cancelled")]
    assert _balance(env, pid) == before
    late = passage(pid, price=-PRICE, kind="cancel", ref=meal["id"])  # a later push: still once
    assert _push(env, late) == [("rejected", "already_cancelled")]
    assert _balance(env, pid) == before
    # replays of what was stored stay duplicates (idempotency), not rejections
    assert _push(env, meal, cancels[0]) == [("duplicate", None), ("duplicate", None)]
    assert _balance(env, pid) == before


def test_a_kiosk_cancel_of_a_meal_the_office_refunded_credits_nothing_more(env):
    """The office refunds the extra passage of a double (person page, a `refund` ledger entry
    caused by the passage); the kiosk's cancel of that meal reaches the server afterwards: it is
    stored as the station decided it, but the meal is not refunded a second time."""
    pid = ticket_persons(env.school, 1, offset=9)[0]
    before = _balance(env, pid)
    meal = passage(pid, price=PRICE)
    assert _push(env, meal) == [("stored", None)]
    with env.db.write() as s:
        site = s.execute(select(m.Site).where(m.Site.code == SITE_A)).scalar_one()
        ledger.post(s, site.id, pid, PRICE, "refund", meal["id"], label="remboursement du passage en double")
    assert _balance(env, pid) == before
    cancel = passage(pid, price=-PRICE, kind="cancel", ref=meal["id"])
    assert _push(env, cancel) == [("stored", None)]
    assert _balance(env, pid) == before


def test_a_cancel_must_refund_exactly_the_meal_of_the_same_person(env):
    pid, other = ticket_persons(env.school, 2, offset=3)
    meal = passage(pid, price=PRICE)
    assert _push(env, meal) == [("stored", None)]
    before = _balance(env, pid), _balance(env, other)
    too_much = passage(pid, price=-5000, kind="cancel", ref=meal["id"])
    wrong_person = passage(other, price=-PRICE, kind="cancel", ref=meal["id"])
    assert _push(env, too_much, wrong_person) == [("rejected", "cancel_amount_mismatch"),
                                                  ("rejected", "cancel_of_another_person")]
    assert (_balance(env, pid), _balance(env, other)) == before


def test_a_refused_passage_carrying_a_charge_is_rejected(env):
    pid = ticket_persons(env.school, 1, offset=5)[0]
    before = _balance(env, pid)
    refusal = passage(pid, price=PRICE, accepted=False, reason="already_served")
    assert _push(env, refusal) == [("rejected", "refusal_charged")]
    assert _balance(env, pid) == before


def test_a_price_no_tariff_ever_had_is_rejected(env):
    pid = ticket_persons(env.school, 1, offset=6)[0]
    before = _balance(env, pid)
    odd = passage(pid, price=1234)
    cheap = passage(pid, price=1)
    assert _push(env, odd, cheap) == [("rejected", "price_not_a_tariff"), ("rejected", "price_not_a_tariff")]
    assert _balance(env, pid) == before


def test_an_override_names_one_refusal_of_the_same_person_once(env):
    pid = ticket_persons(env.school, 1, offset=7)[0]
    before = _balance(env, pid)
    refusal = passage(pid, accepted=False, reason="insufficient_balance")
    override = passage(pid, price=PRICE, kind="override", ref=refusal["id"])
    again = passage(pid, price=PRICE, kind="override", ref=refusal["id"])
    of_nothing = passage(pid, price=PRICE, kind="override", ref="0b7e1c1a-5f0e-4d1e-9a51-8e8f2f3c4d5e")
    assert _push(env, refusal, override, again, of_nothing) == [
        ("stored", None), ("stored", None), ("rejected", "already_overridden"),
        ("rejected", "override_of_unknown_passage")]
    assert _balance(env, pid) == before - PRICE


def test_an_accepted_passage_with_a_refusal_reason_is_rejected(env):
    pid = ticket_persons(env.school, 1, offset=8)[0]
    assert _push(env, passage(pid, price=PRICE, reason="already_served")) == [("rejected", "inconsistent_reason")]


def test_an_offline_station_still_charging_yesterdays_tariff_is_stored_not_last_months(env):
    pid = ticket_persons(env.school, 1, offset=9)[0]
    before = _balance(env, pid)
    with env.db.write() as s:
        site = store.get_site(s, SITE_A)
        store.upsert_tariff(s, site, "eleve-ticket", PRICE + 10, "Élève au ticket")
        # the old price ended yesterday (instead of just now)
        s.execute(update(m.TariffHistory).where(
            m.TariffHistory.site_id == site.id, m.TariffHistory.category == "eleve-ticket",
            m.TariffHistory.price_cents == PRICE).values(valid_until=feed.now() - timedelta(days=1)))
    try:
        assert _push(env, passage(pid, price=PRICE), passage(pid, price=PRICE + 10)) == [("stored", None)] * 2
        assert _balance(env, pid) == before - 2 * PRICE - 10
        with env.db.write() as s:  # the old price ended 8 days ago: beyond the site's 7 days
            s.execute(update(m.TariffHistory).where(
                m.TariffHistory.category == "eleve-ticket", m.TariffHistory.price_cents == PRICE)
                .values(valid_until=feed.now() - timedelta(days=8)))
        assert _push(env, passage(pid, price=PRICE)) == [("rejected", "price_not_a_tariff")]
        r = env.admin.put(f"/api/v1/sites/{SITE_A}/settings", {"settings": {"price_history_days": "10"}})
        assert r.status_code == 200, r.text
        assert _push(env, passage(pid, price=PRICE)) == [("stored", None)]
    finally:
        with env.db.write() as s:
            store.upsert_tariff(s, store.get_site(s, SITE_A), "eleve-ticket", PRICE, "Élève au ticket")
        env.admin.put(f"/api/v1/sites/{SITE_A}/settings", {"settings": {}, "unset": ["price_history_days"]})


def test_what_a_real_station_records_badges_overrides_cancels_forgotten_is_all_stored(env, tmp_path):
    """The station's own recorder (its rules, tariffs and policies) against the server's checks."""
    engine = open_replica(tmp_path / "station.db")
    seed_replica(engine, env.school)
    recorder = Recorder(engine, "self-2")
    cards = list(env.school.cards.values())[:60]
    made = [recorder.badge(uid, paris(2026, 11, 24, 12, 0, n)) for n, uid in enumerate(cards)]
    accepted = [r for r in made if r.decision.accepted and r.decision.price_cents > 0]
    refused = [r for r in made if not r.decision.accepted and r.decision.person is not None]
    assert len(accepted) >= 3 and len(refused) >= 3, "the demo day should have both"
    for r in accepted[:3]:
        recorder.cancel(r.passage_id, 1, "erreur", paris(2026, 11, 24, 12, 30))
    for r in refused[:3]:
        recorder.override(r.passage_id, 2, "oubli de réservation", paris(2026, 11, 24, 12, 31))
    recorder.forgotten(refused[3].decision.person.id if len(refused) > 3 else accepted[3].decision.person.id,
                       paris(2026, 11, 24, 12, 32), 1)
    with engine.connect() as conn:
        rows = [passage_to_wire(r._mapping) for r in conn.execute(text("SELECT * FROM passage ORDER BY rowid"))]
    engine.dispose()
    r = env.station("self-2").post(PUSH, {"passages": rows})
    assert r.status_code == 200, r.text
    rejected = [x for x in r.json()["results"] if x["status"] != "stored"]
    assert not rejected, rejected
    assert {row["kind"] for row in rows} == {"badge", "cancel", "override", "forgotten"}


def test_a_rejected_item_holding_text_no_database_can_store_is_still_kept(env):
    pid = ticket_persons(env.school, 1, offset=11)[0]
    odd = dict(passage(pid), kind="\ud800", motive="\udfff")  # lone surrogates: valid JSON, not UTF-8
    weird_id = dict(passage(pid), id="\ud800-not-a-uuid")
    assert _push(env, odd, weird_id) == [("rejected", "malformed"), ("rejected", "malformed")]
    assert _kept(env, odd["id"]) == ["malformed"]


def test_the_office_lists_the_rejected_items_with_their_reason(env):
    pid = ticket_persons(env.school, 1, offset=10)[0]
    bad = passage(pid, price=-1)
    _push(env, bad)
    r = env.admin.get(f"/api/v1/sites/{SITE_A}/rejected-items?limit=5")
    assert r.status_code == 200, r.text
    item = r.json()["items"][0]
    assert (item["item_id"], item["code"], item["station"], item["item_kind"]) == \
        (bad["id"], "negative_price", "self-1", "passage")
    assert bad["id"] in item["raw"] and item["received_at"]
    assert env.station().get(f"/api/v1/sites/{SITE_A}/rejected-items").status_code == 403
    listed = admin(env.db_url, "station", "rejected", SITE_A, "--limit", "1", "--raw").splitlines()
    assert listed[0].split("\t")[1:5] == ["self-1", "passage", bad["id"], "negative_price"]
    assert bad["id"] in listed[1]
