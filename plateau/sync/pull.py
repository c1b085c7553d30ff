"""The pull side's transaction: apply one validated page and its cursor together.

The page was validated as a whole by the client (`protocol.parse_changes_page`) before this
runs; here it is applied with `replica.apply_changes` and the new cursor is stored in the
same transaction, so a crash at any instant leaves either the page and its cursor, or
neither: the next pull asks again from the old cursor and re-applies harmlessly.
"""

from __future__ import annotations

from datetime import datetime, timezone

from plateau.db.replica import apply_changes
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import status
from plateau.sync.protocol import Change


def stored_cursor(uow: UnitOfWork) -> int:
    value = uow.state(status.CURSOR, "0") or "0"
    try:
        return int(value)
    except ValueError:
        return 0


class StalePage(Exception):
    """The page was fetched from a cursor another puller has moved since: not applied."""


def apply_page(uow: UnitOfWork, changes: list[Change], cursor: int, more: bool, *, since: int | None = None,
               head: int | None = None, now: datetime | None = None) -> int:
    """In an open writing unit of work; returns the number of changes applied.

    `since` is the cursor the page was fetched from: if the stored cursor is no longer that
    (a forced pull ran meanwhile), the page is stale and StalePage is raised before anything
    is written, so an older page can never overwrite newer rows nor move the cursor back.

    A passage of this station that comes back in the feed is on the server: it leaves the
    outbox here. This matters when a push was stored but its answer was lost: the server's
    balance for that pupil (later in the feed) already counts the meal, so keeping it in the
    outbox would count it twice until the next push's "duplicate" answer.
    """
    if since is not None and stored_cursor(uow) != since:
        raise StalePage(f"page fetched from {since}, stored cursor is {stored_cursor(uow)}")
    applied = apply_changes(uow.connection, changes)
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
