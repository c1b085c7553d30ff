"""The two sync loops: push (outbox → server) and pull (change feed → replica).

`SyncLoops` holds what both need (engine, status keeper, stop flag) and offers each loop
as a blocking method, run on its own thread by the daemon: the pull side spends most of
its life inside a long-poll, and a passage recorded meanwhile must leave at once.
`push_all` / `pull_all` are the single-pass versions behind `plateau sync --once`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Engine

from plateau.db.kiosk import FORCE_SYNC   # the sync_state key the kiosk bumps for "sync now"
from plateau.db.unit_of_work import UnitOfWork
from plateau.sync import first_sync, outbox, pull, status
from plateau.sync.backoff import Backoff
from plateau.sync.client import (BatchTooLarge, RequestRefused, ServerUnreachable, SyncClient, SyncError,
                                 TokenRefused)
from plateau.sync.protocol import ProtocolError, check_card_event
from plateau.sync.state import HEARTBEAT_SECONDS, StatusKeeper
from plateau.sync.telemetry_source import TelemetrySource

log = logging.getLogger(__name__)

TOKEN_RETRY_SECONDS = 300.0   # a refused token is re-probed this rarely (it needs a person anyway)
REFUSED_PULL_RETRY = 60.0     # a pull the server refuses (4xx) is not retried quickly either
CLOCK_CHECK_SECONDS = 10.0
BATCH_REGROW_SECONDS = 600.0  # after a 413, batches stay small this long before growing back


@dataclass
class SyncOptions:
    url: str
    token: str
    timeout: float = 10.0
    verify: bool = True
    wait: float = 25.0            # long-poll seconds
    push_batch: int = 200
    page_size: int = 1000
    poll_interval: float = 0.1    # how often the push loop looks at the outbox when idle
    skew_warn: float = 120.0
    backoff_base: float = 0.25
    backoff_cap: float = 5.0
    max_answer_bytes: int = 16 * 2**20   # an answer larger than this is not read ([server] max_answer_mib)
    heartbeat: float = HEARTBEAT_SECONDS  # seconds between "the daemon runs" stamps ([server] heartbeat_seconds)
    pin_key: bytes | None = None         # pepper for the staff PIN hashes pulled (plateau.db.pin_key)
    clock: Callable[[], float] = time.time   # the station's wall clock, sent to the server (tests move it)
    snapshot: bool = True                # a first sync reads the server's snapshot ([server] first_sync)
    kiosk_clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)   # the kiosk's (a demo's): a snapshot's day


class SyncLoops:
    """Push and pull for one station replica.

    `run_push` and `run_pull` each run on their own thread until `stop` is set; each owns
    its own `SyncClient` (HTTP session) and `Backoff`. The outbox and the card-event queue are
    read and acknowledged only through the replica's unit of work (`unit_of_work`), one per
    transaction. `write_lock` is held around every replica write transaction so that shutdown
    can wait for the one in progress.
    """

    def __init__(self, engine: Engine, options: SyncOptions, *, stop: threading.Event | None = None,
                 keeper: StatusKeeper | None = None, rng: random.Random | None = None):
        self.engine = engine
        self.opt = options
        self.stop = stop or threading.Event()
        self.keeper = keeper or StatusKeeper(engine, skew_warn_seconds=options.skew_warn,
                                             heartbeat_every=options.heartbeat)
        self.rng = rng or random.Random()
        self.telemetry = TelemetrySource(engine)
        self.write_lock = threading.Lock()
        self.token_refused = threading.Event()
        self._isolate = 0   # items still to send one by one after a batch was refused as a whole
        self._batch_limit = options.push_batch   # lowered after a 413 (a proxy's body limit)
        self._shrunk_at = 0.0                   # monotonic: when it was last lowered
        self._again = False                     # the last step moved nothing but wants another go now
        self._seen: dict[str, set[str]] | None = None   # keys pulled so far during a resync (pull.RESYNC)
        self._card_events_retry_at = 0.0   # monotonic: a server without card events is asked again then
        self.no_snapshot = not options.snapshot   # set when the server has no snapshot (an older one)
        self._first_done = False                   # the first sync is known complete (cached)
        self.counters = {"pushed": 0, "duplicates": 0, "parked": 0, "pulled": 0, "pages": 0, "errors": 0,
                         "card_events": 0, "snapshot": 0}

    def client(self) -> SyncClient:
        return SyncClient(self.opt.url, self.opt.token, timeout=self.opt.timeout, verify=self.opt.verify,
                          max_answer_bytes=self.opt.max_answer_bytes, clock=self.opt.clock,
                          telemetry=self.telemetry.headers)

    def unit_of_work(self) -> UnitOfWork:
        """A fresh unit of work on the replica (its connection is given back at the end of `with`)."""
        return UnitOfWork(self.engine)

    def backoff(self) -> Backoff:
        return Backoff(self.opt.backoff_base, self.opt.backoff_cap, random.Random(self.rng.random()))

    # -- push ---------------------------------------------------------------------------------
    def push_card_events_step(self, client: SyncClient) -> int:
        """Push the cards declared lost at the kiosk (before passages: every other station must
        refuse the card soon). Same discipline as passages: an event leaves the queue only on
        the server's per-item word; rejected → parked with its reason (`park_card_events`).
        Returns how many left the queue. Raises SyncError subclasses."""
        if time.monotonic() < self._card_events_retry_at:
            return 0
        with self.unit_of_work().reading() as uow:
            events = uow.pending_card_events(self.opt.push_batch)
        if not events:
            return 0
        wire, invalid = [], {}
        for event in events:
            try:
                wire.append(check_card_event(event))
            except ProtocolError as exc:
                invalid[event["id"]] = f"cannot be sent: {exc}"
        results: dict[str, tuple[str, str | None]] = {}
        try:
            if wire:
                results = client.push_card_events(wire).results
        except ServerUnreachable as exc:
            if exc.status not in (404, 405):
                raise
            # a server older than card events (or a proxy that does not route them yet): keep
            # them, ask later, and let the passages go meanwhile
            log.warning("push: the server does not take card events (%s); %d waiting", exc, len(wire))
            self._card_events_retry_at = time.monotonic() + REFUSED_PULL_RETRY
            return self._park_card_events(invalid)
        except RequestRefused:
            for event in wire:  # one bad event must not hold the others: one at a time
                try:
                    results.update(client.push_card_events([event]).results)
                except RequestRefused as one:
                    results[event["id"]] = ("rejected", str(one))
        acked = [eid for eid, (state, _) in results.items() if state in ("stored", "duplicate")]
        rejected = {eid: error or "" for eid, (state, error) in results.items() if state == "rejected"}
        with self.write_lock, self.unit_of_work().writing() as uow:
            uow.mark_card_events_sent(acked)
            uow.commit()
        for eid in acked:
            log.info("push: card event %s acknowledged by the server", eid)
        self._park_card_events({**invalid, **rejected})
        self.counters["card_events"] += len(acked)
        return len(acked) + len(invalid) + len(rejected)

    def _park_card_events(self, errors: dict[str, str]) -> int:
        if errors:
            for eid, error in errors.items():
                log.error("push: card event %s rejected: %s (parked)", eid, error)
            with self.write_lock, self.unit_of_work().writing() as uow:
                uow.park_card_events(errors)
                uow.commit()
            self.counters["parked"] += len(errors)
        return len(errors)

    def push_step(self, client: SyncClient) -> int:
        """Send one batch (card events first, then passages) and apply the answers; return how
        many items left the queues (0: nothing was waiting). Raises SyncError subclasses."""
        self.keeper.heartbeat()
        cards = self.push_card_events_step(client)
        return cards + self._push_passages_step(client)

    def _push_passages_step(self, client: SyncClient) -> int:
        self._again = False
        if self._batch_limit < self.opt.push_batch and time.monotonic() - self._shrunk_at > BATCH_REGROW_SECONDS:
            self._batch_limit = self.opt.push_batch
        limit = 1 if self._isolate > 0 else self._batch_limit
        with self.unit_of_work().reading() as uow:
            batch = outbox.read_batch(uow, limit)
        if batch.invalid:
            with self.write_lock, self.unit_of_work().writing() as uow:
                outbox.park_invalid(uow, batch.invalid)
                uow.commit()
            self.counters["parked"] += len(batch.invalid)
        if not batch.passages:
            return len(batch.invalid)
        try:
            answer = client.push(batch.passages)
        except BatchTooLarge as exc:
            if len(batch.passages) == 1:
                raise  # even one passage is too large for the proxy: retried with backoff, never parked
            self._batch_limit = max(1, len(batch.passages) // 2)
            self._shrunk_at = time.monotonic()
            self._again = True
            log.warning("push: %s; sending batches of %d", exc, self._batch_limit)
            return 0
        except RequestRefused as exc:
            # the server read the request and refused it with its own error body (400/409/422,
            # or a 403 naming a passage of another station): one bad passage must not block the
            # queue, so find it by sending one at a time; a lone refused passage is the server's
            # answer about that item, and only that parks it
            if len(batch.passages) > 1:
                log.warning("push: batch of %d refused (%s); sending them one by one", len(batch.passages), exc)
                self._isolate = len(batch.passages)
                self._again = True
                return 0
            with self.write_lock, self.unit_of_work().writing() as uow:
                outbox.park(uow, batch.passages[0]["id"], str(exc))
                uow.commit()
            self._isolate = max(0, self._isolate - 1)
            self.counters["parked"] += 1
            return 1
        with self.write_lock, self.unit_of_work().writing() as uow:
            done = outbox.apply_push_answer(uow, answer.results, answer.balances)
            uow.commit()
        self._isolate = max(0, self._isolate - len(batch.passages))
        self.telemetry.changed()
        self.counters["pushed"] += done.acknowledged
        self.counters["duplicates"] += done.duplicates
        self.counters["parked"] += done.parked
        self.keeper.succeeded("push", answer.skew, stamped=True)
        left = done.acknowledged + done.parked
        if left == 0:
            raise ServerUnreachable("the server answered the push without acknowledging anything")
        if done.duplicates:  # an earlier answer was lost: the server kept the passage once
            log.info("push: %d acknowledged, %d of them already on the server (duplicates)", done.acknowledged,
                     done.duplicates)
        else:
            log.debug("push: %d acknowledged, %d parked", done.acknowledged, done.parked)
        return left

    def push_all(self, client: SyncClient) -> int:
        """Push until nothing is waiting (for --once); raises on the first failure."""
        total = 0
        while not self.stop.is_set():
            n = self.push_step(client)
            if n == 0 and self._isolate == 0 and not self._again:
                return total
            total += n
        return total

    def _forced(self, previous: str | None = None) -> str | None:
        try:
            with self.unit_of_work().reading() as uow:
                return uow.state(FORCE_SYNC)
        except Exception:  # a busy or briefly unreadable replica: ask again at the next poll
            log.warning("sync: cannot read the kiosk's sync request", exc_info=True)
            return previous

    def run_push(self) -> None:
        """Push loop; also serves the kiosk's "sync now" (`sync_state.force_sync` changed) with an
        immediate complete pull, since the pull thread may be in the middle of a long-poll."""
        client, backoff = self.client(), self.backoff()
        next_clock_check = 0.0
        forced = self._forced()
        try:
            while not self.stop.is_set():
                self.keeper.heartbeat()
                if time.monotonic() >= next_clock_check:
                    self.keeper.check_local_clock()
                    next_clock_check = time.monotonic() + CLOCK_CHECK_SECONDS
                now_forced = self._forced(forced)
                if now_forced != forced and not self.token_refused.is_set():
                    forced = now_forced
                    log.info("sync: forced by the kiosk")
                    try:
                        self.push_all(client)
                        self.pull_all(client)
                    except SyncError as exc:
                        self._failed("push", exc)
                if self.token_refused.is_set():
                    self._wait(self.opt.poll_interval)
                    continue
                try:
                    moved = self.push_step(client)
                except ServerUnreachable as exc:
                    self._failed("push", exc)
                    self._wait(self._delay(backoff, exc))
                    continue
                except TokenRefused as exc:
                    self._token_refused("push", exc)
                    continue
                except Exception as exc:  # a bug or a disk problem: log it, keep the station alive
                    log.exception("push: unexpected error")
                    self._failed("push", exc)
                    self._wait(backoff.next_delay())
                    continue
                backoff.reset()
                if moved == 0 and self._isolate == 0 and not self._again:
                    self.keeper.idle("push")
                    self._wait(self.opt.poll_interval)
        finally:
            client.close()

    # -- pull ---------------------------------------------------------------------------------
    def pull_step(self, client: SyncClient, cursor: int, wait: float) -> tuple[int, bool]:
        """Fetch and apply one page; return (new cursor, more)."""
        self.keeper.heartbeat()
        if cursor == 0 and self._snapshot_wanted():
            return self._snapshot_step(client)
        try:
            page = client.changes(cursor, limit=self.opt.page_size, wait=wait)
        except RequestRefused as exc:
            if exc.status not in (400, 422) or cursor == 0:
                raise
            with self.unit_of_work().reading() as uow:
                stored = pull.stored_cursor(uow)
            if stored != cursor:  # the other puller moved it meanwhile: go on from there
                return self.cursor(), True
            return self._resync(f"the server refuses this station's cursor {cursor} ({exc})"), True
        if page.changes or page.cursor != cursor or self._seen is not None or not self._first_sync_done():
            try:
                with self.write_lock, self.unit_of_work().writing() as uow:
                    pull.apply_page(uow, page.changes, page.cursor, page.more, since=cursor, head=page.head,
                                    seen=self._seen, pin_key=self.opt.pin_key)
                    uow.commit()
            except pull.StalePage:  # a forced pull moved the cursor meanwhile: go on from there
                return self.cursor(), True
            if self._seen is not None and not page.more:
                self._seen = None   # the resync is complete (its last page swept the rest)
            self.counters["pulled"] += len(page.changes)
            self.counters["pages"] += 1
            self.keeper.succeeded("pull", page.skew, stamped=True)
            if page.more or cursor == 0:
                total = f"/{page.head}" if page.head else ""
                log.info("pull: %d changes applied, cursor %d%s%s", len(page.changes), page.cursor, total,
                         " (more to come)" if page.more else "")
        else:
            self.keeper.succeeded("pull", page.skew)
        return page.cursor, page.more

    def _first_sync_done(self) -> bool:
        if not self._first_done:
            with self.unit_of_work().reading() as uow:
                self._first_done = uow.state(status.FIRST_SYNC_DONE) == "1"
        return self._first_done

    def _snapshot_wanted(self) -> bool:
        if self.no_snapshot or self._seen is not None:
            return False
        with self.unit_of_work().reading() as uow:
            return first_sync.wanted(uow)

    def _snapshot_step(self, client: SyncClient) -> tuple[int, bool]:
        return first_sync.step(self, client)

    def cursor(self) -> int:
        """Where to pull from: the stored cursor, unless it cannot be used (not a sane number, or a
        resync this process did not start, so its list of pulled keys is gone): then from 0."""
        with self.unit_of_work().reading() as uow:
            cursor, resyncing = pull.stored_cursor(uow), pull.resyncing(uow)
        if cursor is None:
            return self._resync("the stored cursor is not a valid position")
        if resyncing and self._seen is None:
            return self._resync("a resync was interrupted")
        return cursor

    def resync(self, why: str) -> None:
        """Ask for a full pull from 0 (e.g. the PIN key changed: only the server's hashes help)."""
        self._resync(why)

    def _resync(self, why: str) -> int:
        """Start a full pull from 0 that replaces the replica's pulled data (`pull.start_resync`);
        unsent passages stay in the outbox and are pushed as usual."""
        log.warning("pull: %s: pulling everything again from the start (unsent passages stay queued)", why)
        with self.write_lock, self.unit_of_work().writing() as uow:
            pull.start_resync(uow)
            uow.commit()
        self._seen = {}
        return 0

    def pull_all(self, client: SyncClient) -> int:
        """Pull every page now (no long-poll), for --once; return the final cursor."""
        cursor = self.cursor()
        more = True
        while more and not self.stop.is_set():
            cursor, more = self.pull_step(client, cursor, 0)
        return cursor

    def run_pull(self) -> None:
        client, backoff = self.client(), self.backoff()
        cursor = self.cursor()
        caught_up = False
        try:
            while not self.stop.is_set():
                if self.token_refused.is_set():
                    self.stop.wait(self.opt.poll_interval)
                    continue
                try:
                    cursor, more = self.pull_step(client, cursor, self.opt.wait if caught_up else 0)
                    caught_up = not more
                except ServerUnreachable as exc:
                    self._failed("pull", exc)
                    self.stop.wait(self._delay(backoff, exc))
                    continue
                except TokenRefused as exc:
                    self._token_refused("pull", exc)
                    continue
                except RequestRefused as exc:
                    self._failed("pull", exc)
                    self.stop.wait(REFUSED_PULL_RETRY)
                    continue
                except Exception as exc:
                    log.exception("pull: unexpected error")
                    self._failed("pull", exc)
                    self.stop.wait(backoff.next_delay())
                    continue
                backoff.reset()
        finally:
            client.close()

    def _wait(self, seconds: float) -> None:
        """The push loop's pauses (idle polls, backoff, Retry-After): they keep the heartbeat going,
        so a long pause is not taken for a stopped daemon."""
        end = time.monotonic() + seconds
        while not self.stop.is_set():
            self.keeper.heartbeat()
            left = end - time.monotonic()
            if left <= 0:
                return
            self.stop.wait(min(left, self.opt.heartbeat))

    # -- failures -----------------------------------------------------------------------------
    @staticmethod
    def _delay(backoff: Backoff, exc: ServerUnreachable) -> float:
        """Truncated exponential backoff with jitter, but never sooner than the server's Retry-After."""
        delay = backoff.next_delay()
        return max(delay, exc.retry_after) if exc.retry_after is not None else delay

    def _failed(self, loop: str, exc: Exception) -> None:
        self.counters["errors"] += 1
        message = str(exc) if isinstance(exc, SyncError) else f"{loop} failed: {exc.__class__.__name__}: {exc}"
        self.keeper.failed(loop, message)

    def _token_refused(self, loop: str, exc: TokenRefused) -> None:
        """Stop both loops; probe again only after a long pause (a person must fix the token)."""
        self.counters["errors"] += 1
        self.keeper.failed(loop, str(exc), token=True)
        if not self.token_refused.is_set():
            log.error("%s; sync paused, next try in %.0f s", exc, TOKEN_RETRY_SECONDS)
            self.token_refused.set()
            timer = threading.Timer(TOKEN_RETRY_SECONDS, self.token_refused.clear)
            timer.daemon = True
            timer.start()
