"""The durable passage log: decide and record in one write transaction.

`Recorder.badge()` takes SQLite's write lock first (BEGIN IMMEDIATE), reads the snapshot,
decides, inserts the passage and its outbox entry, and commits with ``synchronous=FULL``:
the passage is on disk before anyone sees the answer, and two processes recording on the
same file cannot both give a pupil a "first meal" (the second one waits for the lock and
then sees the first passage).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from sqlalchemy import Connection, Engine, text

from plateau import BUILD_DATE
from plateau.db.queries import (SiteCache, raw_connection, snapshot_for_card_raw, snapshot_for_person,
                                snapshot_for_person_raw)
from plateau.db.types import utc_text
from plateau.domain.reasons import PassageKind, Reason
from plateau.domain import rules
from plateau.domain.rules import Decision

log = logging.getLogger(__name__)

# run on the DB-API connection inside the caller's transaction (see queries.raw_connection)
_INSERT = (
    "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
    "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local')")
_OUTBOX = (
    "INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) VALUES "
    "(?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), ?, ?, 0, 0)")
_GET = text("SELECT * FROM passage WHERE id = :id")


class ClockError(RuntimeError):
    """The station's clock is obviously wrong: passages would be logged on the wrong day."""


class PassageError(ValueError):
    """A staff action that cannot be recorded (message for a person)."""


@dataclass(frozen=True)
class Recorded:
    """A decision and the id of the passage that records it."""

    decision: Decision
    passage_id: str


def check_clock(at: datetime) -> None:
    if at.astimezone(timezone.utc).date().isoformat() < BUILD_DATE:
        raise ClockError(f"the station clock reads {at.isoformat()}, before this software was built "
                         f"({BUILD_DATE}): set the clock (NTP) before recording passages")


def write_passage(conn: Connection, decision: Decision, station: str, *, staff_id: int | None = None,
                  motive: str | None = None, ref: str | None = None, passage_id: str | None = None) -> str:
    """Insert one passage and its outbox entry on an open write transaction."""

    return write_passage_raw(raw_connection(conn), decision, station, staff_id=staff_id, motive=motive, ref=ref,
                             passage_id=passage_id)


def write_passage_raw(raw: sqlite3.Connection, decision: Decision, station: str, *, staff_id: int | None = None,
                      motive: str | None = None, ref: str | None = None, passage_id: str | None = None) -> str:
    """The same on a sqlite3 connection inside a write transaction (the Recorder's hot path)."""
    pid = passage_id or str(uuid.uuid4())
    person_id = decision.person.id if decision.person else None
    raw.execute(_INSERT, (
        pid, station, utc_text(decision.at), decision.local_date.isoformat(),
        decision.service.code if decision.service else None, decision.card_uid, person_id, str(decision.kind),
        1 if decision.accepted else 0, str(decision.reason), decision.price_cents, decision.balance_after_cents,
        staff_id, motive, ref, json.dumps(list(decision.warnings))))
    raw.execute(_OUTBOX, (pid, person_id, decision.price_cents))
    return pid


class Checkpointer:
    """Copies the WAL back into the database file between pupils, off the badge path.

    SQLite checkpoints automatically inside the commit that crosses `wal_autocheckpoint`
    pages: that commit, i.e. one pupil's answer every hundred or so, would wait for a
    thousand page writes and an fsync of the database file (tens of ms here, far more on a
    kiosk's SD card). The Recorder calls `recorded()` after each passage; after `every`
    passages a short-lived thread named ``plateau-checkpoint`` waits for a pause of
    `idle_seconds` without a passage (pupils come every 2-3 s), runs a PASSIVE checkpoint on its
    own connection (PASSIVE never blocks writers nor waits for readers), then ends, so that its
    writes and fsync do not compete with a pupil's commit. At most one such thread at a time.
    Under a continuous burst with no pause, SQLite's own autocheckpoint remains the safety net."""

    def __init__(self, path: str | None, every: int = 64, idle_seconds: float = 0.03,
                 max_wait_seconds: float = 60.0):
        self.path = path
        self.every = every
        self.idle_seconds = idle_seconds
        self.max_wait_seconds = max_wait_seconds
        self._count = 0
        self._last = 0.0  # monotonic time of the last passage (read by the helper thread)
        self._thread: threading.Thread | None = None

    def recorded(self) -> None:
        self._count += 1
        self._last = time.monotonic()
        if self.path and self._count >= self.every and not (self._thread and self._thread.is_alive()):
            self._count = 0
            self._thread = threading.Thread(target=self._run, name="plateau-checkpoint", daemon=True)
            self._thread.start()

    def join(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_wait_seconds
        while (quiet := time.monotonic() - self._last) < self.idle_seconds and time.monotonic() < deadline:
            time.sleep(self.idle_seconds - quiet)
        try:
            con = sqlite3.connect(self.path, timeout=0)
            try:
                con.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                con.close()
        except sqlite3.Error as exc:  # the next checkpoint (or SQLite's own) will do it
            log.debug("background checkpoint of %s failed: %s", self.path, exc)


class Recorder:
    """Decides and records passages for one station. Safe to use from one thread at a time;
    several processes may record on the same file concurrently. WAL checkpoints run on a
    short-lived helper thread (`Checkpointer`), never inside a badge's answer."""

    def __init__(self, engine: Engine, station: str):
        self.engine = engine.execution_options(plateau_immediate=True)
        self.reader = engine
        self.station = station
        self.sites = SiteCache()
        database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        self.checkpointer = Checkpointer(database if database and database != ":memory:" else None)
        self._pooled = None  # this Recorder's own DB-API connection, for badge / check / forgotten

    def close(self) -> None:
        """Give back the Recorder's connection (it is opened again on the next read)."""
        if self._pooled is not None:
            self._pooled.close()
            self._pooled = None

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """A transaction on the Recorder's own sqlite3 connection (pragmas of `make_engine`).

        The badge path skips SQLAlchemy: a pool checkout, Connection and transaction objects
        and their events per badge cost more than the decision itself, several times more
        after the idle pause between two pupils (benchmarks/bench_decision.py). Writers take
        the write lock up front (BEGIN IMMEDIATE), as `engine._begin` does."""
        if self._pooled is None:
            self._pooled = self.reader.raw_connection()
        raw = self._pooled.dbapi_connection
        raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield raw
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")

    # -- reads ------------------------------------------------------------------------------
    def check(self, uid: str, at: datetime) -> Decision:
        """The decision for `uid` at `at`, recording nothing (`plateau check`)."""
        with self._transaction(write=False) as raw:
            return rules.decide(uid, at, snapshot_for_card_raw(raw, self.sites.get_raw(raw), uid, at))

    # -- writes -----------------------------------------------------------------------------
    def badge(self, uid: str, at: datetime) -> Recorded:
        check_clock(at)
        with self._transaction(write=True) as raw:
            decision = rules.decide(uid, at, snapshot_for_card_raw(raw, self.sites.get_raw(raw), uid, at))
            pid = write_passage_raw(raw, decision, self.station)
        self.checkpointer.recorded()
        log.info("passage station=%s id=%s uid=%s person=%s reason=%s price=%s", self.station, pid, uid,
                 decision.person.id if decision.person else None, decision.reason, decision.price_cents)
        return Recorded(decision, pid)

    def forgotten(self, person_id: int, at: datetime, staff_id: int) -> Recorded:
        """Staff found the person by name: the same rules, without a card."""
        check_clock(at)
        with self._transaction(write=True) as raw:
            snap = snapshot_for_person_raw(raw, self.sites.get_raw(raw), person_id, at)
            if snap.person is None:
                raise PassageError(f"unknown person {person_id}")
            decision = rules.decide(None, at, snap, kind=PassageKind.FORGOTTEN)
            pid = write_passage_raw(raw, decision, self.station, staff_id=staff_id)
        self.checkpointer.recorded()
        log.info("passage station=%s id=%s forgotten person=%s staff=%s reason=%s", self.station, pid,
                 person_id, staff_id, decision.reason)
        return Recorded(decision, pid)

    def override(self, refused_id: str, staff_id: int, motive: str, at: datetime) -> Recorded:
        """Let in a refused person: a new passage linked to the refusal, with staff and motive.

        The refusal is decided again at `at` against the current replica (so the price and
        balance are today's, and a second override of the same refusal is refused)."""
        check_clock(at)
        with self.engine.begin() as conn:
            refused = conn.execute(_GET, {"id": refused_id}).first()
            if refused is None:
                raise PassageError("no such passage to override")
            if refused.accepted or refused.kind in (PassageKind.CANCEL, PassageKind.OVERRIDE):
                raise PassageError("only a refused passage can be overridden")
            if refused.person_id is None:
                raise PassageError("an unknown badge cannot be overridden: use the forgotten-badge search")
            if conn.execute(text("SELECT 1 FROM passage WHERE ref = :id AND kind = 'override'"),
                            {"id": refused_id}).first():
                raise PassageError("this refusal was already overridden")
            site = self.sites.get(conn)
            snap = snapshot_for_person(conn, site, refused.person_id, at)
            again = rules.decide(None, datetime.fromisoformat(refused.at), snap, kind=PassageKind.FORGOTTEN)
            if again.accepted:  # e.g. a top-up arrived meanwhile: charge as a normal meal
                again = rules.Decision(False, Reason(refused.reason), again.at, again.local_date, again.service,
                                       again.person, refused.card_uid, balance_after_cents=snap.balance_cents,
                                       would_charge_cents=again.price_cents)
            decision = replace(rules.override(again, staff_id=staff_id, motive=motive, at=at),
                               card_uid=refused.card_uid)
            pid = write_passage(conn, decision, self.station, staff_id=staff_id, motive=motive.strip(),
                                ref=refused_id)
        log.info("passage station=%s id=%s override of=%s staff=%s motive=%r", self.station, pid, refused_id,
                 staff_id, motive)
        return Recorded(decision, pid)

    def cancel(self, passage_id: str, staff_id: int, motive: str, at: datetime) -> Recorded:
        """Cancel an accepted passage made by mistake: a linked record that refunds its price."""
        check_clock(at)
        with self.engine.begin() as conn:
            row = conn.execute(_GET, {"id": passage_id}).first()
            if row is None:
                raise PassageError("no such passage to cancel")
            if not row.accepted or row.kind == PassageKind.CANCEL:
                raise PassageError("only an accepted passage can be cancelled")
            if conn.execute(text("SELECT 1 FROM passage WHERE ref = :id AND kind = 'cancel'"),
                            {"id": passage_id}).first():
                raise PassageError("this passage was already cancelled")
            site = self.sites.get(conn)
            snap = snapshot_for_person(conn, site, row.person_id, at) if row.person_id else None
            balance = snap.balance_cents + row.price_cents if snap else None
            service = next((s for s in site.services if s.code == row.service), None)
            decision = rules.Decision(True, Reason.OK, at, date.fromisoformat(row.local_date), service, snap.person if snap else None, row.card_uid,
                                      price_cents=-row.price_cents, balance_after_cents=balance,
                                      kind=PassageKind.CANCEL)
            pid = write_passage(conn, decision, self.station, staff_id=staff_id, motive=motive, ref=passage_id)
        log.info("passage station=%s id=%s cancel of=%s staff=%s", self.station, pid, passage_id, staff_id)
        return Recorded(decision, pid)
