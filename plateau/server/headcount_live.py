"""The day's headcount of a site, live: what the office's Today page polls every second.

Each server process keeps, per site and day, a `HeadcountFold` and the position in the site's
change feed it has counted up to (`site.feed_seq`, given by the database, so every process of a
cluster keeps its own and they agree). A poll reads the feed items after that position:
- none, and the day's passage count unchanged: the figures are those already computed;
- passages only (their feed items carry the whole passage) and changes the headcount does not
  read (balances, cards, tariffs, menus, phone badges, other days' bookings): only the new
  passages of the day are folded in, whatever the size of the day;
- anything else the headcount reads (persons, today's bookings, oppositions, closures, services,
  the site's settings, staff), a feed behind us (a restored backup), or more passages in the
  table than counted (one stored without its feed item): the day is counted again from scratch.
Thread-safe: one lock per site and day, so the browsers polling one site wait for one fold.
Runs on request threads.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateau.reports.headcount import DayHeadcount
from plateau.reports.headcount_fold import HeadcountFold
from plateau.server import models as m
from plateau.server.headcount_source import load_day

log = logging.getLogger(__name__)

# feed kinds the headcount never reads
_UNREAD = frozenset({"balance", "card", "tariff", "menu", "phone_badge"})
# beyond this many feed items since the last poll (an import...), counting again is as cheap
MAX_ITEMS = 2000


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    fold: HeadcountFold | None = None
    cursor: int = 0          # the site's feed seq the fold has counted up to
    result: DayHeadcount | None = None


class LiveHeadcounts:
    """The live headcounts of one server process (see the module's docstring)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, date], _Entry] = {}
        self.recounts = 0     # full computations (the benchmark and the tests read it)
        self.folds = 0        # polls that folded new passages in

    def get(self, session: Session, site: m.Site, day: date) -> DayHeadcount:
        head = site.feed_seq
        stored = session.execute(select(func.count()).select_from(m.Passage).where(
            m.Passage.site_id == site.id, m.Passage.local_date == day)).scalar_one()
        with self._lock:
            entry = self._entries.get((site.id, day))
            if entry is None:
                if len(self._entries) > 256:  # yesterdays and many sites: start again
                    self._entries.clear()
                entry = self._entries[(site.id, day)] = _Entry()
        with entry.lock:
            if entry.fold is not None and entry.cursor == head and entry.fold.passages == stored:
                return entry.result
            try:
                folded = self._catch_up(session, site, day, entry, head) if entry.fold is not None else None
            except Exception:   # a fold left half-done must not be shown again: count the day afresh
                log.exception("folding the new passages of site %s failed; counting %s again", site.code, day)
                entry.fold, folded = None, None
            if folded is None or entry.fold.passages < stored:
                entry.fold, entry.cursor = HeadcountFold(load_day(session, site.code, day)), head
                entry.result = entry.fold.result()
                self.recounts += 1
            elif folded:
                entry.result = entry.fold.result()
                self.folds += 1
            return entry.result

    def _catch_up(self, session: Session, site: m.Site, day: date, entry: _Entry, head: int) -> int | None:
        """Fold in the day's passages fed since `entry.cursor`: how many feed items of passages were
        read, or None if the day must be counted again."""
        if head < entry.cursor:   # the database was restored from an older backup
            return None
        rows = session.execute(
            select(m.Change.seq, m.Change.kind, m.Change.key, m.Change.data)
            .where(m.Change.site_id == site.id, m.Change.seq > entry.cursor)
            .order_by(m.Change.seq).limit(MAX_ITEMS + 1)).all()
        if len(rows) > MAX_ITEMS:
            return None
        day_iso = day.isoformat()
        passages = []
        for row in rows:
            if row.kind == "passage":
                if row.data is not None:
                    passages.append(row.data)
            elif row.kind == "reservation":
                if row.key.split("/")[1:2] == [day_iso]:   # its key: person_id/date/service
                    return None
            elif row.kind not in _UNREAD:
                return None
        entry.fold.add(passages)
        # read committed (PostgreSQL) may show items committed after `head` was read: count them too
        entry.cursor = max(head, rows[-1].seq if rows else head)
        return len(passages)
