"""Group commit of station pushes on SQLite: many pushes, one transaction, one fsync.

SQLite has a single writer, and each commit waits for an fsync. When many stations push at
once, serialising one transaction per push caps the server at roughly one push per commit
time and queues the rest. `PushWriter` instead runs on its own thread (``plateau-push-writer``):
it takes every push waiting in its queue, stores them in ONE unit of work, commits once, and
answers each push with its own results. If that combined unit of work fails (a bug, a full
disk), each push of the group is retried alone, so one bad push cannot fail the others.

PostgreSQL writes concurrently, so the server uses this only for SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any

from sqlalchemy import update

from plateau.server import feed, push
from plateau.server import models as m
from plateau.server.db import Database

log = logging.getLogger(__name__)

MAX_GROUP_ITEMS = 5000  # passages per combined transaction


class PushWriter:
    """The one thread that writes pushed passages (SQLite). `submit` is thread-safe."""

    def __init__(self, db: Database):
        self.db = db
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="plateau-push-writer", daemon=True)
        self._stopping = False
        self._thread.start()

    async def submit(self, site_id: int, station_id: str, items: list[Any]):
        fut: Future = Future()
        self._queue.put((site_id, station_id, items, fut))
        return await asyncio.wrap_future(fut)

    def stop(self, timeout: float = 10) -> None:
        self._stopping = True
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            group, size = [job], len(job[2])
            while size < MAX_GROUP_ITEMS:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                group.append(nxt)
                size += len(nxt[2])
            try:
                answers = self._write(group)
            except Exception:
                if len(group) > 1:
                    log.warning("a group of %d pushes failed; retrying each alone", len(group), exc_info=True)
                answers = []
                for one in group:
                    try:
                        answers.append(self._write([one])[0])
                    except Exception as exc:  # noqa: BLE001 - handed to the request, which answers 500
                        answers.append(exc)
            for (_, _, _, fut), answer in zip(group, answers):
                if isinstance(answer, Exception):
                    fut.set_exception(answer)
                else:
                    fut.set_result(answer)

    def _write(self, group) -> list:
        answers = []
        with self.db.write() as s:
            for site_id, station_id, items, _fut in group:
                site = s.get(m.Site, site_id)
                answers.append(push.push(s, site, station_id, items))
                s.execute(update(m.Station).where(m.Station.site_id == site_id, m.Station.station_id == station_id)
                          .values(last_seen_at=feed.now()))
        return answers
