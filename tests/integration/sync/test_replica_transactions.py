"""The daemon's replica transactions on a real SQLite file: push answers, pages, status."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from plateau.db.unit_of_work import UnitOfWork, effective_balance
from plateau.db.replica import get_state
from plateau.sync import outbox, pull, status
from plateau.sync.protocol import Change, KINDS, check_passage
from plateau.sync.state import StatusKeeper
from tests.conftest import paris


def ticket_pupils(school, n):
    out = [p for p, d in school.persons.items()
           if d["plan"] == "ticket" and p in school.cards and p not in school.absent_today
           and d["leaving_date"] is None and d["category"].startswith("eleve")]
    return out[:n]


def server_balance(conn, person):
    return conn.execute(text("SELECT server_cents, version FROM balance WHERE person_id = :p"),
                        {"p": person}).one()


def test_batch_is_oldest_first_in_wire_format(recorder, replica, demo_school):
    pupils = ticket_pupils(demo_school, 3)
    ids = [recorder.badge(demo_school.cards[p], paris(2026, 11, 23, 12, i)).passage_id
           for i, p in enumerate(pupils)]
    with UnitOfWork(replica).reading() as uow:
        batch = outbox.read_batch(uow, 10)
        assert [p["id"] for p in batch.passages] == ids
        assert not batch.invalid
        for p in batch.passages:
            assert check_passage(p) == p and isinstance(p["accepted"], bool)
        assert [p["id"] for p in outbox.read_batch(uow, 2).passages] == ids[:2]


def test_push_answer_acknowledges_parks_and_applies_balances_in_one_transaction(recorder, replica, demo_school):
    a, b, c = ticket_pupils(demo_school, 3)
    with replica.connect() as conn:
        before = {p: effective_balance(conn, p) for p in (a, b, c)}
        versions = {p: server_balance(conn, p).version for p in (a, b, c)}
    ra = recorder.badge(demo_school.cards[a], paris(2026, 11, 23, 12, 0))
    rb = recorder.badge(demo_school.cards[b], paris(2026, 11, 23, 12, 1))
    rc = recorder.badge(demo_school.cards[c], paris(2026, 11, 23, 12, 2))
    price = ra.decision.price_cents
    assert price > 0
    with replica.connect() as conn:
        assert effective_balance(conn, a) == before[a] - price   # pending: counted once, locally
    # the server stored a, already had b, rejected c; a's new server balance includes the meal
    with UnitOfWork(replica).writing() as uow:
        done = outbox.apply_push_answer(
            uow, {ra.passage_id: ("stored", None), rb.passage_id: ("duplicate", None),
                   rc.passage_id: ("rejected", "unknown station")},
            [{"person": a, "balance_cents": before[a] - price, "version": versions[a] + 1},
             {"person": b, "balance_cents": before[b] - price, "version": versions[b] + 1}])
        uow.commit()
    assert (done.acknowledged, done.duplicates, done.parked) == (2, 1, 1)
    with UnitOfWork(replica).reading() as uow:
        conn = uow.connection
        assert effective_balance(conn, a) == before[a] - price     # server's now, not twice
        assert effective_balance(conn, b) == before[b] - price
        assert effective_balance(conn, c) == before[c] - price     # parked: still pending locally
        rows = conn.execute(text("SELECT passage_id, parked, error FROM outbox")).all()
        assert rows == [(rc.passage_id, 1, "unknown station")]
        s = status.read_status(uow)
        assert (s.waiting, s.parked) == (0, 1)
        assert get_state(conn, status.LAST_SUCCESS)
        assert outbox.read_batch(uow, 10).passages == []           # parked: never sent again blindly
    # an older balance version (a late push answer) never overwrites a newer one
    with UnitOfWork(replica).writing() as uow:
        conn = uow.connection
        outbox.apply_push_answer(uow, {}, [{"person": a, "balance_cents": 99999, "version": versions[a]}])
        assert server_balance(conn, a).server_cents == before[a] - price
        uow.commit()


def test_a_failed_push_transaction_leaves_the_outbox_untouched(recorder, replica, demo_school):
    (a,) = ticket_pupils(demo_school, 1)
    r = recorder.badge(demo_school.cards[a], paris(2026, 11, 23, 12, 0))
    with pytest.raises(RuntimeError):
        with UnitOfWork(replica).writing() as uow:
            outbox.apply_push_answer(uow, {r.passage_id: ("stored", None)},
                                     [{"person": a, "balance_cents": -5, "version": 10**6}])
            raise RuntimeError("power cut")
    with replica.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 1
        assert server_balance(conn, a).version < 10**6


def _person_change(seq, school, pid, **changes):
    data = dict(school.persons[pid], **changes)
    return Change(seq, "person", "upsert", KINDS["person"].key_of(data), data)


def test_page_and_cursor_commit_together_or_not_at_all(replica, demo_school):
    pid = next(iter(demo_school.persons))
    page = [_person_change(41, demo_school, pid, last_name="Renommé")]
    with pytest.raises(RuntimeError):
        with UnitOfWork(replica).writing() as uow:
            pull.apply_page(uow, page, 41, False)
            raise RuntimeError("killed")
    with UnitOfWork(replica).reading() as uow:
        assert pull.stored_cursor(uow) == 0
    with UnitOfWork(replica).writing() as uow:
        pull.apply_page(uow, page, 41, True, head=90)
        uow.commit()
    with UnitOfWork(replica).reading() as uow:
        conn = uow.connection
        assert pull.stored_cursor(uow) == 41
        assert conn.execute(text("SELECT last_name FROM person WHERE id = :p"), {"p": pid}).scalar() == "Renommé"
        assert get_state(conn, status.PROGRESS) == "41/90"
        assert get_state(conn, status.FIRST_SYNC_DONE) is None
    with UnitOfWork(replica).writing() as uow:
        pull.apply_page(uow, [], 90, False)
        uow.commit()
    with replica.connect() as conn:
        assert get_state(conn, status.FIRST_SYNC_DONE) == "1" and get_state(conn, status.PROGRESS) == ""


def test_own_passage_coming_back_in_the_feed_acknowledges_it(recorder, replica, demo_school):
    (a,) = ticket_pupils(demo_school, 1)
    r = recorder.badge(demo_school.cards[a], paris(2026, 11, 23, 12, 0))
    with UnitOfWork(replica).reading() as uow:
        conn = uow.connection
        (wire,) = outbox.read_batch(uow, 5).passages
        shown = effective_balance(conn, a)
        version = server_balance(conn, a).version
    # the push was stored but its answer lost; the feed brings the passage, then the balance
    page = [Change(7, "passage", "upsert", r.passage_id, wire),
            Change(8, "balance", "upsert", str(a), {"person_id": a, "balance_cents": shown, "version": version + 1})]
    with UnitOfWork(replica).writing() as uow:
        pull.apply_page(uow, page, 8, False)
        uow.commit()
    with replica.connect() as conn:
        assert effective_balance(conn, a) == shown                      # not counted twice
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM passage WHERE id = :i"), {"i": r.passage_id}).scalar() == 1


def test_status_keeper_writes_what_the_kiosk_reads(replica):
    clock = [datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)]
    keeper = StatusKeeper(replica, skew_warn_seconds=120, now=lambda: clock[0])
    keeper.succeeded("push", 0.4)
    with UnitOfWork(replica).reading() as uow:
        s = status.read_status(uow)
    assert s.online and s.offline_since is None and s.last_error == "" and s.clock_skew_seconds == 0.4
    assert s.last_success_at == clock[0]
    clock[0] += timedelta(minutes=3)
    keeper.failed("pull", "cannot reach the server: connection refused")
    keeper.failed("push", "cannot reach the server: connection refused")
    with UnitOfWork(replica).reading() as uow:
        s = status.read_status(uow)
    assert not s.online and s.offline_since == clock[0] and "connection refused" in s.last_error
    keeper.succeeded("push", 400.0)
    with UnitOfWork(replica).reading() as uow:
        s = status.read_status(uow)
    assert not s.online                       # the pull side is still failing
    keeper.succeeded("pull", 400.0)
    with UnitOfWork(replica).reading() as uow:
        s = status.read_status(uow)
    assert s.online and s.offline_since is None
    assert s.clock_skew_seconds == 400.0 and "400 s behind the server's" in s.last_error
    keeper.failed("push", "cannot reach the server: connection refused")
    keeper.idle("push")                       # its queue was emptied by the feed: not failing any more
    with UnitOfWork(replica).reading() as uow:
        assert status.read_status(uow).online
    keeper.failed("push", "station token refused: revoked or wrong (HTTP 401)", token=True)
    assert keeper.last_error.startswith("station token refused")


def test_a_clock_before_the_build_date_is_reported_as_the_kiosk_refuses(replica):
    from plateau.domain.clock import ClockError, check_clock

    wrong = datetime(1970, 1, 1, 0, 5, tzinfo=timezone.utc)
    keeper = StatusKeeper(replica, now=lambda: wrong)
    assert keeper.check_local_clock() is False
    with pytest.raises(ClockError) as refused:
        check_clock(wrong)
    with UnitOfWork(replica).reading() as uow:
        assert status.read_status(uow).last_error == str(refused.value)


def test_a_page_applied_at_once_equals_the_changes_applied_one_by_one(tmp_path, demo_school):
    """apply_changes runs consecutive same-statement changes as one executemany: same result."""
    from plateau.db.engine import open_replica
    from plateau.db.replica import apply_changes

    page = [Change(n + 1, kind, "upsert", KINDS[kind].key_of(data), data)
            for n, (kind, data) in enumerate(demo_school.changes)]
    pid = page[[c.kind for c in page].index("person")].data["id"]
    n = len(page)
    page += [Change(n + 1, "balance", "upsert", str(pid), {"person_id": pid, "balance_cents": 500, "version": 90}),
             Change(n + 2, "balance", "upsert", str(pid), {"person_id": pid, "balance_cents": 100, "version": 80}),
             Change(n + 3, "card", "delete", demo_school.cards[pid], None),
             Change(n + 4, "card", "upsert", "AABBCCDD", {"uid": "AABBCCDD", "person_id": pid, "status": "active"})]
    a, b = open_replica(tmp_path / "a.db"), open_replica(tmp_path / "b.db")
    with a.begin() as conn:
        assert apply_changes(conn, page) == len(page)
    with b.begin() as conn:
        for change in page:
            apply_changes(conn, [change])
    from tests.integration.sync.harness import reference_rows
    rows_a, rows_b = reference_rows(tmp_path / "a.db"), reference_rows(tmp_path / "b.db")
    a.dispose(), b.dispose()
    assert rows_a == rows_b
    assert (pid, 500, 90) in rows_a["balance"]
    assert not any(r[0] == demo_school.cards[pid] for r in rows_a["card"])
