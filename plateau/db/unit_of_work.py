"""The replica's unit of work: one transaction, and every statement on the passage log, the
outbox and the card-event queue.

    with uow.writing():            # BEGIN IMMEDIATE: the write lock is taken up front
        snap = uow.card_snapshot(uid, at)
        uow.add_passage(decision, station)
        uow.commit()               # explicit; leaving the block without it rolls back

One transaction path for every caller (the kiosk's services, `plateau pass`, the sync daemon): a
SQLAlchemy `Connection` begun by the engine's `begin` listener (`engine._begin`: BEGIN, or BEGIN
IMMEDIATE for a writer, so that two processes recording on one file cannot both give a pupil a
"first meal"). The per-badge statements run on that connection's DB-API connection, inside the
same transaction, with plain `?` parameters and sqlite3's statement cache: SQLAlchemy's
per-statement machinery costs more than the decision itself (benchmarks/bench_decision.py). The
commit runs with ``synchronous=FULL``: a passage is on disk before anyone sees the answer. The
passage log itself is append-only (triggers of migration 0003); a passage leaves the outbox only
on the server's word (`acknowledge`), or waits for a person (`park`).

A unit of work is used by one thread at a time. The kiosk keeps its connection between badges
(`keep_connection`: no pool checkout on the badge path); the sync daemon's threads take one per
transaction.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import Connection, Engine, Row, text

from plateau.db.checkpointer import Checkpointer
from plateau.db.queries import SiteCache, snapshot_for_card_raw, snapshot_for_person_raw
from plateau.db.replica import get_state, set_state
from plateau.db.types import utc_text
from plateau.domain.phone_badge import PhoneSecret
from plateau.domain.rules import Decision
from plateau.domain.snapshot import SiteInfo, Snapshot

# -- the passage log and its outbox (DB-API statements: the badge's hot path) -------------------
_INSERT_PASSAGE = (
    "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, "
    "reason, price_cents, balance_after_cents, staff_id, motive, ref, warnings, medium, origin) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local')")
# the phone badge (migration 0009): a pupil's secret, and the step of the last code accepted
_PHONE_BADGE = "SELECT person_id, secret, digits, period, last_step FROM phone_badge WHERE person_id = ?"
_PHONE_STEP = "UPDATE phone_badge SET last_step = ?2 WHERE person_id = ?1 AND (last_step IS NULL OR last_step < ?2)"
_INSERT_OUTBOX = (
    "INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) VALUES "
    "(?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), ?, ?, 0, 0)")
# the one balance shown: the server's, minus this station's passages it has not acknowledged yet
_BALANCE = ("SELECT COALESCE((SELECT server_cents FROM balance WHERE person_id = ?1), 0) - "
            "COALESCE((SELECT SUM(price_cents) FROM outbox WHERE person_id = ?1), 0)")
_PASSAGE = text("SELECT * FROM passage WHERE id = :id")
_LINKED = text("SELECT 1 FROM passage WHERE ref = :id AND kind = :kind")
_OUTBOX_BATCH = text("SELECT p.*, o.seq AS outbox_seq FROM outbox o JOIN passage p ON p.id = o.passage_id "
                     "WHERE o.parked = 0 ORDER BY o.seq LIMIT :n")
_ACKNOWLEDGE = text("DELETE FROM outbox WHERE passage_id = :id")
_PARK = text("UPDATE outbox SET parked = 1, error = :error, attempts = attempts + 1 WHERE passage_id = :id")
_PARKED_PASSAGES = text(
    "SELECT o.passage_id, o.error, p.at, p.kind, p.reason, p.person_id, p.card_uid, per.last_name, per.first_name "
    "FROM outbox o JOIN passage p ON p.id = o.passage_id LEFT JOIN person per ON per.id = p.person_id "
    "WHERE o.parked = 1 ORDER BY o.seq DESC")
_UNPARK_PASSAGES = text("UPDATE outbox SET parked = 0, error = NULL WHERE parked = 1")
_QUEUES = text("SELECT COALESCE(SUM(CASE WHEN parked THEN 0 ELSE 1 END), 0), "
               "COALESCE(SUM(CASE WHEN parked THEN 1 ELSE 0 END), 0) "
               "+ (SELECT COUNT(*) FROM card_event WHERE error IS NOT NULL) FROM outbox")

# -- cards declared lost at the station, and their queue to the server ---------------------------
_CARD = text("SELECT uid, person_id, status FROM card WHERE uid = :uid")
_CARD_STATUS = text("UPDATE card SET status = :status WHERE uid = :uid")
_CARD_EVENT = text(
    "INSERT INTO card_event (id, seq, uid, person_id, status, at, station, staff_id, sent) VALUES "
    "(:id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM card_event), :uid, :person_id, :status, :at, :station, "
    ":staff_id, 0)")
_PENDING_CARD_EVENTS = text("SELECT id, uid, person_id, status, at, station, staff_id FROM card_event "
                            "WHERE sent = 0 ORDER BY seq LIMIT :n")
_CARD_EVENT_SENT = text("UPDATE card_event SET sent = 1, error = NULL WHERE id = :id")
_CARD_EVENT_PARKED = text("UPDATE card_event SET sent = 1, error = :error WHERE id = :id")
_UNPARK_CARD_EVENTS = text("UPDATE card_event SET sent = 0, error = NULL WHERE error IS NOT NULL")
_PARKED_CARD_EVENTS = text("SELECT id, uid, person_id, status, at, station, error FROM card_event "
                           "WHERE error IS NOT NULL ORDER BY seq DESC")


def _balance_raw(raw, person_id: int) -> int:
    return int(raw.execute(_BALANCE, (person_id,)).fetchone()[0] or 0)


def effective_balance(conn: Connection, person_id: int) -> int:
    """The balance shown for `person_id`, read on any open connection (reports, tests)."""
    return _balance_raw(conn.connection.dbapi_connection, person_id)


def _database_file(engine: Engine) -> str | None:
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    return database if database and database != ":memory:" else None


class UnitOfWork:
    """One transaction at a time on the replica (see the module's docstring). Not thread-safe:
    each thread that writes holds its own."""

    def __init__(self, engine: Engine, *, keep_connection: bool = False):
        self.engine = engine
        self.keep_connection = keep_connection
        self.sites = SiteCache()
        # WAL checkpoints between pupils, never inside a badge's commit
        self.checkpointer = Checkpointer(_database_file(engine))
        self.connection: Connection | None = None
        self.raw = None              # the DB-API connection under `connection`, inside the transaction
        self._write = False
        self._transaction = None
        self._added = 0              # passages added in this transaction (for the checkpointer)

    # -- the transaction ---------------------------------------------------------------------------
    def writing(self) -> UnitOfWork:
        """The next `with` takes the write lock up front (BEGIN IMMEDIATE)."""
        self._write = True
        return self

    def reading(self) -> UnitOfWork:
        """The next `with` only reads (BEGIN: one consistent state, WAL readers never wait)."""
        self._write = False
        return self

    def __enter__(self) -> UnitOfWork:
        if self._transaction is not None:
            raise RuntimeError("this unit of work is already in a transaction")
        if self.connection is None:
            self.connection = self.engine.connect()
        self.connection.execution_options(plateau_immediate=self._write)
        self._transaction = self.connection.begin()
        self.raw = self.connection.connection.dbapi_connection
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self._transaction, self.raw, self._added, self._write = None, None, 0, False
            if not self.keep_connection:
                self.close()

    def commit(self) -> None:
        self._transaction.commit()
        for _ in range(self._added):
            self.checkpointer.recorded()
        self._added = 0

    def rollback(self) -> None:
        self._transaction.rollback()
        self._added = 0

    def close(self) -> None:
        """Give the connection back (it is opened again by the next `with`)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    # -- what the rules read -------------------------------------------------------------------------
    def site(self) -> SiteInfo:
        return self.sites.get_raw(self.raw)

    def card_snapshot(self, uid: str, at: datetime) -> Snapshot:
        return snapshot_for_card_raw(self.raw, self.site(), uid, at, _balance_raw)

    def person_snapshot(self, person_id: int, at: datetime) -> Snapshot:
        return snapshot_for_person_raw(self.raw, self.site(), person_id, at, _balance_raw)

    def phone_secret(self, person_id: int) -> PhoneSecret | None:
        """The pupil's phone-badge secret and last used step, or None when their phone badge is off."""
        row = self.raw.execute(_PHONE_BADGE, (person_id,)).fetchone()
        return PhoneSecret(*row) if row else None

    def use_phone_step(self, person_id: int, step: int) -> None:
        """Mark the step of an accepted phone code used (with its passage, in this transaction)."""
        self.raw.execute(_PHONE_STEP, (person_id, step))

    def balance(self, person_id: int) -> int:
        return _balance_raw(self.raw, person_id)

    # -- the passage log ---------------------------------------------------------------------------------
    def passage(self, passage_id: str) -> Row | None:
        return self.connection.execute(_PASSAGE, {"id": passage_id}).first()

    def is_linked(self, passage_id: str, kind: str) -> bool:
        """Does a passage of `kind` (cancel, override) already refer to this one?"""
        return self.connection.execute(_LINKED, {"id": passage_id, "kind": str(kind)}).first() is not None

    def add_passage(self, decision: Decision, station: str, *, staff_id: int | None = None,
                    motive: str | None = None, ref: str | None = None, passage_id: str | None = None) -> str:
        """Append one passage and its outbox entry; returns the passage's id."""
        pid = passage_id or str(uuid.uuid4())
        person_id = decision.person.id if decision.person else None
        self.raw.execute(_INSERT_PASSAGE, (
            pid, station, utc_text(decision.at), decision.local_date.isoformat(),
            decision.service.code if decision.service else None, decision.card_uid, person_id, str(decision.kind),
            1 if decision.accepted else 0, str(decision.reason), decision.price_cents, decision.balance_after_cents,
            staff_id, motive, ref, json.dumps(list(decision.warnings)), decision.medium))
        self.raw.execute(_INSERT_OUTBOX, (pid, person_id, decision.price_cents))
        self._added += 1
        return pid

    # -- the outbox (the sync daemon's push, and its acknowledgements) ------------------------------------
    def outbox_batch(self, limit: int) -> list[dict]:
        """Passages waiting to be pushed, oldest first, with their outbox order (`outbox_seq`)."""
        return [dict(r) for r in self.connection.execute(_OUTBOX_BATCH, {"n": limit}).mappings()]

    def acknowledge(self, passage_id: str) -> None:
        """The server holds this passage: it leaves the outbox (its price leaves the pending sum)."""
        self.connection.execute(_ACKNOWLEDGE, {"id": passage_id})

    def park(self, passage_id: str, error: str) -> None:
        """The server (or a local check) refused this passage: not sent again until a person acts."""
        self.connection.execute(_PARK, {"id": passage_id, "error": error})

    def parked_passages(self) -> list[Row]:
        """Parked passages, newest first, with the server's reason and the person's name."""
        return self.connection.execute(_PARKED_PASSAGES).all()

    def unpark_all(self) -> tuple[int, int]:
        """Put every parked passage back in the outbox and every rejected card event back in its
        queue (staff fixed the cause, or an upgrade): the pushes are idempotent by id, and what
        the server still refuses is parked again with its fresh reason. Returns (passages, events)."""
        passages = self.connection.execute(_UNPARK_PASSAGES).rowcount or 0
        events = self.connection.execute(_UNPARK_CARD_EVENTS).rowcount or 0
        return passages, events

    def queue_counts(self) -> tuple[int, int]:
        """(passages waiting, passages and card events parked) for the status line."""
        waiting, parked = self.connection.execute(_QUEUES).one()
        return int(waiting), int(parked)

    # -- cards and the card-event queue ----------------------------------------------------------------
    def card(self, uid: str) -> Row | None:
        return self.connection.execute(_CARD, {"uid": uid}).first()

    def block_card(self, card: Row, status: str, *, station: str, staff_id: int, at: datetime) -> str:
        """Set the card's status here at once and queue the event for the server; returns its id."""
        self.connection.execute(_CARD_STATUS, {"uid": card.uid, "status": status})
        event_id = str(uuid.uuid4())
        self.connection.execute(_CARD_EVENT, {"id": event_id, "uid": card.uid, "person_id": card.person_id,
                                              "status": status, "at": utc_text(at), "station": station,
                                              "staff_id": staff_id})
        return event_id

    def pending_card_events(self, limit: int = -1) -> list[dict]:
        """Card events not acknowledged yet, oldest first, in their wire shape. The daemon pushes
        them with `POST /api/v1/sync/card-events`, answered per event like passages; the server
        sets the card's status and emits the `card` change to every station of the site
        (migration 0005 keeps the card lost here until then)."""
        return [dict(r) for r in self.connection.execute(_PENDING_CARD_EVENTS, {"n": limit}).mappings()]

    def mark_card_events_sent(self, event_ids: list[str]) -> None:
        for event_id in event_ids:
            self.connection.execute(_CARD_EVENT_SENT, {"id": event_id})

    def park_card_events(self, errors: dict[str, str]) -> None:
        """The server rejected these events: not sent again, and the server's word on the card wins
        again (the 0005 triggers keep a card lost only for *unsent* events). `error` keeps them
        visible (`parked_card_events`)."""
        for event_id, error in errors.items():
            self.connection.execute(_CARD_EVENT_PARKED, {"id": event_id, "error": error or "rejected by the server"})

    def parked_card_events(self) -> list[dict]:
        """Card events the server rejected, newest first (for staff: the card may not be blocked)."""
        return [dict(r) for r in self.connection.execute(_PARKED_CARD_EVENTS).mappings()]

    # -- the sync daemon's own state ----------------------------------------------------------------------
    def state(self, key: str, default: str | None = None) -> str | None:
        return get_state(self.connection, key, default)

    def set_state(self, key: str, value: object) -> None:
        set_state(self.connection, key, value)
