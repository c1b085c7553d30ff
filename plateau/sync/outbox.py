"""The push side's two transactions on the replica: read a batch, apply the server's answer.

A passage leaves the outbox only on the server's word: its per-item answer to a push
(`stored` or `duplicate`), or the passage itself coming back in the change feed (see
`pull.apply_page`). The outbox rows leave in the SAME transaction that applies the
balances the server answered, so the balance shown (server balance minus the outbox,
`queries.effective_balance`) never counts a meal twice nor forgets one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, text

from plateau.db.replica import apply_balances, set_state
from plateau.sync import status
from plateau.sync.protocol import ProtocolError, check_passage, passage_to_wire

log = logging.getLogger(__name__)

_BATCH = text("SELECT p.*, o.seq AS outbox_seq FROM outbox o JOIN passage p ON p.id = o.passage_id "
              "WHERE o.parked = 0 ORDER BY o.seq LIMIT :n")
_ANY_WAITING = text("SELECT 1 FROM outbox WHERE parked = 0 LIMIT 1")
_DELETE = text("DELETE FROM outbox WHERE passage_id = :id")
_PARK = text("UPDATE outbox SET parked = 1, error = :error, attempts = attempts + 1 WHERE passage_id = :id")
_UNPARK = text("UPDATE outbox SET parked = 0, error = NULL WHERE parked = 1")
_PARKED = text(
    "SELECT o.passage_id, o.error, p.at, p.kind, p.reason, p.person_id, p.card_uid, per.last_name, per.first_name "
    "FROM outbox o JOIN passage p ON p.id = o.passage_id LEFT JOIN person per ON per.id = p.person_id "
    "WHERE o.parked = 1 ORDER BY o.seq DESC")


@dataclass(frozen=True)
class Batch:
    """Wire-format passages to push, oldest first, plus the ones that failed local checks."""

    passages: list[dict]
    invalid: dict[str, str]   # passage id -> why it cannot be sent (parked without sending)


@dataclass(frozen=True)
class PushOutcome:
    acknowledged: int   # stored or duplicate: left the outbox
    duplicates: int
    parked: int         # rejected by the server (or locally malformed): waiting for a person
    pending: int        # not named in the answer: stay in the outbox, sent again


def has_waiting(conn: Connection) -> bool:
    """Is there anything to push? One indexed probe (cheap to poll with WAL)."""
    return conn.execute(_ANY_WAITING).first() is not None


def read_batch(conn: Connection, limit: int) -> Batch:
    passages, invalid = [], {}
    for row in conn.execute(_BATCH, {"n": limit}).mappings():
        try:
            passages.append(check_passage(passage_to_wire(row)))
        except (ProtocolError, ValueError, KeyError) as exc:
            invalid[row["id"]] = f"cannot be sent: {exc}"
    return Batch(passages, invalid)


def park_invalid(conn: Connection, invalid: dict[str, str]) -> None:
    for pid, error in invalid.items():
        log.error("outbox: parking passage %s: %s", pid, error)
        conn.execute(_PARK, {"id": pid, "error": error})


def apply_push_answer(conn: Connection, results: dict[str, tuple[str, str | None]], balances: list[dict],
                      now: datetime | None = None) -> PushOutcome:
    """On an open write transaction: acknowledge, park, apply balances, stamp the success."""
    acked = dups = parked = 0
    for pid, (state, error) in results.items():
        if state in ("stored", "duplicate"):
            conn.execute(_DELETE, {"id": pid})
            acked += 1
            dups += state == "duplicate"
        else:
            reason = error or "rejected by the server (no reason given)"
            log.error("outbox: the server rejected passage %s: %s (parked)", pid, reason)
            conn.execute(_PARK, {"id": pid, "error": reason})
            parked += 1
    # version 0 is "no ledger entry yet": the same as no row (a balance of 0), keep it that way
    apply_balances(conn, [b for b in balances if b["version"] > 0])
    set_state(conn, status.LAST_SUCCESS, (now or datetime.now(timezone.utc)).isoformat())
    return PushOutcome(acked, dups, parked, 0)


def park(conn: Connection, passage_id: str, error: str) -> None:
    """Park one passage the server refused as a request (a lone 400/409/422)."""
    log.error("outbox: parking passage %s: %s", passage_id, error)
    conn.execute(_PARK, {"id": passage_id, "error": error})


def parked(conn: Connection) -> list:
    """Parked passages, newest first, with the server's reason (rows for the kiosk's staff list)."""
    return conn.execute(_PARKED).all()


def unpark_all(conn: Connection) -> int:
    """Put every parked passage back in the queue (staff fixed the cause, or an upgrade); the push
    is idempotent by passage id, and a passage the server still refuses is parked again with its
    fresh reason. Returns how many."""
    return conn.execute(_UNPARK).rowcount or 0
