"""The daemon's loops against a real `plateau server` through the fault proxy: what a bad
answer must never do, and what a refused passage becomes."""

from __future__ import annotations

import json
import shutil
import uuid

import pytest
from sqlalchemy import text

from plateau.db.engine import open_replica
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import status
from plateau.sync.client import ServerUnreachable
from plateau.sync.loops import SyncLoops, SyncOptions
from tests.e2e.test_sync_e2e import school, seeded_template  # noqa: F401  (fixtures)
from tests.integration.sync.harness import (Station, add_station, reference_rows, server_passages)
from tests.support.faultproxy import FaultProxy
from tests.support.server import running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeded_template):
    db = tmp_path_factory.mktemp("faults") / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv, FaultProxy(srv.port) as proxy:
        yield srv, proxy, str(db)


@pytest.fixture
def setup(server, tmp_path):
    """A new station (own id, token and replica) of the module's server, behind its proxy."""
    srv, proxy, db = server
    name = f"s-{uuid.uuid4().hex[:8]}"
    token = add_station(db, name)
    proxy.set("pass")
    st = Station(tmp_path / name, name, proxy.url, token)
    engine = open_replica(st.db)
    loops = SyncLoops(engine, SyncOptions(url=proxy.url, token=token, timeout=2, wait=0))
    yield srv, proxy, st, engine, loops, db
    engine.dispose()


def _state(engine):
    with engine.connect() as conn:
        cursor = conn.execute(text("SELECT value FROM sync_state WHERE key = 'cursor'")).scalar()
        return cursor, conn.execute(text("SELECT count(*) FROM person")).scalar()


@pytest.mark.parametrize("first_sync,fault", [
    *(("snapshot", f) for f in ("truncate", "corrupt", "drop", "stall", "fail", "unavailable", "bad_field",
                                "out_of_order", "bad_key")),
    *(("feed", f) for f in ("truncate", "bad_field", "out_of_order", "bad_key"))])
def test_a_bad_page_never_touches_the_replica(setup, first_sync, fault):
    """A snapshot page or a feed page (a station from before snapshots) that is cut, corrupted or
    breaks the protocol is refused whole: no row, no cursor, no progress."""
    srv, proxy, st, engine, loops, db = setup
    loops.no_snapshot = first_sync == "feed"
    rewrites = {
        "bad_field": lambda b: b.replace(b'"last_name":', b'"last_name":1,"x":', 1),
        "out_of_order": lambda b: _swap_first_two(b),
        "bad_key": lambda b: b.replace(b'"key":"', b'"key":"9', 1),
    }
    proxy.stall_seconds = 2.5
    if fault in rewrites:
        proxy.rewriter = rewrites[fault]
        proxy.set("rewrite")
    else:
        proxy.set(fault)
    client = loops.client()
    with pytest.raises(ServerUnreachable):
        loops.pull_all(client)
    assert _state(engine) == (None, 0)              # nothing applied, no cursor
    with engine.connect() as conn:
        assert not conn.execute(text("SELECT value FROM sync_state WHERE key IN ('snapshot', 'pull_progress') "
                                     "AND value != ''")).all()
    proxy.set("pass")
    loops.pull_all(client)                           # then the same pages apply whole
    client.close()
    cursor, persons = _state(engine)
    assert int(cursor) > 0 and persons > 0


def _swap_first_two(body: bytes) -> bytes:
    page = json.loads(body)
    if "rows" in page:   # a snapshot page: two rows swap their data, so each names the other's key
        page["rows"][0]["data"], page["rows"][1]["data"] = page["rows"][1]["data"], page["rows"][0]["data"]
    else:
        page["changes"][0], page["changes"][1] = page["changes"][1], page["changes"][0]
    return json.dumps(page).encode()


def test_a_passage_the_server_rejects_is_parked_and_shown(setup, school):
    srv, proxy, st, engine, loops, db = setup
    loops.pull_all(loops.client())
    good = str(uuid.uuid4())
    bad = str(uuid.uuid4())
    with engine.begin() as conn:  # a passage naming a person the site does not have, before a good one
        for pid, person in ((bad, 999_999), (good, None)):
            conn.execute(text(
                "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
                "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
                "(:id, :st, '2026-11-23T11:00:00.000000+00:00', '2026-11-23', 'dejeuner', NULL, :p, "
                "'badge', 0, 'unknown_card', 0, NULL, NULL, NULL, NULL, '[]', 'local')"),
                {"id": pid, "p": person, "st": st.station_id})
            conn.execute(text("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) "
                              "VALUES (:id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), :p, 0, 0, 0)"),
                         {"id": pid, "p": person})
    loops.push_all(loops.client())
    with UnitOfWork(engine).reading() as uow:
        conn = uow.connection
        s = status.read_status(uow)
        parked = conn.execute(text("SELECT passage_id, error FROM outbox WHERE parked = 1")).all()
    assert (s.waiting, s.parked) == (0, 1)
    assert parked[0][0] == bad and "999999" in parked[0][1]
    assert good in server_passages(db) and bad not in server_passages(db)
    assert loops.push_all(loops.client()) == 0       # never sent again by itself


@pytest.mark.parametrize("first_sync", ["snapshot", "feed"])
def test_first_sync_resumes_after_a_kill(tmp_path, seeded_template, first_sync):
    """SIGKILL `plateau sync --once` after the first page of a first sync: the next run resumes
    where the first stopped (pulls only the rest: the rest of the snapshot, or of the feed from
    the stored cursor) and ends with the same replica as a station that was never killed."""
    db = tmp_path / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv, FaultProxy(srv.port) as proxy:
        token = add_station(str(db), "self-1")
        st = Station(tmp_path / "self-1", "self-1", proxy.url, token, timeout_seconds=30, first_sync=first_sync)
        proxy.script = ["pass", "stall"]             # the first page arrives, the second never does
        proxy.stall_seconds = 60
        import subprocess
        from tests.integration.sync.harness import PLATEAU

        proc = subprocess.Popen([PLATEAU, "sync", "--once", "--config", str(st.config)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            try:
                st.wait_for("SELECT substr(value, 1, 5) FROM sync_state WHERE key = 'pull_progress'", "1000/",
                            timeout=90)
            except AssertionError as exc:
                proc.kill()
                out, err = proc.communicate(timeout=10)
                raise AssertionError(f"{exc}; proxy {dict(proxy.counts)}; sync said: {err[-800:]!r}") from None
            import time
            deadline = time.monotonic() + 30
            while proxy.counts["stall"] == 0 and time.monotonic() < deadline:   # killed while it waits for
                time.sleep(0.02)                                               # its second page, not before
            progress = st.scalar("SELECT value FROM sync_state WHERE key = 'pull_progress'")
            cursor = st.query("SELECT value FROM sync_state WHERE key = 'cursor'")
        finally:
            proc.kill()
            proc.wait(10)
        assert st.scalar("SELECT count(*) FROM sync_state WHERE key = 'first_sync_done'") == 0
        # changed while the station was down, behind the page it reached: it comes through the feed
        srv.admin("tariff", "add", "0691234X", "eleve", "--price-cents", "412")
        proxy.set("pass")
        done = st.sync_once(check=False)
        assert done.returncode == 0, (dict(proxy.counts), proxy.script, done.stderr[-500:])
        head = int(st.scalar("SELECT value FROM sync_state WHERE key = 'cursor'"))
        total = int(progress.split("/")[1])
        if first_sync == "snapshot":
            assert cursor in ([], [("0",)])            # the snapshot's cursor is stored with its last page
            assert f"pulled 1 changes after a snapshot of {total - 1000} rows" in done.stdout, done.stdout
            assert total < head                        # the current state is smaller than the history
        else:
            assert cursor == [("1000",)]
            assert f"pulled {head - 1000} changes" in done.stdout
            assert total == head - 1                   # the server's head then: "received/total"
        assert st.scalar("SELECT value FROM sync_state WHERE key = 'first_sync_done'") == "1"
        assert st.scalar("SELECT price_cents FROM tariff WHERE category = 'eleve'") == 412
        fresh = Station(tmp_path / "fresh", "self-1", srv.url, token, first_sync=first_sync)
        fresh.sync_once()
        assert reference_rows(st.db) == reference_rows(fresh.db)


def test_kiosk_sync_now_pulls_at_once_even_during_a_long_poll(server, tmp_path):
    """The kiosk's "sync now" (`plateau.db.kiosk.request_sync`) makes the daemon pull at once,
    although its long-poll is stuck (here: held silent by the proxy)."""
    from plateau.db.kiosk import request_sync

    srv, proxy, db = server
    token = add_station(db, "force-1")
    proxy.set("pass")
    st = Station(tmp_path / "force-1", "force-1", proxy.url, token, wait_seconds=25)
    st.sync_once()
    proxy.stall_seconds = 40
    proxy.set("stall")
    st.start_sync()
    try:
        import time
        deadline = time.monotonic() + 15
        while proxy.counts["stall"] == 0 and time.monotonic() < deadline:  # the long-poll is now held
            time.sleep(0.05)
        proxy.set("pass")
        srv.admin("tariff", "add", "0691234X", "invite", "--price-cents", "777")
        engine = open_replica(st.db)
        request_sync(engine)
        engine.dispose()
        took = st.wait_for("SELECT count(*) FROM tariff WHERE category = 'invite' AND price_cents = 777", 1,
                           timeout=10)
        assert took < 5
    finally:
        st.stop_all()


def test_a_stale_page_is_never_applied(tmp_path, demo_school):
    """Two pullers (the long-poll and a forced pull): a page fetched from an old cursor is dropped."""
    from plateau.sync import pull
    from plateau.sync.protocol import Change

    engine = open_replica(tmp_path / "s.db")
    pid = next(iter(demo_school.persons))
    data = dict(demo_school.persons[pid])
    newer = Change(20, "person", "upsert", str(pid), dict(data, last_name="NEW"))
    older = Change(10, "person", "upsert", str(pid), dict(data, last_name="OLD"))
    with UnitOfWork(engine).writing() as uow:
        pull.apply_page(uow, [newer], 20, False, since=0)
        uow.commit()
    with pytest.raises(pull.StalePage):
        with UnitOfWork(engine).writing() as uow:
            pull.apply_page(uow, [older], 10, False, since=0)
    with UnitOfWork(engine).reading() as uow:
        conn = uow.connection
        assert conn.execute(text("SELECT last_name FROM person WHERE id = :p"), {"p": pid}).scalar() == "NEW"
        assert pull.stored_cursor(uow) == 20
    engine.dispose()


def test_a_passage_of_another_station_id_is_parked_not_taken_for_a_revoked_token(setup):
    """The server refuses a whole batch (403) when a passage names another station: the daemon
    isolates it, parks it with the server's reason, and sends the rest."""
    srv, proxy, st, engine, loops, db = setup
    loops.pull_all(loops.client())
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    with engine.begin() as conn:
        for pid, station in ((bad, "renamed-station"), (good, st.station_id)):
            conn.execute(text(
                "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
                "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
                "(:id, :st, '2026-11-23T11:00:00.000000+00:00', '2026-11-23', 'dejeuner', NULL, NULL, "
                "'badge', 0, 'unknown_card', 0, NULL, NULL, NULL, NULL, '[]', 'local')"), {"id": pid, "st": station})
            conn.execute(text("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) "
                              "VALUES (:id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), NULL, 0, 0, 0)"),
                         {"id": pid})
    loops.push_all(loops.client())
    with engine.connect() as conn:
        parked = conn.execute(text("SELECT passage_id, error FROM outbox WHERE parked = 1")).all()
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE parked = 0")).scalar() == 0
    assert parked[0][0] == bad and "may not push passages of station 'renamed-station'" in parked[0][1]
    assert good in server_passages(db)
    assert not loops.token_refused.is_set() and "token" not in loops.keeper.last_error


def test_clock_skew_is_measured_and_reported_to_staff(setup):
    """The server's `Date` says 10 minutes later than the station's clock: the status shows the
    skew and a sentence for staff; back in step, the warning goes away."""
    srv, proxy, st, engine, loops, db = setup
    proxy.date_offset = 600
    loops.pull_all(loops.client())
    with UnitOfWork(engine).reading() as uow:
        s = status.read_status(uow)
    assert 598 <= s.clock_skew_seconds <= 602
    assert "behind the server's" in s.last_error and "NTP" in s.last_error
    proxy.date_offset = 0
    loops.pull_all(loops.client())
    with UnitOfWork(engine).reading() as uow:
        s = status.read_status(uow)
    assert abs(s.clock_skew_seconds) < 2 and s.last_error == ""
