"""Group commit of pushes, on SQLite and PostgreSQL: pushes arriving together share one
transaction and one commit, each answered on its own; the statements a push costs do not grow
with its number of passages (a regression guard on the push path's round trips, not a timing).

The writer runs in this process on a real database (`PushWriter` is what `POST /sync/passages`
hands its work to), so that its statements can be counted with SQLAlchemy's own events.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import Future

import pytest
from sqlalchemy import event, func, select

from plateau.server import feed, store
from plateau.server import models as m
from plateau.server.group_commit import PushWriter
from tests.integration.server.conftest import SITE_A, SITE_B, make_db_url, passage, seed_env, ticket_persons

PRICE = 420


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    db_url = make_db_url(request.param, tmp_path_factory, request)
    db, school, _tokens, _admin, _revoked, person_b = seed_env(db_url, pupils=900)
    with db.write() as s:
        site = store.get_site(s, SITE_A)
        for category in ("eleve-ticket", "commensal", "commensal-sup"):
            store.upsert_tariff(s, site, category, PRICE)
        ids = {SITE_A: site.id, SITE_B: store.get_site(s, SITE_B).id}
    yield request.param, db, school, ids, person_b
    db.engine.dispose()


class Statements:
    """Every statement the engine sends (one per executemany), and every commit."""

    def __init__(self, engine):
        self.engine, self.sent, self.commits = engine, [], 0

    def _sent(self, _conn, _cursor, statement, _params, _context, _many):
        self.sent.append(" ".join(statement.split())[:400])

    def _committed(self, _conn):
        self.commits += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._sent)
        event.listen(self.engine, "commit", self._committed)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._sent)
        event.remove(self.engine, "commit", self._committed)


def _push(writer: PushWriter, site_id: int, station: str, items: list) -> tuple[list, list]:
    return asyncio.run(writer.submit(site_id, station, items))


def _batch(persons: list[int], n: int, station: str = "self-1") -> list[dict]:
    # n passages charged to n distinct persons, and one item the server refuses (a price that is
    # no tariff): the same kinds of work whatever n
    items = [passage(p, station=station, price=PRICE) for p in persons[:n]]
    return items + [passage(persons[0], station=station, price=PRICE + 1)]


def test_the_statements_of_a_push_do_not_grow_with_its_number_of_passages(world):
    backend, db, school, ids, _ = world
    persons = ticket_persons(school, 150)
    assert len(persons) == 150
    writer = PushWriter(db, writers=1)
    counted = {}
    try:
        _push(writer, ids[SITE_A], "self-1", _batch(persons, 150))   # every balance exists now
        for n in (1, 10, 150):
            with Statements(db.engine) as seen:
                results, balances = _push(writer, ids[SITE_A], "self-1", _batch(persons, n))
            assert [r["status"] for r in results] == ["stored"] * n + ["rejected"]
            assert len(balances) == n
            counted[n] = (len(seen.sent), seen.commits, seen.sent)
    finally:
        writer.stop()
    statements = {n: c[0] for n, c in counted.items()}
    assert statements[150] == statements[10] == statements[1], (statements, counted[150][2])
    assert all(c[1] == 1 for c in counted.values())        # one commit per push
    # each step one statement: 13 on PostgreSQL (the NOTIFY is in the feed seq's UPDATE), 14 on
    # SQLite (its BEGIN IMMEDIATE is a statement)
    assert statements[1] <= (13 if backend == "postgres" else 14), counted[1][2]
    if backend == "postgres":   # one NOTIFY per site and commit, in the UPDATE of the site's feed seq
        assert [s for s in counted[150][2] if "pg_notify" in s] == [
            s for s in counted[150][2] if s.startswith("UPDATE site SET feed_seq")]
        assert sum("pg_notify" in s for s in counted[150][2]) == 1


def _hold_sites(db, site_ids):
    """A unit of work holding the sites' lock (the writer's next group waits behind it)."""
    ctx = db.write()
    session = ctx.__enter__()
    feed.lock_sites(session, site_ids)
    return ctx


def _wait_taken(writer: PushWriter) -> None:
    deadline = time.monotonic() + 10
    while writer._queue.qsize() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_pushes_arriving_together_share_one_commit_and_each_gets_its_own_answer(world):
    backend, db, school, ids, person_b = world
    persons = ticket_persons(school, 21, offset=150)
    writer = PushWriter(db, writers=1)
    try:
        holder = _hold_sites(db, list(ids.values()))
        first = writer.submit_future(ids[SITE_A], "self-1", [passage(persons[0], price=PRICE)])
        _wait_taken(writer)   # the writer is inside its first group, waiting for the lock
        jobs = [(ids[SITE_A], "self-1" if k % 2 else "self-2",
                 [passage(persons[k], station="self-1" if k % 2 else "self-2", price=PRICE)]) for k in range(1, 20)]
        again = jobs[1]   # the same push sent twice (an answer lost, resent): stored once
        jobs.append(again)
        jobs.append((ids[SITE_A], "self-2", [passage(persons[20], station="self-2", price=7)]))  # no tariff
        jobs.append((ids[SITE_B], "b-1", [passage(person_b, station="b-1", price=400)]))
        with Statements(db.engine) as seen:
            futures: list[Future] = [writer.submit_future(*job) for job in jobs]
            holder.__exit__(None, None, None)
            answers = [f.result(timeout=30) for f in [first, *futures]]
        # the first push, then all the others at once (and the holder's own commit)
        assert writer.groups == 2 and seen.commits == 3
    finally:
        writer.stop()
    results = [a[0] for a in answers]
    assert [r[0]["status"] for r in results[1:20]] == ["stored"] * 19
    assert results[20][0] == {"id": jobs[1][2][0]["id"], "status": "duplicate"}
    assert results[21][0]["status"] == "rejected" and results[21][0]["code"] == "price_not_a_tariff"
    assert results[22][0]["status"] == "stored"
    assert answers[22][1] == [{"person": person_b, "balance_cents": answers[22][1][0]["balance_cents"],
                               "version": answers[22][1][0]["version"]}]
    with db.read() as s:
        debited = s.execute(select(func.count()).select_from(m.LedgerEntry).where(
            m.LedgerEntry.person_id == persons[2], m.LedgerEntry.kind == "passage")).scalar_one()
        kept = s.execute(select(func.count()).select_from(m.RejectedItem).where(
            m.RejectedItem.item_id == jobs[20][2][0]["id"])).scalar_one()
    assert debited == 1 and kept == 1
    # each push answers the balance of its own persons only, as after its group's commit
    assert [b["person"] for b in answers[2][1]] == [persons[2]]
    assert answers[2][1][0]["balance_cents"] == answers[20][1][0]["balance_cents"]


def test_a_push_that_fails_as_a_whole_fails_alone_and_the_others_of_its_group_are_stored(world):
    _backend, db, school, ids, _ = world
    persons = ticket_persons(school, 4, offset=171)
    writer = PushWriter(db, writers=1)
    try:
        holder = _hold_sites(db, [ids[SITE_A]])
        first = writer.submit_future(ids[SITE_A], "self-1", [passage(persons[0], price=PRICE)])
        _wait_taken(writer)
        good = [writer.submit_future(ids[SITE_A], "self-1", [passage(p, price=PRICE)]) for p in persons[1:]]
        gone = writer.submit_future(2**30, "self-1", [passage(persons[0], price=PRICE)])   # no such site
        holder.__exit__(None, None, None)
        assert first.result(timeout=30)[0][0]["status"] == "stored"
        assert [f.result(timeout=30)[0][0]["status"] for f in good] == ["stored"] * 3
        with pytest.raises(KeyError):
            gone.result(timeout=30)
    finally:
        writer.stop()
    with db.read() as s:
        stored = s.execute(select(func.count()).select_from(m.Passage).where(
            m.Passage.person_id.in_(persons))).scalar_one()
    assert stored == 4


def test_a_push_retried_after_its_commit_is_acknowledged_as_duplicate_and_debited_once(world):
    _backend, db, school, ids, _ = world
    persons = ticket_persons(school, 5, offset=175)
    batch = [passage(p, price=PRICE) for p in persons]
    writer = PushWriter(db)
    try:
        stored, _ = _push(writer, ids[SITE_A], "self-1", batch)
    finally:
        writer.stop()   # the server process dies after the commit, before the station hears back
    writer = PushWriter(db)
    try:
        again, balances = _push(writer, ids[SITE_A], "self-1", batch)
    finally:
        writer.stop()
    assert [r["status"] for r in stored] == ["stored"] * 5
    assert [r["status"] for r in again] == ["duplicate"] * 5
    assert {b["person"] for b in balances} == set(persons)
    with db.read() as s:
        entries = s.execute(select(func.count()).select_from(m.LedgerEntry).where(
            m.LedgerEntry.cause.in_([p["id"] for p in batch]))).scalar_one()
    assert entries == 5
    assert uuid.UUID(batch[0]["id"])


def test_a_postgres_writer_keeps_its_connection_and_replaces_one_that_was_lost(world):
    """No pool checkout (and its ping, a round trip) per group; a connection lost between two
    groups (PostgreSQL restarted, the backend killed) fails the next group once, whose pushes
    are then retried alone on a new connection: nothing is lost, nothing is stored twice."""
    backend, db, school, ids, _ = world
    persons = ticket_persons(school, 3, offset=185)
    if backend == "sqlite":   # the pool's connections (no ping there), one writer: nothing held
        writer = PushWriter(db)
        try:
            assert _push(writer, ids[SITE_A], "self-1", [passage(persons[0], price=PRICE)])[0][0]["status"] == "stored"
            assert writer._connection() is None
        finally:
            writer.stop()
        return
    checkouts = []
    listener = lambda *_args: checkouts.append(1)  # noqa: E731
    writer = PushWriter(db, writers=1)
    try:
        _push(writer, ids[SITE_A], "self-1", [passage(persons[0], price=PRICE)])
        event.listen(db.engine, "checkout", listener)
        try:
            _push(writer, ids[SITE_A], "self-1", [passage(persons[1], price=PRICE)])
            assert checkouts == []   # the writer's own connection, held from group to group
            with db.engine.connect() as conn:   # a pool connection of the test's: its checkout counted
                conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        finally:
            event.remove(db.engine, "checkout", listener)
        late = [passage(persons[2], price=PRICE)]
        results, balances = _push(writer, ids[SITE_A], "self-1", late)
        assert results == [{"id": late[0]["id"], "status": "stored"}] and len(balances) == 1
        assert _push(writer, ids[SITE_A], "self-1", late)[0][0]["status"] == "duplicate"
    finally:
        writer.stop()
    with db.read() as s:
        entries = s.execute(select(func.count()).select_from(m.LedgerEntry).where(
            m.LedgerEntry.cause == late[0]["id"])).scalar_one()
    assert entries == 1
