"""A push that fails as a whole parks nothing; only the server's per-item rejection parks a
passage, which staff see with the server's reason and send again (`plateau sync --retry-parked`).

A real `plateau server` behind the fault proxy, which plays a misconfigured or rate-limiting
reverse proxy: a 404 page, a 429 with Retry-After, an HTML 502 page, a 413 for big batches.
"""

from __future__ import annotations

import shutil
import time
import uuid

import pytest
from sqlalchemy import text

from plateau.db.engine import open_replica
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import status
from plateau.sync.client import ServerUnreachable
from plateau.sync.loops import SyncLoops, SyncOptions
from tests.e2e.test_sync_e2e import school, seeded_template  # noqa: F401  (fixtures)
from tests.integration.sync.harness import Station, add_station, plateau, server_passages
from tests.support.faultproxy import FaultProxy
from tests.support.server import running_server

HTML_404 = "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center></body></html>"
HTML_502 = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeded_template):
    db = tmp_path_factory.mktemp("parked") / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv, FaultProxy(srv.port) as proxy:
        yield srv, proxy, str(db)


@pytest.fixture
def setup(server, tmp_path):
    srv, proxy, db = server
    name = f"p-{uuid.uuid4().hex[:8]}"
    token = add_station(db, name)
    proxy.set("pass")
    proxy.max_body = 0
    st = Station(tmp_path / name, name, proxy.url, token)
    engine = open_replica(st.db)
    loops = SyncLoops(engine, SyncOptions(url=proxy.url, token=token, timeout=2, wait=0, push_batch=8))
    loops.pull_all(loops.client())
    yield proxy, st, engine, loops, db
    proxy.set("pass")
    proxy.max_body = 0
    engine.dispose()


def record(engine, station: str, n: int, person: int | None = None) -> list[str]:
    """`n` refused passages (an unknown badge) waiting in the outbox, as the kiosk records them."""
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with engine.begin() as conn:
        for pid in ids:
            conn.execute(text(
                "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
                "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
                "(:id, :st, '2026-11-23T11:00:00.000000+00:00', '2026-11-23', 'dejeuner', NULL, :p, "
                "'badge', 0, 'unknown_card', 0, NULL, NULL, NULL, NULL, '[]', 'local')"),
                {"id": pid, "st": station, "p": person})
            conn.execute(text("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) "
                              "VALUES (:id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), :p, 0, 0, 0)"),
                         {"id": pid, "p": person})
    return ids


def outbox(engine) -> tuple[int, int]:
    s = status.status_of(engine)
    return s.waiting, s.parked


FAULTS = {
    "proxy_404_page": (404, HTML_404, "text/html", {}),
    "rate_limited_429": (429, '{"message": "slow down"}', "application/json", {"Retry-After": "1"}),
    "html_502_page": (502, HTML_502, "text/html", {}),
    "json_404_from_a_proxy": (404, '{"error": "not_found", "reason": "no route"}', "application/json", {}),
    "timeout_408": (408, "", "text/plain", {}),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_push_failing_as_a_whole_parks_nothing_and_is_delivered_later(setup, fault):
    proxy, st, engine, loops, db = setup
    ids = record(engine, st.station_id, 5)
    code, body, ctype, headers = FAULTS[fault]
    proxy.answer(code, body, ctype, headers)
    client = loops.client()
    for _ in range(3):  # as many attempts as the daemon's backoff would make
        with pytest.raises(ServerUnreachable) as failure:
            loops.push_step(client)
        assert outbox(engine) == (5, 0)
    assert f"HTTP {code}" in str(failure.value) and proxy.url in str(failure.value)
    if code == 429:
        assert failure.value.retry_after == 1.0
    loops._failed("push", failure.value)       # what the push loop does with it: the status says why
    assert f"HTTP {code}" in status.status_of(engine).last_error
    proxy.set("pass")
    assert loops.push_all(client) == 5
    client.close()
    assert outbox(engine) == (0, 0)
    assert set(ids) <= set(server_passages(db))


def test_a_413_splits_the_batch_instead_of_parking(setup):
    proxy, st, engine, loops, db = setup
    ids = record(engine, st.station_id, 8)
    proxy.max_body = 100   # not even one passage gets through: nothing is parked for that
    client = loops.client()
    with pytest.raises(ServerUnreachable, match="HTTP 413"):
        loops.push_all(client)
    assert outbox(engine) == (8, 0)
    proxy.max_body = 1500  # about two passages per request: smaller batches
    assert loops.push_all(client) == 8
    client.close()
    assert proxy.counts["too_large"] >= 2
    assert outbox(engine) == (0, 0)
    assert set(ids) <= set(server_passages(db))


def test_the_push_loop_backs_off_and_honours_retry_after_then_delivers(setup):
    """The daemon's push thread against a 429 with Retry-After: 2, then a fixed proxy."""
    import threading

    proxy, st, engine, loops, db = setup
    record(engine, st.station_id, 3)
    proxy.answer(429, "Too Many Requests", "text/plain", {"Retry-After": "2"})
    before = proxy.counts["answer"]
    thread = threading.Thread(target=loops.run_push, daemon=True)
    thread.start()
    try:
        time.sleep(1.2)
        assert proxy.counts["answer"] - before == 1   # not hammered: it waits at least 2 s
        assert "HTTP 429" in status.status_of(engine).last_error
        proxy.set("pass")
        deadline = time.monotonic() + 10
        while outbox(engine) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outbox(engine) == (0, 0)
    finally:
        loops.stop.set()
        thread.join(5)


def test_a_per_item_rejection_is_parked_shown_and_sent_again_with_retry_parked(setup):
    proxy, st, engine, loops, db = setup
    good = record(engine, st.station_id, 2)
    bad = record(engine, st.station_id, 1, person=999_999)  # a person the site does not have
    client = loops.client()
    loops.push_all(client)
    client.close()
    assert outbox(engine) == (0, 1)
    from plateau.db.kiosk import parked_items

    items = parked_items(engine)
    assert [i.id for i in items] == bad and "999999" in items[0].error
    assert set(good) <= set(server_passages(db))
    # the cause is fixed on the server side (here: we simply ask again) -> `plateau sync --retry-parked`
    done = plateau("sync", "--retry-parked", "--config", str(st.config))
    assert "1 passage" in done.stdout
    assert outbox(engine) == (1, 0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM sync_state WHERE key = 'force_sync'")).scalar()
    client = loops.client()
    loops.push_all(client)                        # sent again, idempotent by id; rejected again here
    client.close()
    assert outbox(engine) == (0, 1)


def test_the_upgrade_unparks_passages_parked_by_earlier_versions(tmp_path):
    """Replica migration 0007: passages parked by a proxy's 404/429 before this version go back
    to the outbox (all of them: a push is idempotent, and the server answers per item)."""
    from plateau.db.engine import make_engine, upgrade

    db = tmp_path / "old.db"
    engine = make_engine(db)
    upgrade(engine, "0006")
    engine.dispose()
    import sqlite3

    con = sqlite3.connect(db)
    for i, error in enumerate(("the server refused the request (HTTP 404 : <html>404 Not Found</html>)",
                               "the server refused the request (HTTP 429 : slow down)",
                               "unknown person 999999")):
        pid = str(uuid.uuid4())
        con.execute("INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
                    "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
                    "(?, 's', '2026-11-23T11:00:00.000000+00:00', '2026-11-23', 'dejeuner', NULL, NULL, "
                    "'badge', 0, 'unknown_card', 0, NULL, NULL, NULL, NULL, '[]', 'local')", (pid,))
        con.execute("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked, error) "
                    "VALUES (?, ?, NULL, 0, 1, 1, ?)", (pid, i + 1, error))
    con.commit()
    con.close()
    engine = open_replica(db)  # migrates to the head
    assert outbox(engine) == (3, 0)
    engine.dispose()


def test_card_events_a_proxy_does_not_route_wait_without_holding_passages(setup):
    """A server (or proxy) answering 404 to the card-event endpoint: the lost card stays queued,
    not parked, and the passages behind it are delivered."""
    from datetime import datetime, timezone

    from plateau.station.services import Recorder
    from tests.support.faultproxy import _canned

    proxy, st, engine, loops, db = setup
    with engine.connect() as conn:
        uid = conn.execute(text("SELECT uid FROM card WHERE status = 'active' LIMIT 1")).scalar()
    recorder = Recorder(engine, st.station_id)
    recorder.declare_lost(uid, 1, datetime.now(timezone.utc))
    recorder.close()
    ids = record(engine, st.station_id, 3)
    proxy.by_path = {"/api/v1/sync/card-events": _canned(404, HTML_404)}
    try:
        client = loops.client()
        assert loops.push_all(client) == 3
        client.close()
    finally:
        proxy.by_path = {}
    assert outbox(engine) == (0, 0)
    assert set(ids) <= set(server_passages(db))
    with UnitOfWork(engine).reading() as uow:
        assert [e["uid"] for e in uow.pending_card_events()] == [uid]    # waiting, not parked
