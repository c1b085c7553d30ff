"""The sync client's bounds against a hostile server on loopback: a huge answer is cut at the
configured size, a server dripping bytes cannot hold a request past its deadline, a cursor
beyond the server's head is refused, and a stored cursor the real server refuses heals by a
full resync that keeps the unsent passages."""

from __future__ import annotations

import shutil
import time
import uuid

import pytest
from sqlalchemy import text

from plateau.db.engine import open_replica
from plateau.sync.client import ServerUnreachable, SyncClient
from plateau.sync.loops import SyncLoops, SyncOptions
from tests.e2e.test_sync_e2e import school, seeded_template  # noqa: F401  (fixtures)
from tests.integration.sync.harness import Station, add_station, reference_rows, server_passages
from tests.support.hostile import HostileServer
from tests.support.server import running_server

MiB = 2 ** 20
PAGE = b'{"changes": [], "cursor": 0, "more": false, "head": 0}'


@pytest.fixture
def hostile():
    with HostileServer() as server:
        yield server


def client_of(hostile, **kw) -> SyncClient:
    return SyncClient(hostile.url, "pst_test", timeout=kw.pop("timeout", 2.0),
                      max_answer_bytes=kw.pop("max_answer_bytes", 1 * MiB), **kw)


@pytest.mark.parametrize("announced", [True, False], ids=["content_length", "no_length"])
def test_a_huge_answer_is_cut_at_the_limit_not_read_whole(hostile, announced):
    hostile.huge(256 * MiB, announce=announced)
    client = client_of(hostile)
    with pytest.raises(ServerUnreachable, match="larger than 1 MiB"):
        client.changes(0)
    client.close()
    time.sleep(0.3)
    assert hostile.sent < 32 * MiB     # the client stopped reading; the rest was never sent


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_dripping_server_cannot_hold_a_request_past_its_deadline(hostile, headers_too):
    hostile.drip(PAGE, 0.1, headers_too=headers_too)   # 6 s for the whole answer, a byte at a time
    client = client_of(hostile, timeout=0.5)           # each byte comes well within the socket timeout
    started = time.monotonic()
    with pytest.raises(ServerUnreachable, match="deadline"):
        client.changes(0)
    took = time.monotonic() - started
    client.close()
    assert took < 4.0, took


@pytest.mark.parametrize("page", [
    {"changes": [], "cursor": 10 ** 30, "more": False},
    {"changes": [], "cursor": 10 ** 30, "more": False, "head": 10 ** 30},
    {"changes": [], "cursor": 500, "more": False, "head": 400},
    {"changes": [], "cursor": 500, "more": False},            # an older server without head: beyond `since`
    {"rows": [], "cursor": 10 ** 30, "day": "2026-12-03", "after": None, "more": False},   # a first sync's snapshot
], ids=["huge", "huge_with_head", "beyond_head", "beyond_since", "snapshot_huge"])
def test_a_cursor_beyond_the_servers_head_is_refused_and_never_stored(hostile, tmp_path, page):
    hostile.page(page)
    engine = open_replica(tmp_path / "station.db")
    loops = SyncLoops(engine, SyncOptions(url=hostile.url, token="pst_test", timeout=2, wait=0,
                                          snapshot="rows" in page))
    client = loops.client()
    with pytest.raises(ServerUnreachable, match="cursor"):
        loops.pull_all(client)
    client.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM sync_state WHERE key = 'cursor'")).scalar() is None
    engine.dispose()


def _insert_unsent_passage(engine, station: str) -> str:
    pid = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
            "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
            "(:id, :st, '2026-11-23T11:00:00.000000+00:00', '2026-11-23', 'dejeuner', NULL, NULL, "
            "'badge', 0, 'unknown_card', 0, NULL, NULL, NULL, NULL, '[]', 'local')"), {"id": pid, "st": station})
        conn.execute(text("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) "
                          "VALUES (:id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), NULL, 0, 0, 0)"), {"id": pid})
    return pid


@pytest.mark.parametrize("stored", [str(10 ** 30), str(2 ** 62 + 5), "12abc"])
def test_a_stored_cursor_the_server_refuses_heals_by_a_full_resync(tmp_path, seeded_template, stored):
    """A cursor stored by an earlier version (10^30 from a hostile answer), beyond what the server
    takes, or not a number: the daemon resyncs from 0, replacing the replica's pulled data (a row
    the server never sent is gone), and the unsent passage is still sent."""
    db = tmp_path / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv:
        token = add_station(str(db), "self-1")
        st = Station(tmp_path / "self-1", "self-1", srv.url, token)
        st.sync_once()
        engine = open_replica(st.db)
        pid = _insert_unsent_passage(engine, "self-1")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO person (id, last_name, first_name, category, plan, status, search_key) "
                              "VALUES (987654, 'FANTOME', 'Pas', 'eleve', 'ticket', 'active', 'fantome pas')"))
            conn.execute(text("UPDATE sync_state SET value = :v WHERE key = 'cursor'"), {"v": stored})
        loops = SyncLoops(engine, SyncOptions(url=srv.url, token=token, timeout=5, wait=0))
        client = loops.client()
        loops.pull_all(client)
        loops.push_all(client)
        loops.pull_all(client)   # the passage pushed comes back in the feed, like on the fresh station
        client.close()
        engine.dispose()
        fresh = Station(tmp_path / "fresh", "self-1", srv.url, token, first_sync="feed")   # a resync is a
        fresh.sync_once()                                                                # whole-feed pull
        assert st.scalar("SELECT count(*) FROM person WHERE id = 987654") == 0
        assert reference_rows(st.db) == reference_rows(fresh.db)
        assert st.scalar("SELECT value FROM sync_state WHERE key = 'cursor'") == \
            fresh.scalar("SELECT value FROM sync_state WHERE key = 'cursor'")
        assert pid in server_passages(str(db)) and st.scalar("SELECT count(*) FROM outbox") == 0
