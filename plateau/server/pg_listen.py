"""PostgreSQL wake-ups: LISTEN on one dedicated connection, per-site channels, leadership.

Every transaction that grows a site's feed runs ``pg_notify('plateau_feed_<site id>', '<last
seq> <unix time>')`` (`feed.py`, in the same transaction as the change rows), so PostgreSQL
delivers it on commit, whichever process wrote: a request thread of this process or of another
one, `plateau admin`, an import. `FeedListener` runs on its own thread ("feed-listener") because
psycopg's `notifies()` blocks; it owns its connection (nothing else touches it) and hands what it
hears to the event loop through the callbacks given (they must be thread-safe).

- Channels are LISTENed lazily, when a long-poll first waits on a site (`want`); once a LISTEN is
  active, the site is woken once (`on_resync`), so a commit made between the waiter's read and
  the LISTEN is never missed.
- A burst is coalesced: after the first notification, whatever else already arrived is drained
  and handed over in one call, each site once with its highest seq.
- On a lost connection the thread reconnects (with backoff), LISTENs again and wakes every site
  it listens to (`on_resync`): the waiters read the feed heads once, so no wake-up is lost.
  While it is down, `connected` is False (the notifier polls the heads meanwhile).
- Leadership: the same connection tries `pg_try_advisory_lock(LEADER_KEY)`; the process that
  holds it runs the once-per-database background jobs (`leader`). PostgreSQL releases the lock
  when the connection dies, and another process takes over within `LEADER_RETRY` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

CHANNEL = "plateau_feed_"
TOKENS = "plateau_tokens"   # a station or admin token added, revoked or re-issued (auth.py)
LEADER_KEY = 0x706C6174   # "plat": the advisory lock of the background jobs' leader
LEADER_RETRY = 5.0


def channel(site_id: int) -> str:
    return f"{CHANNEL}{int(site_id)}"


def notify_sql(site_id, last_seq):
    """`pg_notify` of `channel(site_id)` with the payload "<last seq> <writer's time.time()>", as a
    SQL expression of two columns, for a statement's RETURNING: the site's new seq is known there,
    and the notification costs no statement of its own. The writer's wall clock: a wake-up's
    latency is measured against it (time.time() on both sides, the only clock two processes share)."""
    from sqlalchemy import String, cast, func, literal

    return func.pg_notify(literal(CHANNEL) + cast(site_id, String),
                          cast(last_seq, String) + literal(f" {time.time():.6f}"))


def parse(channel_name: str, text: str) -> tuple[int, int, float] | None:
    try:
        site_id = int(channel_name[len(CHANNEL):])
        seq, _, stamp = text.partition(" ")
        return site_id, int(seq), float(stamp or 0)
    except ValueError:
        return None


class FeedListener:
    """One LISTEN connection per server process. `want` is thread-safe; the rest is its thread's."""

    def __init__(self, dsn: str, on_notify: Callable[[dict[int, tuple[int, float]]], None],
                 on_resync: Callable[[set[int]], None], *, lead: bool = True,
                 on_tokens: Callable[[None], None] | None = None):
        self.dsn = dsn
        self.on_notify, self.on_resync = on_notify, on_resync
        self.on_tokens = on_tokens
        self.lead = lead
        self.connected = False
        self.leader = False
        self.channels = 0   # site channels LISTENed to on the current connection
        self._wanted: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def want(self, site_id: int) -> None:
        """Listen to `site_id`'s channel from now on (any thread; cheap when already wanted)."""
        if site_id not in self._wanted:
            with self._lock:
                self._wanted.add(site_id)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="feed-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        backoff = 0.1
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                                     application_name="plateau feed listener") as conn:
                    backoff = 0.1
                    self._serve(conn)
            except Exception as exc:  # lost or refused connection: try again, the notifier polls meanwhile
                if self._stop.is_set():
                    break
                log.warning("feed listener: connection lost (%s); again in %.1f s", str(exc).strip()[:200], backoff)
            finally:
                self.connected = self.leader = False
                self.channels = 0
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def _serve(self, conn) -> None:
        listened: set[int] = set()
        conn.execute(f"LISTEN {TOKENS}")
        self._listen_new(conn, listened)
        self.connected = True
        if self.on_tokens is not None:   # a revocation may have been missed while disconnected
            self.on_tokens(None)
        log.info("feed listener: connected, listening to %d site(s)", len(listened))
        self.on_resync(set(listened))   # whatever committed while we were not listening
        next_leader_try = 0.0
        while not self._stop.is_set():
            if self.lead and not self.leader and time.monotonic() >= next_leader_try:
                self.leader = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_KEY,)).fetchone()[0])
                next_leader_try = time.monotonic() + LEADER_RETRY
                if self.leader:
                    log.info("feed listener: this process runs the background jobs (advisory lock taken)")
            if len(self._wanted) != len(listened):
                self._listen_new(conn, listened)
            heard: dict[int, tuple[int, float]] = {}
            notes = list(conn.notifies(timeout=0.2, stop_after=1))
            if notes:   # a burst: drain what already arrived, then hand it over in one call
                notes += conn.notifies(timeout=0.002)
            tokens = False
            for note in notes:
                if note.channel == TOKENS:
                    tokens = True
                else:
                    self._keep(heard, note)
            # tokens first: a revocation committed before a change is known before its wake-up
            if tokens and self.on_tokens is not None:
                self.on_tokens(None)
            if heard:
                self.on_notify(heard)

    def _listen_new(self, conn, listened: set[int]) -> None:
        with self._lock:
            new = self._wanted - listened
        for site_id in sorted(new):
            conn.execute(f"LISTEN {channel(site_id)}")
        listened |= new
        self.channels = len(listened)
        if new and self.connected:
            self.on_resync(new)

    @staticmethod
    def _keep(heard: dict, note) -> None:
        parsed = parse(note.channel, note.payload)
        if parsed is None:
            return
        site_id, seq, stamp = parsed
        if site_id not in heard or heard[site_id][0] < seq:
            heard[site_id] = (seq, stamp)


def dsn_of(engine) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL engine (password included)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
