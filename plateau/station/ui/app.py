"""`plateau station [--config FILE] [--windowed]`: the full-screen kiosk (its one composition root).

Builds, in this order and only here: settings, logging, the replica engine, the QApplication and
its translations, the station's services and the kiosk's worker threads, the window
(`build_window`), the badge reader (its own thread, through `ReaderBridge`), the outputs (gate,
sounds), the last-resort excepthooks, and the screen-blanking inhibitor. Nothing opens a file, a
port or a database at import time.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--config", help="station configuration file (default: $PLATEAU_CONFIG or "
                                         "/etc/plateau/station.toml)")
    parser.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    parser.add_argument("--size", default="1024x600", help="window size with --windowed (WxH)")


def _size(text: str) -> tuple[int, int]:
    from plateau.errors import UserError

    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size: expected WIDTHxHEIGHT such as 800x480, not {text!r}") from None
    if w < 320 or h < 240:
        raise UserError("--size: at least 320x240")
    return w, h


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*['\"]?([^'\"\s]*)['\"]?", re.M)


def _head_from_files() -> str | None:
    """The newest migration of the replica, read from the migration files without importing
    Alembic (0.25 s of the start-up). None when unsure (several heads): then Alembic decides."""
    from plateau.db.engine import MIGRATIONS

    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((k, v) for k, v in _REVISION.findall(path.read_text(encoding="utf-8")))
        if found.get("revision"):
            revisions.add(found["revision"])
            if found.get("down_revision") and found["down_revision"] != "None":
                parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def open_station_replica(path: str):
    """Open the replica; run Alembic only when it is not at the newest revision (the sync
    daemon, started first, normally upgraded it already)."""
    from sqlalchemy import text

    from plateau.db.engine import ReplicaError, open_replica, upgrade

    engine = open_replica(path, create=False, migrate=False)
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no version table yet: let Alembic create everything
        current = None
    if current is None or current != _head_from_files():
        try:
            upgrade(engine)
        except Exception as exc:
            log.exception("migration of %s failed", path)
            raise ReplicaError(f"cannot upgrade the station database {path}: {exc}") from exc
    return engine


def build_window(engine, settings, *, clock, wall_clock=None, lang: str | None = None,
                 reports_dir: str | None = None, pin_key: bytes | None = None):
    """The kiosk window over its services and worker threads ("kiosk-db" for the services and what a
    badge waits for, "kiosk-stats" for the screens' reads and headcounts); `window.shutdown()` stops
    them."""
    from plateau.station.services import Recorder
    from plateau.station.ui.actions import KioskActions
    from plateau.station.ui.window import KioskWindow
    from plateau.station.ui.worker import DbWorker

    actions = KioskActions(engine, Recorder(engine, settings.station.id), clock, pin_key=pin_key,
                           wall_clock=wall_clock)
    return KioskWindow(settings, actions, db=DbWorker("kiosk-db"), stats=DbWorker("kiosk-stats"), clock=clock,
                       wall_clock=wall_clock, lang=lang, reports_dir=reports_dir)


def load_pin_key(settings, engine) -> bytes | None:
    """The staff PINs' pepper key (created if missing), with the replica's hashes peppered. A key
    that cannot be read leaves the pupils' side working: staff PINs then fail, and the log says why."""
    from plateau.db import pin_key

    try:
        key = pin_key.load_or_create(pin_key.key_path(settings.db.path, settings.db.pin_key))
        pin_key.prepare(engine, key)
        return key
    except pin_key.PinKeyError as exc:
        log.error("staff PINs cannot be checked: %s", exc)
        return None


def start_reader(settings, window):
    """Start the configured reader; returns what to stop at exit (None for a keyboard wedge,
    which is an event filter on the window, not a thread)."""
    from plateau.devices.factory import make_keyboard_wedge, make_reader

    if settings.reader.kind == "keyboard":
        wedge = make_keyboard_wedge(window, settings.reader)
        wedge.badge.connect(window.badge_read)
        window.wedge = wedge
        window.set_reader_state("ready")
        return None
    reader = make_reader(settings.reader)
    reader.start(window.bridge.on_read, window.bridge.on_state)  # its own thread; queued signals back
    return reader


def start_phone_readers(settings, window) -> list:
    """The phone-badge readers beside the card reader ([scanner], [camera]); returns what to stop."""
    from plateau.devices.keyboard import KeyboardWedge

    started: list = []
    if settings.scanner.enabled:
        s = settings.scanner
        wedge = KeyboardWedge(window, max_gap_ms=s.wedge_max_gap_ms, prefix=s.prefix, suffix=s.suffix,
                              debounce_ms=s.debounce_ms)
        wedge.badge.connect(window.badge_read)
        window.scanner = wedge
    if settings.camera.enabled:
        from plateau.devices.camera import CameraReader

        camera = CameraReader(settings.camera.device, debounce_ms=settings.camera.debounce_ms,
                              interval_ms=settings.camera.interval_ms)
        # its reads come through the bridge like any reader's; its state is only logged, the
        # card reader's state is the one the idle screen shows
        camera.start(window.bridge.on_read,
                     lambda state, detail: log.info("reader=camera state=%s %s", state, detail))
        started.append(camera)
    return started


def attach_outputs(settings, window) -> list:
    """Gate relay and sounds: pulsed/played for each answer shown; silent when not configured."""
    from plateau.devices.factory import make_gate, make_sounds

    gate, sounds = make_gate(settings.outputs), make_sounds(settings.outputs)
    gate.start()

    def on_outcome(decision) -> None:
        if decision.accepted:
            gate.pulse()
            sounds.accept()
        else:
            sounds.refuse()

    window.outcome_hooks.append(on_outcome)
    return [gate]


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from plateau import systemd

    from plateau.config import load_settings
    from plateau.db.engine import check_site
    from plateau.station.ui.screensaver import ScreenKeeper

    settings = load_settings(args.config)
    size = _size(args.size)
    try:
        from plateau.logs import setup_logging

        level = "DEBUG" if getattr(args, "debug", False) else settings.station.log_level
        setup_logging("station", level, settings.station.id)
    except ImportError:
        pass
    engine = open_station_replica(settings.db.path)
    check_site(engine, settings.station.site, settings.source)  # before any window: refuse another school's data
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("plateau-station")
    from plateau.demo.clock import station_clock, utc_now

    window = build_window(engine, settings, clock=station_clock(settings.station), wall_clock=utc_now,
                          reports_dir=str(Path(settings.db.path).parent / "reports"),
                          pin_key=load_pin_key(settings, engine))

    # a bug anywhere must show "ask staff" and let the next pupil badge, never kill the kiosk
    sys.excepthook = window.unexpected
    threading.excepthook = lambda hook_args: log.error(
        "unexpected error in thread %s", hook_args.thread.name if hook_args.thread else "?",
        exc_info=(hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback))
    # SIGTERM (systemd stop) and Ctrl-C quit cleanly: the reader and workers stop, the DB closes.
    # Python runs signal handlers only between bytecodes: a short timer gives it the chance.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: app.quit())
    wake = QTimer(interval=300, timeout=lambda: None)
    wake.start()
    if args.windowed:
        window.resize(*size)
        window.show()
    else:
        window.showFullScreen()
    started: dict = {"reader": None, "outputs": [], "keeper": None, "phone": []}

    def after_first_frame() -> None:
        """The idle screen is painted (goal: within 2 s): now the reader, the outputs (QtMultimedia
        takes a while to load) and the screen keeper; the idle screen shows the reader starting."""
        if started.get("done"):
            return
        started["done"] = True
        systemd.ready(f"station {settings.station.id}")
        log.info("idle screen shown station=%s", settings.station.id)
        try:
            started["reader"] = start_reader(settings, window)
        except Exception as exc:  # a bad reader must not keep the kiosk from showing its screen
            log.error("cannot start the badge reader: %s", exc, exc_info=True)
            window.set_reader_state("error", str(exc))
        try:
            started["phone"] = start_phone_readers(settings, window)
        except Exception as exc:  # the card reader keeps working without the phone readers
            log.error("cannot start the phone-badge readers: %s", exc, exc_info=True)
        try:
            started["outputs"] = attach_outputs(settings, window)
        except Exception as exc:  # no gate, no sound: the kiosk still answers on screen
            log.error("cannot start the outputs: %s", exc, exc_info=True)
        started["keeper"] = ScreenKeeper(window)
        started["keeper"].start()
        log.info("station started id=%s site=%s reader=%s", settings.station.id, settings.station.site,
                 settings.reader.kind)

    # The systemd watchdog is fed from the GUI thread on purpose: if the event loop freezes, the pings
    # stop and systemd restarts the kiosk (plateau-kiosk.service, WatchdogSec=).
    interval = systemd.watchdog_interval()
    if interval:
        dog = QTimer(window, interval=max(100, int(interval * 1000)), timeout=systemd.watchdog)
        dog.start()
    window.idle.first_painted.connect(after_first_frame, Qt.ConnectionType.QueuedConnection)
    QTimer.singleShot(5000, after_first_frame)  # a screen that never paints (no display) still gets a reader
    try:
        return int(app.exec())
    finally:
        systemd.stopping()
        if started["keeper"] is not None:
            started["keeper"].stop()
        if started["reader"] is not None:
            started["reader"].stop()
        for out in started["outputs"]:
            out.stop()
        for phone_reader in started["phone"]:
            phone_reader.stop()
        window.shutdown()
        engine.dispose()
