"""Waking long-polling stations when their site's feed grows.

Runs on the server's asyncio event loop. Two sources of wake-ups:
- writers in this process (request threads): `Database` calls `notify_threadsafe` after each
  commit that emitted changes, so a waiting station hears of it within milliseconds;
- writers in other processes (`plateau import`, `plateau admin`): a watcher task reads every
  site's last seq (one small query) every `poll_interval` seconds and wakes the sites that moved.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from plateau.server import feed
from plateau.server.db import Database

log = logging.getLogger(__name__)


class FeedNotifier:
    """Per-site events swapped on each wake-up. Event-loop thread only, except `notify_threadsafe`."""

    def __init__(self, db: Database, poll_interval: float = 0.25):
        self.db = db
        self.poll_interval = poll_interval
        self.heads: dict[int, int] = {}
        self._events: dict[int, asyncio.Event] = {}
        self._generation: dict[int, int] = {}
        self._reads: dict[tuple, asyncio.Future] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    def event(self, site_id: int) -> asyncio.Event:
        """The event the next wake-up of `site_id` sets (take it BEFORE reading the feed)."""
        ev = self._events.get(site_id)
        if ev is None:
            ev = self._events[site_id] = asyncio.Event()
        return ev

    def generation(self, site_id: int) -> int:
        """How many wake-ups the site had: a read started in generation g has seen every commit
        woken before g (take it together with `event`)."""
        return self._generation.get(site_id, 0)

    async def shared_read(self, site_id: int, generation: int, args: tuple, read):
        """`read()` on the thread pool, shared by the requests of one site asking the same `args`
        in the same generation: when a wake-up sends the site's stations back at once, they cost
        one database read, not one each. A read from an older generation is never joined."""
        key = (site_id, generation, args)
        fut = self._reads.get(key)
        if fut is None:
            fut = asyncio.ensure_future(run_in_threadpool(read))
            self._reads[key] = fut
            fut.add_done_callback(lambda _f: self._reads.pop(key, None))
        return await asyncio.shield(fut)

    def wake(self, site_ids) -> None:
        for site_id in site_ids:
            self._generation[site_id] = self._generation.get(site_id, 0) + 1
            ev = self._events.pop(site_id, None)
            if ev is not None:
                ev.set()

    def notify_threadsafe(self, site_ids) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._committed, list(site_ids))

    def _committed(self, site_ids) -> None:
        # our cached heads are stale for these sites now: forget them so that the woken
        # long-polls read the feed at once instead of waiting for the watcher's next poll
        for site_id in site_ids:
            self.heads.pop(site_id, None)
        self.wake(site_ids)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.db.commit_listeners.append(self.notify_threadsafe)
        self._task = asyncio.create_task(self._watch(), name="feed-watcher")

    async def stop(self) -> None:
        if self.notify_threadsafe in self.db.commit_listeners:
            self.db.commit_listeners.remove(self.notify_threadsafe)
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def _read_heads(self) -> dict[int, int]:
        with self.db.read() as s:
            return feed.head_seqs(s)

    async def _watch(self) -> None:
        while True:
            try:
                if self._events:  # nobody waiting: no query
                    heads = await run_in_threadpool(self._read_heads)
                    # a site seen for the first time counts as moved: its waiters may have read
                    # before the write this read is the first to see (a spare wake-up is harmless)
                    moved = [sid for sid, seq in heads.items() if self.heads.get(sid) != seq]
                    self.heads = heads
                    if moved:
                        log.debug("feed watcher: sites %s moved", moved)
                        self.wake(moved)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not kill the watcher
                log.warning("feed watcher: cannot read the feed heads", exc_info=True)
            await asyncio.sleep(self.poll_interval)
