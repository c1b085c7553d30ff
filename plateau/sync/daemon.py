"""`plateau sync [--config FILE] [--once]`: the station's sync daemon (composition root).

Long-lived mode runs the push loop and the pull loop on two threads (see `loops`) until
SIGTERM/SIGINT; shutdown waits for a replica write in progress (short), gives an HTTP
request in flight a couple of seconds, then abandons it (nothing is written before an
answer is complete and validated) and closes the database.

``--retry-parked`` puts the items the server rejected back in the queue (and asks the running
daemon to sync now), then exits, or goes on with ``--once``.

``--once`` pushes everything waiting, then pulls every page of the change feed (a new station
first reads the server's snapshot, `first_sync`), and exits
0 only if both succeeded (1 if the server could not be reached or answered badly, 2 if the
station's token was refused or the configuration is wrong).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from dataclasses import replace

from plateau.config import StationSettings, load_settings
from plateau.db import pin_key
from plateau.db.engine import check_site, open_replica
from plateau.demo.clock import station_clock
from plateau.errors import UserError
from plateau.sync.client import SyncError, TokenRefused
from plateau.sync.loops import SyncLoops, SyncOptions

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 2.0


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--config", help="station configuration file (default: $PLATEAU_CONFIG or "
                                         "/etc/plateau/station.toml)")
    parser.add_argument("--once", action="store_true",
                        help="push everything waiting, pull every change, then exit (0 only if both succeeded)")
    parser.add_argument("--retry-parked", action="store_true",
                        help="send again the passages and card events the server rejected (once their cause "
                             "is fixed); the running daemon sends them at once (with --once: this run does)")


def options_from(settings: StationSettings) -> SyncOptions:
    if not settings.server.url:
        raise UserError(f"{settings.source}: [server] url is required for sync")
    if not settings.server.token:
        raise UserError(f"{settings.source}: [server] token is required for sync "
                        "(issued by `plateau admin station add`)")
    if settings.server.timeout_seconds <= 0 or settings.server.wait_seconds < 0:
        raise UserError(f"{settings.source}: [server] timeout_seconds and wait_seconds must be positive")
    return SyncOptions(url=settings.server.url, token=settings.server.token,
                       timeout=settings.server.timeout_seconds, verify=settings.server.verify_tls,
                       wait=float(settings.server.wait_seconds),
                       skew_warn=float(settings.server.clock_skew_warn_seconds),
                       max_answer_bytes=settings.server.max_answer_mib * 2**20,
                       heartbeat=settings.server.heartbeat_seconds,
                       snapshot=settings.server.first_sync == "snapshot",
                       kiosk_clock=station_clock(settings.station))


def _setup_logging(settings: StationSettings, debug: bool) -> None:
    level = "DEBUG" if debug else (settings.station.log_level or "INFO")
    try:
        from plateau.logs import setup_logging  # the packaging engineer's one-line-per-event format
    except ImportError:
        logging.getLogger("plateau").setLevel(level)
        return
    setup_logging("sync", level, station=settings.station.id)


def run_once(loops: SyncLoops) -> int:
    client = loops.client()
    ok = True
    try:
        loops.keeper.check_local_clock()
        for name, step in (("push", loops.push_all), ("pull", loops.pull_all)):
            try:
                step(client)
            except TokenRefused as exc:
                loops.keeper.failed(name, str(exc), token=True)
                print(f"plateau sync: error: {exc}", file=sys.stderr)
                return 2
            except SyncError as exc:
                loops.keeper.failed(name, str(exc))
                print(f"plateau sync: {name} failed: {exc}", file=sys.stderr)
                ok = False
    finally:
        client.close()
    c = loops.counters
    print(f"plateau sync: pushed {c['pushed']} ({c['duplicates']} already on the server), parked {c['parked']}, "
          f"pulled {c['pulled']} changes" + (f" after a snapshot of {c['snapshot']} rows" if c["snapshot"] else ""))
    if loops.keeper.last_error:
        print(f"plateau sync: warning: {loops.keeper.last_error}", file=sys.stderr)
    return 0 if ok else 1


def run_forever(loops: SyncLoops) -> int:
    stop = loops.stop

    def _on_signal(signum, _frame):
        log.info("sync: signal %d, stopping", signum)
        stop.set()

    crashed: list[str] = []

    def _guard(loop):
        # the loops handle every expected failure themselves; anything escaping is a bug or a
        # broken database: stop the process (systemd restarts it) rather than run half a daemon
        def run():
            try:
                loop()
            except BaseException:
                log.exception("sync: %s stopped unexpectedly", threading.current_thread().name)
                crashed.append(threading.current_thread().name)
                stop.set()
        return run

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    threads = [threading.Thread(target=_guard(loops.run_push), name="sync-push", daemon=True),
               threading.Thread(target=_guard(loops.run_pull), name="sync-pull", daemon=True)]
    for t in threads:
        t.start()
    log.info("sync: started")
    while not stop.is_set():
        stop.wait(1.0)
    deadline = time.monotonic() + SHUTDOWN_GRACE
    for t in threads:  # a request in flight is abandoned after the grace: nothing half-applied
        t.join(max(0.0, deadline - time.monotonic()))
    # a replica write in progress is short: let it commit, and let no other one start
    if not loops.write_lock.acquire(timeout=10):
        log.warning("sync: a replica write did not finish in 10 s; leaving it to SQLite's journal")
    log.info("sync: stopped (pushed %d, pulled %d)", loops.counters["pushed"], loops.counters["pulled"])
    return 1 if crashed else 0


def _idle_without_server(settings: StationSettings) -> int:
    # an empty [server] url is a station meant to run alone: stay up quietly rather than exit
    # and be restarted by systemd every few seconds
    log.warning("sync: no [server] url in %s: this station does not sync", settings.source)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(1.0)
    return 0


def retry_parked(settings: StationSettings) -> None:
    from plateau.db.kiosk import retry_parked as unpark

    engine = open_replica(settings.db.path, create=False)
    try:
        passages, events = unpark(engine)
    finally:
        engine.dispose()
    what = f"{passages} passage{'s' if passages != 1 else ''}" + (f" and {events} card event"
                                                                 f"{'s' if events != 1 else ''}" if events else "")
    print(f"plateau sync: {what} put back in the queue; the sync daemon sends them again now")


def _pin_key(settings: StationSettings, engine) -> bytes | None:
    """The staff PINs' pepper key (created if missing; `plateau.db.pin_key`). Without it the
    daemon still syncs, storing the server's hashes as they come, and says so."""
    try:
        return pin_key.load_or_create(pin_key.key_path(settings.db.path, settings.db.pin_key))
    except pin_key.PinKeyError as exc:
        log.error("%s: staff PIN hashes are stored unpeppered until it is fixed", exc)
        return None


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    _setup_logging(settings, getattr(args, "debug", False))
    if getattr(args, "retry_parked", False):
        retry_parked(settings)
        if not args.once:
            return 0
    if not settings.server.url and not args.once:
        return _idle_without_server(settings)
    options = options_from(settings)
    engine = open_replica(settings.db.path)
    try:
        check_site(engine, settings.station.site, settings.source)
        key = _pin_key(settings, engine)
        loops = SyncLoops(engine, replace(options, pin_key=key))
        if key is not None and pin_key.prepare(engine, key):
            loops.resync("the staff PINs were peppered with another key (pin.key replaced)")
            pin_key.claim(engine, key)   # after the resync is recorded: a crash in between resyncs anyway
        return run_once(loops) if args.once else run_forever(loops)
    finally:
        engine.dispose()
