"""A new station's first sync from the server's snapshot, resumable page by page.

A station with nothing pulled yet reads the site's current state (`GET /sync/snapshot`) instead
of the whole change feed, then pulls the feed from the cursor the snapshot was taken at (the
server's module docstring, `plateau.server.snapshot`, says why that misses nothing).

Each page is applied in one replica transaction with the snapshot's progress (`SNAPSHOT`: its
cursor, day and position), so a daemon killed at any instant resumes at the page after the last
one committed, in the same snapshot: nothing is fetched twice but the page in flight, and that
page would apply harmlessly anyway (upserts). The last page stores the feed cursor and drops the
progress in the same transaction; from then on the station is an ordinary one, and its first
sync is complete when the feed is caught up (`pull.apply_page`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from plateau.db.pin_key import pepper_staff
from plateau.db.replica import apply_changes
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import pull, status
from plateau.sync.client import ServerUnreachable, SnapshotPage, SyncClient

log = logging.getLogger(__name__)

SNAPSHOT = "snapshot"   # sync_state key: the snapshot being read (JSON), empty once it is done


@dataclass(frozen=True)
class Progress:
    """Where a snapshot being read stands: its cursor and day, and the next page's position."""

    cursor: int
    day: str
    after: str
    received: int
    total: int | None


def progress(uow: UnitOfWork) -> Progress | None:
    raw = uow.state(SNAPSHOT) or ""
    if not raw:
        return None
    try:
        value = json.loads(raw)
        return Progress(int(value["cursor"]), str(value["day"]), str(value["after"]), int(value["received"]),
                        value.get("total"))
    except (ValueError, KeyError, TypeError):
        return None   # unreadable (a hand edit): begin a new snapshot, harmless over what is there


def wanted(uow: UnitOfWork) -> bool:
    """Whether the next pull reads the snapshot: one is under way, or the station has pulled
    nothing yet (cursor 0, no first sync done, no resync: a resync replaces every row and keeps
    to the feed)."""
    if progress(uow) is not None:
        return True
    return (pull.stored_cursor(uow) == 0 and uow.state(status.FIRST_SYNC_DONE) != "1"
            and not pull.resyncing(uow))


def apply_page(uow: UnitOfWork, page: SnapshotPage, asked: Progress | None, *,
               pin_key: bytes | None = None) -> int:
    """In an open writing unit of work: apply one snapshot page with its progress; return the
    rows applied. `asked` is the progress the page was fetched from: if the stored one moved
    meanwhile (another puller), the page is stale and nothing is written (`pull.StalePage`)."""
    if progress(uow) != asked:
        raise pull.StalePage("the snapshot moved on while this page was fetched")
    if asked is None and not wanted(uow):
        raise pull.StalePage("the station has pulled meanwhile: no snapshot any more")
    applied = apply_changes(uow.connection, page.rows)
    if pin_key is not None and any(row.kind == "staff" for row in page.rows):
        pepper_staff(uow.connection, pin_key)
    for row in page.rows:
        if row.kind == "passage":   # a passage of this station's id (a re-installed station) is on the server
            uow.acknowledge(row.key)
    received = (asked.received if asked else 0) + len(page.rows)
    total = asked.total if asked else page.total
    if page.more:
        uow.set_state(SNAPSHOT, json.dumps({"cursor": page.cursor, "day": page.day, "after": page.after,
                                            "received": received, "total": total}))
    else:
        uow.set_state(SNAPSHOT, "")
        uow.set_state(status.CURSOR, page.cursor)   # the feed goes on from where the snapshot was taken
    uow.set_state(status.PROGRESS, f"{received}/{total if total is not None else '?'}")
    uow.set_state(status.LAST_SUCCESS, _now())
    return applied


def first_day(now: datetime) -> str:
    """The earliest day a new station asks the snapshot for: its clock's date (a demo clock's too)
    one day early, as it does not know its site's time zone yet. The server never goes past the
    site's today, so a station whose clock is ahead changes nothing."""
    return (now.astimezone(timezone.utc).date() - timedelta(days=1)).isoformat()


def step(loops, client: SyncClient) -> tuple[int, bool]:
    """Fetch and apply one page of the server's snapshot for `loops` (the `SyncLoops` pulling, on
    its calling thread: this module sits below it, so it is not imported here); return (cursor, more): 0 while pages remain, then the snapshot's cursor, from which
    the feed goes on. Raises SyncError subclasses like a feed page."""
    with loops.unit_of_work().reading() as uow:
        asked = progress(uow)
    try:
        if asked is None:
            page = client.snapshot(day=first_day(loops.opt.kiosk_clock()), limit=loops.opt.page_size)
        else:
            page = client.snapshot(asked.cursor, asked.day, asked.after, limit=loops.opt.page_size)
    except ServerUnreachable as exc:
        if asked is not None or exc.status not in (404, 405):
            raise
        # a server older than snapshots (or a proxy that does not route them): the whole feed,
        # as stations did before; slower, as correct
        log.warning("pull: the server has no snapshot (%s): first sync from the whole change feed", exc)
        loops.no_snapshot = True
        return 0, True
    try:
        with loops.write_lock, loops.unit_of_work().writing() as uow:
            apply_page(uow, page, asked, pin_key=loops.opt.pin_key)
            uow.commit()
    except pull.StalePage:   # a forced pull read the page meanwhile: go on from there
        return loops.cursor(), True
    loops.counters["snapshot"] += len(page.rows)
    loops.counters["pages"] += 1
    loops.keeper.succeeded("pull", page.skew, stamped=True)
    received = (asked.received if asked else 0) + len(page.rows)
    total = asked.total if asked else page.total
    log.info("pull: snapshot taken at %d: %d rows applied, %d/%s%s", page.cursor, len(page.rows), received,
             total if total is not None else "?", " (more to come)" if page.more else "; the feed goes on from there")
    return (0 if page.more else page.cursor), True


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
