"""Group commit of station pushes: many pushes, one transaction, one commit.

When many stations push at once, one transaction per push costs each push its own round trips,
its own commit (an fsync on SQLite, a WAL flush on PostgreSQL) and, on PostgreSQL, its own wait
for the site's row lock while the previous push of that site commits. `PushWriter` instead runs
on writer threads of its own (``plateau-push-writer-N``): a writer takes every push waiting in
the queue, stores them all in ONE unit of work (`push.push_many`: a handful of statements for
the whole group, whatever its number of pushes and passages), commits once, and answers each
push with its own per-item results. If that combined unit of work fails (a bug, a full disk, a
deadlock with another process), each push of the group is retried alone, so one bad push cannot
fail the others; every check of `trust.py` applies to every item, grouped or not.

SQLite has one writer: one writer thread. PostgreSQL: `POSTGRES_WRITERS` threads, so that a group
waiting for a site locked by another server process does not hold up the next group; each keeps
its own connection from group to group (taken from the pool once), so a group costs no pool
checkout and no ping before it (a round trip each). A group that fails on a lost connection
(SQLAlchemy then marks it, and the pool, invalid) is retried push by push on a new one. Either way
a push is answered only once its group has committed: a push retried after a kill is a
`duplicate` the second time, never stored twice.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any

from plateau.server import push
from plateau.server.db import Database

log = logging.getLogger(__name__)

MAX_GROUP_ITEMS = 5000  # passages per combined transaction
POSTGRES_WRITERS = 2


class PushWriter:
    """The threads that write pushed passages. `submit` may be awaited from the event loop."""

    def __init__(self, db: Database, writers: int | None = None):
        self.db = db
        self._queue: queue.Queue = queue.Queue()
        count = writers or (1 if db.is_sqlite else POSTGRES_WRITERS)
        self._threads = [threading.Thread(target=self._run, name=f"plateau-push-writer-{n + 1}", daemon=True)
                         for n in range(count)]
        self.groups = 0   # transactions committed (metrics, tests)
        self._local = threading.local()   # .held: the writer thread's own connection (PostgreSQL)
        for thread in self._threads:
            thread.start()

    async def submit(self, site_id: int, station_id: str, items: list[Any]):
        """(per-item results, balances) of this push, once its group has committed."""
        return await asyncio.wrap_future(self.submit_future(site_id, station_id, items))

    def submit_future(self, site_id: int, station_id: str, items: list[Any]) -> Future:
        fut: Future = Future()
        self._queue.put((site_id, station_id, items, fut))
        return fut

    def stop(self, timeout: float = 10) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _take(self) -> list | None:
        job = self._queue.get()
        if job is None:
            return None
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
        return group

    def _run(self) -> None:
        while True:
            group = self._take()
            if group is None:
                held = getattr(self._local, "held", None)
                if held is not None:
                    held.close()
                return
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
        with self.db.write(connection=self._connection()) as s:
            answers = push.push_many(s, [(site_id, station_id, items) for site_id, station_id, items, _ in group])
        self.groups += 1
        return answers

    def _connection(self):
        """This writer thread's own connection on PostgreSQL (None on SQLite: the pool's, no ping
        there), opened again when the last one was lost."""
        if self.db.is_sqlite:
            return None
        held = getattr(self._local, "held", None)
        if held is not None and (held.closed or held.invalidated):
            held.close()
            held = None
        if held is None:
            held = self._local.held = self.db.engine.connect()
        return held
