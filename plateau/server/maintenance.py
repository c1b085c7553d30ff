"""Background upkeep of the server: change-feed compaction.

Every balance change of every passage, every re-import of a person, ... adds a feed item; a
station bootstrapping from cursor 0 only needs the latest item of each key. `Compactor` runs on
the server's event loop and, a while after start and then every few hours, compacts each
site's feed (`feed.compact`) on the thread pool, one site per unit of work. `plateau admin
feed compact` does the same on demand.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from plateau.server import feed
from plateau.server import models as m
from plateau.server.db import Database
from plateau.server.tasks import BackgroundTask

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


class Compactor(BackgroundTask):
    """Periodic feed compaction. Event-loop thread; the work itself runs on the thread pool."""

    name = "feed-compactor"

    def __init__(self, db: Database, first_delay: float = 600, every: float = 6 * 3600,
                 leader: Callable[[], bool] = lambda: True):
        # `leader()`: whether this process runs the jobs that must run once per database (the
        # holder of the PostgreSQL advisory lock, `pg_listen.py`; always on SQLite)
        self.db, self.first_delay, self.every, self.leader = db, first_delay, every, leader

    async def _run(self) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            try:
                if not self.leader():
                    log.debug("feed compaction: another server process runs it")
                    await asyncio.sleep(min(self.every, 60))   # and take over if the leader goes
                    continue
                dropped = await run_in_threadpool(compact_all, self.db)
                log.info("feed compacted: %s", " ".join(f"{k}={v}" for k, v in dropped.items()) or "no site")
            except asyncio.CancelledError:
                raise
            except Exception:  # upkeep must never take the server down
                log.warning("feed compaction failed", exc_info=True)
            await asyncio.sleep(self.every)
