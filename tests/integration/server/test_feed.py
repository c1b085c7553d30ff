"""The change feed: wire-valid items, paging with a monotonic cursor, long-poll wake-ups."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from plateau.server import store, store_days
from plateau.sync.protocol import KINDS, parse_changes_page
from tests.integration.server.conftest import SITE_A, passage, ticket_persons
from tests.support.server import admin


def _all_pages(api, limit):
    since, pages, items = 0, 0, []
    while True:
        r = api.get(f"/api/v1/sync/changes?since={since}&limit={limit}")
        assert r.status_code == 200, r.text
        changes, cursor, more = parse_changes_page(r.json())  # the station's own validation
        items += changes
        pages += 1
        assert cursor >= since
        since = cursor
        if not more:
            return items, since, pages


def test_the_whole_feed_is_valid_wire_data_for_every_kind_in_order(env):
    items, cursor, pages = _all_pages(env.station(), 400)
    assert pages > 1
    assert [c.seq for c in items] == list(range(1, cursor + 1))  # dense and monotonic per site
    kinds = {c.kind for c in items}
    assert kinds >= set(KINDS) - {"passage", "phone_badge"}  # phone badges: test_phone_badge.py
    assert all(c.data["code"] == SITE_A for c in items if c.kind == "site")


def test_sites_have_separate_feeds(env):
    from tests.integration.server.conftest import Api

    b = Api(env.url, env.station_b).get("/api/v1/sync/changes?since=0&limit=1000").json()
    assert {c["kind"] for c in b["changes"]} == {"site", "service", "tariff", "person", "card"}
    assert all(c["data"]["code"] != SITE_A for c in b["changes"] if c["kind"] == "site")
    admin_view = env.admin.get(f"/api/v1/sync/changes?since=0&limit=5&site={SITE_A}").json()
    assert admin_view["changes"][0]["seq"] == 1


def test_an_empty_wait_returns_after_the_wait_with_the_same_cursor(env):
    head = env.station().get("/api/v1/sync/changes?since=0&limit=5000").json()["cursor"]
    t0 = time.monotonic()
    r = env.station().get(f"/api/v1/sync/changes?since={head}&wait=1")
    assert 0.9 <= time.monotonic() - t0 < 5
    assert r.json() == {"changes": [], "cursor": head, "more": False, "head": head}


def test_every_page_says_the_site_head_so_a_first_sync_shows_a_total(env):
    from plateau.sync.protocol import changes_page_head

    last = env.station().get("/api/v1/sync/changes?since=0&limit=5000").json()
    assert not last["more"] and last["head"] == last["cursor"]
    first = env.station().get("/api/v1/sync/changes?since=0&limit=7").json()
    assert first["more"] and first["cursor"] < first["head"]
    assert changes_page_head(first) == first["head"] >= last["head"]  # (pushes of other tests may add)
    # an older server without `head`, or a nonsense one, is read as "no total", never refused
    assert changes_page_head({"changes": [], "cursor": 5, "more": False}) is None
    for bad in (None, "12", True, -1, 4):
        assert changes_page_head({"changes": [], "cursor": 5, "more": False, "head": bad}) is None
    parse_changes_page({"changes": [], "cursor": 5, "more": False})  # still valid without it


def _long_poll(env, since, out):
    t0 = time.monotonic()
    r = env.station("self-2").get(f"/api/v1/sync/changes?since={since}&wait=20", timeout=30)
    out.append((time.monotonic(), time.monotonic() - t0, r.json()))


def test_a_push_wakes_a_long_polling_station_at_once(env):
    head = env.station("self-2").get("/api/v1/sync/changes?since=0&limit=5000").json()["cursor"]
    out = []
    poller = threading.Thread(target=_long_poll, args=(env, head, out))
    poller.start()
    time.sleep(0.5)  # the poll is waiting
    pid = ticket_persons(env.school, 1, offset=60)[0]
    item = passage(pid)  # no charge: a price the server accepts whatever the tariffs
    env.station("self-1").post("/api/v1/sync/passages", {"passages": [item]})
    committed = time.monotonic()
    poller.join(timeout=30)
    woke_at, waited, body = out[0]
    assert woke_at - committed < 0.5, "the in-process wake-up should take milliseconds"
    assert waited < 5
    assert item["id"] in {c["key"] for c in body["changes"]}


def test_a_write_from_another_process_reaches_a_long_poll_within_a_second_or_two(env):
    head = env.station("self-2").get("/api/v1/sync/changes?since=0&limit=5000").json()["cursor"]
    out = []
    poller = threading.Thread(target=_long_poll, args=(env, head, out))
    poller.start()
    time.sleep(0.3)
    admin(env.db_url, "tariff", "add", SITE_A, "passager", "--price-cents", "777")  # another process
    committed = time.monotonic()
    poller.join(timeout=30)
    woke_at, _, body = out[0]
    assert woke_at - committed < 2.0
    assert [c["data"]["price_cents"] for c in body["changes"] if c["kind"] == "tariff"] == [777]


def test_writes_of_the_test_process_are_seen_and_unchanged_rewrites_emit_nothing(env):
    head = env.station().get("/api/v1/sync/changes?since=0&limit=5000").json()["cursor"]
    with env.db.write() as s:
        site = store.get_site(s, SITE_A)
        pid = ticket_persons(env.school, 1, offset=61)[0]
        person = store.get_person(s, site, pid)
        store.upsert_person(s, site, id=pid, last_name=person.last_name, first_name=person.first_name)  # same
        start = datetime.now(timezone.utc)
        store_days.upsert_opposition(s, site, pid, start, start + timedelta(hours=2), "Absent", "absence",
                                     id="opp-feed-1")
    body = env.station().get(f"/api/v1/sync/changes?since={head}").json()
    assert [(c["kind"], c["key"]) for c in body["changes"]] == [("opposition", "opp-feed-1")]
    with env.db.write() as s:
        store_days.delete_opposition(s, store.get_site(s, SITE_A), "opp-feed-1")
    body = env.station().get(f"/api/v1/sync/changes?since={body['cursor']}").json()
    assert [(c["kind"], c["op"], c["data"]) for c in body["changes"]] == [("opposition", "delete", None)]


def _fold(state: dict, changes) -> dict:
    for c in changes:
        state[(c["kind"], c["key"])] = c["data"] if c["op"] == "upsert" else None
    return state


def _read_from(api, since):
    items = []
    while True:
        page = api.get(f"/api/v1/sync/changes?since={since}&limit=300").json()
        items += page["changes"]
        since = page["cursor"]
        if not page["more"]:
            return items, since


def test_compaction_keeps_every_cursor_correct(env):
    from plateau.server import feed as feed_mod

    api = env.station()
    before, head = _read_from(api, 0)
    middle = before[len(before) // 2]["seq"]
    with env.db.write() as s:
        site = store.get_site(s, SITE_A)
        for price in range(600, 606):
            store.upsert_tariff(s, site, "passager", price)
        store_days.upsert_closure(s, site, "2031-01-02", "2031-01-02", "Inventaire", id="compact-1")
        store_days.delete_closure(s, site, "compact-1")
    everything, _ = _read_from(api, 0)
    truth = _fold({}, everything)
    with env.db.write() as s:
        dropped = feed_mod.compact(s, store.get_site(s, SITE_A).id)
    assert dropped >= 5
    compacted, cursor = _read_from(api, 0)
    assert len(compacted) == len(everything) - dropped
    assert _fold({}, compacted) == truth
    at_middle = _fold({}, [c for c in before if c["seq"] <= middle])
    rest, _ = _read_from(api, middle)
    assert _fold(at_middle, rest) == truth
    assert truth[("closure", "compact-1")] is None  # the delete survives as a tombstone
