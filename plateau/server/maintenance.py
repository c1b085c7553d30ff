"""Background upkeep of the server: change-feed compaction.

Every balance change of every passage, every re-import of a person, ... adds a feed item; a
station bootstrapping from cursor 0 only needs the latest item of each key. `Compactor` runs on
the server's event loop and, a while after start and then every few hours, compacts each
site's feed (`feed.compact`) on the thread pool, one site per unit of work. `plateau admin
feed compact` does the same on demand.
"""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import select

from plateau.server import feed
from plateau.server import models as m
from plateau.server.db import Database
from plateau.server.tasks import LeaderJob

log = logging.getLogger(__name__)


def compact_all(db: Database) -> dict[str, int]:
    """Compact every site's feed; return {site code: items dropped}. Any thread."""
    with db.read() as s:
        sites = s.execute(select(m.Site.id, m.Site.code).order_by(m.Site.code)).all()
    out = {}
    for site_id, code in sites:
        with db.write() as s:
            out[code] = feed.compact(s, site_id)
    return out


class Compactor(LeaderJob):
    """Periodic feed compaction, by the leader process (`LeaderJob`)."""

    name = "feed compaction"

    def __init__(self, db: Database, first_delay: float = 600, every: float = 6 * 3600,
                 leader: Callable[[], bool] = lambda: True):
        super().__init__(first_delay=first_delay, every=every, leader=leader)
        self.db = db

    def work(self) -> dict[str, int]:
        return compact_all(self.db)

    def done(self, dropped: dict[str, int]) -> None:
        log.info("feed compacted: %s", " ".join(f"{k}={v}" for k, v in dropped.items()) or "no site")
