"""The pull side's transaction: apply one validated page and its cursor together.

The page was validated as a whole by the client (`protocol.parse_changes_page`) before this
runs; here it is applied with `replica.apply_changes` and the new cursor is stored in the
same transaction, so a crash at any instant leaves either the page and its cursor, or
neither: the next pull asks again from the old cursor and re-applies harmlessly.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import Connection, text

from plateau.db.pin_key import pepper_staff
from plateau.db.replica import apply_changes
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import status
from plateau.sync.protocol import KINDS, MAX_CURSOR, Change

log = logging.getLogger(__name__)

RESYNC = "resync"   # sync_state key: "1" while a full pull replaces the replica's pulled data


def stored_cursor(uow: UnitOfWork) -> int | None:
    """The stored checkpoint, or None when it is not a sane position (an earlier version stored a
    hostile answer's 10^30; a hand edit): the caller then resyncs (`start_resync`)."""
    value = (uow.state(status.CURSOR, "0") or "0").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 20 or int(value) > MAX_CURSOR:
        return None
    return int(value)


def resyncing(uow: UnitOfWork) -> bool:
    return uow.state(RESYNC) == "1"


def start_resync(uow: UnitOfWork) -> None:
    """Pull everything again from the start; in an open writing unit of work.

    The replica keeps serving its current data meanwhile; the full pull overwrites it page by
    page, and its last page deletes the rows the server did not send again (`apply_page` with
    `seen`). Passages and the outbox are never touched: unsent passages stay queued."""
    uow.set_state(status.CURSOR, 0)
    uow.set_state(RESYNC, "1")


def _sweep(conn: Connection, seen: dict[str, set[str]]) -> int:
    """Delete the pulled rows whose key the full pull did not bring (the server no longer has
    them, or never sent them); return how many."""
    removed = 0
    for name, kind in KINDS.items():
        if name == "passage":  # the passage log is never deleted from
            continue
        keys = kind.key_fields if name != "balance" else ("person_id",)
        cols = ", ".join(f'"{k}"' for k in keys)
        gone = [row for row in conn.execute(text(f'SELECT {cols} FROM "{kind.table}"')).all()
                if "/".join(str(v) for v in row) not in seen.get(name, set())]
        if gone:
            where = " AND ".join(f'"{k}" = :{k}' for k in keys)
            conn.execute(text(f'DELETE FROM "{kind.table}" WHERE {where}'), [dict(zip(keys, row)) for row in gone])
            removed += len(gone)
    return removed


class StalePage(Exception):
    """The page was fetched from a cursor another puller has moved since: not applied."""


def apply_page(uow: UnitOfWork, changes: list[Change], cursor: int, more: bool, *, since: int | None = None,
               head: int | None = None, now: datetime | None = None, seen: dict[str, set[str]] | None = None,
               pin_key: bytes | None = None) -> int:
    """In an open writing unit of work; returns the number of changes applied.

    `since` is the cursor the page was fetched from: if the stored cursor is no longer that
    (a forced pull ran meanwhile), the page is stale and StalePage is raised before anything
    is written, so an older page can never overwrite newer rows nor move the cursor back.

    A passage of this station that comes back in the feed is on the server: it leaves the
    outbox here. This matters when a push was stored but its answer was lost: the server's
    balance for that pupil (later in the feed) already counts the meal, so keeping it in the
    outbox would count it twice until the next push's "duplicate" answer.

    Staff PIN hashes are peppered with `pin_key` before the transaction commits: the server's
    form of a hash never stays in the replica (`plateau.db.pin_key`).

    `seen` (during a resync) collects the keys the full pull brought; its last page (`more`
    false) deletes every other pulled row and ends the resync, in this same transaction.
    """
    if since is not None and stored_cursor(uow) != since:
        raise StalePage(f"page fetched from {since}, stored cursor is {stored_cursor(uow)}")
    applied = apply_changes(uow.connection, changes)
    if pin_key is not None and any(c.kind == "staff" and c.op == "upsert" for c in changes):
        pepper_staff(uow.connection, pin_key)
    if seen is not None:
        for change in changes:
            keys = seen.setdefault(change.kind, set())
            (keys.add if change.op == "upsert" else keys.discard)(change.key)
        if not more:
            removed = _sweep(uow.connection, seen)
            uow.set_state(RESYNC, "")
            log.warning("pull: resync done at cursor %d; %d rows the server no longer has were removed",
                        cursor, removed)
    for change in changes:
        if change.kind == "passage" and change.op == "upsert":
            uow.acknowledge(change.key)
    uow.set_state(status.CURSOR, cursor)
    uow.set_state(status.LAST_SUCCESS, (now or datetime.now(timezone.utc)).isoformat())
    first_done = uow.state(status.FIRST_SYNC_DONE) == "1"
    if not first_done:
        if not more:
            uow.set_state(status.FIRST_SYNC_DONE, "1")
            uow.set_state(status.PROGRESS, "")
        else:
            total = head if head is not None and head >= cursor else "?"
            uow.set_state(status.PROGRESS, f"{cursor}/{total}")
    return applied
