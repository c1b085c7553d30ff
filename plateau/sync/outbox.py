"""The push side's two transactions on the replica: read a batch, apply the server's answer.

A passage leaves the outbox only on the server's word: its per-item answer to a push
(`stored` or `duplicate`), or the passage itself coming back in the change feed (see
`pull.apply_page`). The outbox rows leave in the SAME transaction that applies the
balances the server answered, so the balance shown (server balance minus the outbox,
`unit_of_work.effective_balance`) never counts a meal twice nor forgets one. Every statement
goes through the replica's unit of work (`plateau.db.unit_of_work`); this module adds the wire
shapes and the bookkeeping of an answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from plateau.db.replica import apply_balances
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import status
from plateau.sync.protocol import ProtocolError, check_passage, passage_to_wire

log = logging.getLogger(__name__)


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


def read_batch(uow: UnitOfWork, limit: int) -> Batch:
    passages, invalid = [], {}
    for row in uow.outbox_batch(limit):
        try:
            passages.append(check_passage(passage_to_wire(row)))
        except (ProtocolError, ValueError, KeyError) as exc:
            invalid[row["id"]] = f"cannot be sent: {exc}"
    return Batch(passages, invalid)


def park_invalid(uow: UnitOfWork, invalid: dict[str, str]) -> None:
    for pid, error in invalid.items():
        log.error("outbox: parking passage %s: %s", pid, error)
        uow.park(pid, error)


def apply_push_answer(uow: UnitOfWork, results: dict[str, tuple[str, str | None]], balances: list[dict],
                      now: datetime | None = None) -> PushOutcome:
    """In an open writing unit of work: acknowledge, park, apply balances, stamp the success."""
    acked = dups = parked = 0
    for pid, (state, error) in results.items():
        if state in ("stored", "duplicate"):
            uow.acknowledge(pid)
            acked += 1
            dups += state == "duplicate"
        else:
            reason = error or "rejected by the server (no reason given)"
            log.error("outbox: the server rejected passage %s: %s (parked)", pid, reason)
            uow.park(pid, reason)
            parked += 1
    # version 0 is "no ledger entry yet": the same as no row (a balance of 0), keep it that way
    apply_balances(uow.connection, [b for b in balances if b["version"] > 0])
    uow.set_state(status.LAST_SUCCESS, (now or datetime.now(timezone.utc)).isoformat())
    return PushOutcome(acked, dups, parked, 0)


def park(uow: UnitOfWork, passage_id: str, error: str) -> None:
    """Park one passage the server refused as a request (a lone 400/409/422)."""
    log.error("outbox: parking passage %s: %s", passage_id, error)
    uow.park(passage_id, error)
