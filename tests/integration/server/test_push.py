"""Pushing passages: each stored exactly once whatever is replayed, cut or concurrent; money exact."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import func, select

from plateau.server import ledger, store
from plateau.server import models as m
from tests.integration.server.conftest import SITE_A, passage, ticket_persons
from tests.support.faultproxy import FaultProxy

PRICE = 420


@pytest.fixture(scope="module", autouse=True)
def one_ticket_price(env):
    """Every ticket category of site A costs PRICE here, so that batches over many persons debit
    PRICE each (the server checks each pushed price against the person's tariff)."""
    with env.db.write() as s:
        site = store.get_site(s, SITE_A)
        for category in ("eleve-ticket", "commensal", "commensal-sup"):
            store.upsert_tariff(s, site, category, PRICE)


def _balance(env, person_id: int) -> tuple[int, int]:
    with env.db.read() as s:
        b = s.get(m.Balance, person_id)
        return (int(b.balance_cents), b.version) if b else (0, 0)


def _stored(env, ids) -> int:
    with env.db.read() as s:
        return s.execute(select(func.count()).select_from(m.Passage).where(m.Passage.id.in_(list(ids)))).scalar_one()


def _batch(persons, n, *, station="self-1", start=None):
    start = start or datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    return [passage(persons[i % len(persons)], station=station, price=PRICE, at=start + timedelta(seconds=i))
            for i in range(n)]


def test_the_same_1000_passage_batch_sent_three_times_is_stored_once(env):
    persons = ticket_persons(env.school, 20, offset=0)
    before = {p: _balance(env, p)[0] for p in persons}
    batch = _batch(persons, 1000)
    api = env.station()
    statuses = []
    for _ in range(3):
        r = api.post("/api/v1/sync/passages", {"passages": batch})
        assert r.status_code == 200, r.text
        body = r.json()
        assert [x["id"] for x in body["results"]] == [p["id"] for p in batch]
        statuses.append(Counter(x["status"] for x in body["results"]))
    assert statuses == [Counter(stored=1000), Counter(duplicate=1000), Counter(duplicate=1000)]
    assert _stored(env, [p["id"] for p in batch]) == 1000
    per_person = Counter(p["person_id"] for p in batch)
    answered = {b["person"]: b for b in body["balances"]}
    with env.db.read() as s:
        for pid in persons:
            expected = before[pid] - PRICE * per_person[pid]
            assert _balance(env, pid)[0] == expected == ledger.ledger_sum(s, pid)
            assert answered[pid]["balance_cents"] == expected
            assert answered[pid]["version"] == _balance(env, pid)[1]


def test_a_batch_cut_in_the_middle_of_its_body_stores_nothing_and_the_resend_stores_all(env):
    persons = ticket_persons(env.school, 10, offset=20)
    before = {p: _balance(env, p)[0] for p in persons}
    batch = _batch(persons, 400)
    body = json.dumps({"passages": batch}).encode()
    url = urlparse(env.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        head = (f"POST /api/v1/sync/passages HTTP/1.1\r\nHost: {url.netloc}\r\n"
                f"Authorization: Bearer {env.stations['self-1']}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        sock.sendall(head + body[:len(body) // 2])  # the connection drops halfway through the body
    assert _stored(env, [p["id"] for p in batch]) == 0
    r = env.station().post("/api/v1/sync/passages", {"passages": batch})
    assert Counter(x["status"] for x in r.json()["results"]) == Counter(stored=400)
    for pid in persons:
        n = sum(1 for p in batch if p["person_id"] == pid)
        assert _balance(env, pid)[0] == before[pid] - n * PRICE


def test_an_answer_lost_after_the_commit_then_resent_gives_duplicates_not_double_debits(env):
    persons = ticket_persons(env.school, 5, offset=30)
    before = {p: _balance(env, p)[0] for p in persons}
    batch = _batch(persons, 200)
    port = urlparse(env.url).port
    with FaultProxy(port, mode="drop") as proxy:
        try:
            requests.post(proxy.url + "/api/v1/sync/passages", json={"passages": batch}, timeout=30,
                          headers={"Authorization": f"Bearer {env.stations['self-1']}"})
            raise AssertionError("the proxy should have dropped the answer")
        except requests.ConnectionError:
            pass
        assert proxy.counts["drop"] == 1
    assert _stored(env, [p["id"] for p in batch]) == 200  # the server did act
    r = env.station().post("/api/v1/sync/passages", {"passages": batch})
    assert Counter(x["status"] for x in r.json()["results"]) == Counter(duplicate=200)
    for pid in persons:
        n = sum(1 for p in batch if p["person_id"] == pid)
        assert _balance(env, pid)[0] == before[pid] - n * PRICE


def test_concurrent_pushes_from_two_stations_store_every_passage_once_and_the_ledger_is_exact(env):
    persons = ticket_persons(env.school, 8, offset=40)  # both stations serve the same persons
    before = {p: _balance(env, p)[0] for p in persons}
    batches = {name: [_batch(persons, 150, station=name, start=datetime(2026, 11, 24, 10, k, tzinfo=timezone.utc))
                      for k in range(4)] for name in ("self-1", "self-2")}
    errors = []

    def run(name):
        api = env.station(name)
        try:
            for batch in batches[name]:
                for _ in range(2):  # each batch twice: replays interleave with the other station's pushes
                    r = api.post("/api/v1/sync/passages", {"passages": batch})
                    assert r.status_code == 200, r.text
        except Exception as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    all_items = [p for name in batches for b in batches[name] for p in b]
    assert _stored(env, [p["id"] for p in all_items]) == len(all_items) == 1200
    with env.db.read() as s:
        for pid in persons:
            n = sum(1 for p in all_items if p["person_id"] == pid)
            assert _balance(env, pid)[0] == before[pid] - n * PRICE == ledger.ledger_sum(s, pid)
            entries = s.execute(select(func.count()).select_from(m.LedgerEntry).where(
                m.LedgerEntry.person_id == pid, m.LedgerEntry.kind == "passage")).scalar_one()
            assert entries >= n


def test_a_bad_item_is_rejected_alone_and_a_cancel_credits_back(env):
    pid = ticket_persons(env.school, 1, offset=50)[0]
    before = _balance(env, pid)[0]
    good = passage(pid, price=PRICE)
    cancel = passage(pid, price=-PRICE, kind="cancel", ref=good["id"])
    bad_uuid = dict(passage(pid, price=PRICE), id="not-a-uuid")
    missing = {k: v for k, v in passage(pid).items() if k != "reason"}
    stranger = passage(env.person_b, price=PRICE)  # a person of another site
    bad_reason = dict(passage(pid), reason="because")
    r = env.station().post("/api/v1/sync/passages",
                           {"passages": [good, bad_uuid, missing, cancel, stranger, bad_reason, 42]})
    assert r.status_code == 200, r.text
    statuses = [x["status"] for x in r.json()["results"]]
    assert statuses == ["stored", "rejected", "rejected", "stored", "rejected", "rejected", "rejected"]
    assert all(x.get("error") for x in r.json()["results"] if x["status"] == "rejected")
    assert _balance(env, pid)[0] == before  # debited then credited back
    assert {b["person"] for b in r.json()["balances"]} == {pid}


def test_stored_passages_reach_the_other_stations_through_the_feed(env):
    pid = ticket_persons(env.school, 1, offset=51)[0]
    cursor = env.station("self-2").get("/api/v1/sync/changes?since=0&limit=1").json()
    with env.db.read() as s:
        head = s.execute(select(m.Site.feed_seq).where(m.Site.code == "0691234X")).scalar_one()
    item = passage(pid, price=PRICE)
    env.station("self-1").post("/api/v1/sync/passages", {"passages": [item]})
    page = env.station("self-2").get(f"/api/v1/sync/changes?since={head}&limit=100").json()
    kinds = {(c["kind"], c["key"]) for c in page["changes"]}
    assert ("passage", item["id"]) in kinds
    assert ("balance", str(pid)) in kinds
    assert cursor["more"] is True


def test_a_family_sees_the_balance_passages_and_payments_of_its_child(env):
    pid = ticket_persons(env.school, 1, offset=52)[0]
    r = env.admin.post(f"/api/v1/persons/{pid}/payments", {"reference": "CB-2026-0001", "amount_cents": 2000})
    assert r.status_code == 200 and r.json()["status"] == "credited"
    again = env.admin.post(f"/api/v1/persons/{pid}/payments", {"reference": "CB-2026-0001", "amount_cents": 2000})
    assert again.json()["status"] == "duplicate" and again.json()["balance_cents"] == r.json()["balance_cents"]
    item = passage(pid, price=PRICE)
    env.station().post("/api/v1/sync/passages", {"passages": [item]})
    h = env.admin.get(f"/api/v1/persons/{pid}/history").json()
    assert h["balance_cents"] == r.json()["balance_cents"] - PRICE
    assert h["passages"][0]["id"] == item["id"]
    assert [e["kind"] for e in h["ledger"][:2]] == ["passage", "payment"]
    assert env.api(env.station_b).get(f"/api/v1/persons/{pid}/history").status_code == 403
