"""Waking long-polling stations when their site's feed grows.

Runs on the server's asyncio event loop.

PostgreSQL: every commit that grows a feed NOTIFYs the site's channel, whichever process made it;
`pg_listen.FeedListener` (one connection, its own thread) hears it and wakes the site here within
milliseconds, with the site's new head (so waiters already at the head do not even read). While
the listener is disconnected, the heads are polled as on SQLite; when it reconnects, every site
it listens to is woken once (its waiters read the feed once: no wake-up lost).

SQLite (one server process): writers in this process (request threads) wake the site through
`Database.commit_listeners` → `notify_threadsafe`; writers in other processes (`plateau import`,
`plateau admin`) are seen by a watcher task that reads every site's last seq (one small query)
every `poll_interval` seconds while somebody waits.

Fan-out: each wake-up sets one event per site; the woken requests share their reads
(`shared_read`: one read per site, generation and cursor range), so a woken station costs no
work proportional to its peers.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.concurrency import run_in_threadpool

from plateau.server import feed
from plateau.server.db import Database
from plateau.server.metrics import Metrics
from plateau.server.pg_listen import FeedListener, dsn_of

log = logging.getLogger(__name__)


class FeedNotifier:
    """Per-site events swapped on each wake-up. Event-loop thread only, except `notify_threadsafe`."""

    def __init__(self, db: Database, poll_interval: float = 0.25, metrics: Metrics | None = None,
                 shared: bool = True):
        self.db = db
        # False: every woken request reads the feed for itself (the path before shared reads,
        # kept for the benchmark's before/after: PLATEAU_SERVER_SHARED_WAKEUPS=0)
        self.shared = shared
        self.poll_interval = poll_interval
        self.metrics = metrics or Metrics()
        self.listener: FeedListener | None = None
        self.token_listeners: list = []   # called (event loop) when tokens changed (PostgreSQL)
        self.heads: dict[int, int] = {}
        self.told: dict[int, int] = {}     # the highest seq each site's NOTIFYs told (PostgreSQL)
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
            if self.listener is not None:
                self.listener.want(site_id)
        return ev

    @property
    def is_leader(self) -> bool:
        """Whether this process runs the once-per-database background jobs: on PostgreSQL the
        holder of the listener's advisory lock; on SQLite (one process) always."""
        return self.listener is None or self.listener.leader

    def generation(self, site_id: int) -> int:
        """How many wake-ups the site had: a read started in generation g has seen every commit
        woken before g (take it together with `event`)."""
        return self._generation.get(site_id, 0)

    async def shared_read(self, site_id: int, generation: int, args: tuple, read):
        """`read()` on the thread pool, shared by the requests of one site asking the same `args`
        in the same generation: when a wake-up sends the site's stations back at once, they cost
        one database read, not one each. A read from an older generation is never joined."""
        if not self.shared:
            return await run_in_threadpool(read)
        key = (site_id, generation, args)
        fut = self._reads.get(key)
        if fut is None:
            fut = asyncio.ensure_future(run_in_threadpool(read))
            self._reads[key] = fut
            fut.add_done_callback(lambda _f: self._reads.pop(key, None))
        return await asyncio.shield(fut)

    def read_to_head(self, site_id: int, generation: int, head: int) -> None:
        """A read begun in `generation` reached the end of the feed at `head`: if no wake-up came
        since, that is the site's head, so the stations asking again at once (they just got
        their answer) wait without reading. A commit after the read wakes the site, which
        forgets the head (SQLite) or raises it (NOTIFY): never a stale wait."""
        if self.shared and self._generation.get(site_id, 0) == generation:
            self.heads[site_id] = max(head, self.heads.get(site_id, head))

    def wake(self, site_ids) -> None:
        for site_id in site_ids:
            self._generation[site_id] = self._generation.get(site_id, 0) + 1
            ev = self._events.pop(site_id, None)
            if ev is not None:
                ev.set()
                self.metrics.wakeups += 1

    def _heard(self, heads: dict[int, tuple[int, float]]) -> None:
        # NOTIFYs from any process (event loop, via call_soon_threadsafe): the new heads are known
        now = time.time()
        for site_id, (seq, stamp) in heads.items():
            if self.heads.get(site_id, -1) < seq:
                self.heads[site_id] = seq
            if self.told.get(site_id, -1) < seq:
                self.told[site_id] = seq
            if site_id in self._events and stamp:
                self.metrics.wakeup_seconds.observe(now - stamp)
        self.wake(heads)

    def _tokens_changed(self, _none) -> None:
        for listener in self.token_listeners:
            listener()

    def was_told(self, site_id: int, seq: int) -> bool:
        """Whether a NOTIFY already told this process of the commit of `site_id`'s change `seq`
        (and so, before it, of every token change committed earlier: `auth.authenticate_again`).
        Once true it stays true: a lost connection later does not undo what was heard."""
        return self.told.get(site_id, -1) >= seq

    @property
    def listening(self) -> bool:
        """Whether NOTIFY is on duty now (PostgreSQL, listener connected)."""
        return self.listener is not None and self.listener.connected

    def _resync(self, site_ids) -> None:
        # notifications may have been missed for these sites: forget their heads, wake them once
        for site_id in site_ids:
            self.heads.pop(site_id, None)
        self.wake(site_ids)

    def _from_thread(self, method):
        def call(arg) -> None:
            loop = self._loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(method, arg)
        return call

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
        if self.db.is_sqlite:
            self.db.commit_listeners.append(self.notify_threadsafe)
        else:   # NOTIFY reaches this process too: no second, in-process wake-up
            self.listener = FeedListener(dsn_of(self.db.engine), self._from_thread(self._heard),
                                         self._from_thread(self._resync),
                                         on_tokens=self._from_thread(self._tokens_changed))
            self.listener.start()
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
        if self.listener is not None:
            await asyncio.to_thread(self.listener.stop)

    def _read_heads(self) -> dict[int, int]:
        with self.db.read(autocommit=True) as s:
            return feed.head_seqs(s)

    async def _watch(self) -> None:
        while True:
            try:
                listening = self.listener is not None and self.listener.connected
                if self._events and not listening:  # nobody waiting, or NOTIFY on duty: no query
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
