"""`python -m plateau.station.ui.screenshots DIR`: a PNG of every kiosk screen, at 800×480 and 1920×1080.

Runs the real window on a demo replica (the demo school, a Monday lunch at 12:07 with a few
hundred passages already recorded) under a real X server. Each window (one size, one language)
starts from its own copy of that replica, so no answer leaks into the next series (a pupil
accepted at 800×480 would be "already served" at 1920×1080): when DISPLAY is not set it re-runs
itself under `xvfb-run` (Debian package `xvfb`, in scripts/setup-dev.sh). `--offscreen` uses
Qt's offscreen platform instead (no X server; same widgets, for a quick look).
Files are named `<width>x<height>-<lang>-<screen>.png`; `make screenshots` refreshes docs/screenshots/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SIZES = ((800, 480), (1920, 1080))
PARIS = ZoneInfo("Europe/Paris")


def _reexec_under_xvfb(argv: list[str]) -> int:
    xvfb = shutil.which("xvfb-run")
    if not xvfb:
        print("screenshots: no DISPLAY and no xvfb-run: apt-get install xvfb (or pass --offscreen)",
              file=sys.stderr)
        return 2
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", PLATEAU_SCREENSHOTS_XVFB="1")
    cmd = [xvfb, "-a", "-s", "-screen 0 1920x1080x24 -nolisten tcp", sys.executable, "-m",
           "plateau.station.ui.screenshots", *argv]
    return subprocess.call(cmd, env=env)


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _seed(folder: Path, clock: Clock):
    """A demo replica with a realistic lunch so far (about 300 passages since 11:15, two refusals before)."""
    from sqlalchemy import text

    from plateau.db.engine import open_replica
    from plateau.station.services import Recorder
    from plateau.db.replica import set_state
    from plateau.demo.school import generate, seed_replica
    from plateau.sync import status as keys

    school = generate()
    engine = open_replica(folder / "station.db")
    seed_replica(engine, school)
    recorder = Recorder(engine, "self-1")
    start = datetime(2026, 11, 23, 11, 15, tzinfo=PARIS)
    uids = [uid for pid, uid in sorted(school.cards.items())]
    step = (clock.at - start - timedelta(minutes=2)) / 320
    for n, uid in enumerate(uids[:320]):
        recorder.badge(uid, start + step * n)
    # two pupils who came before the self opened (refused: no service open), as on every day
    for n, uid in enumerate(uids[400:402]):
        recorder.badge(uid, start - timedelta(minutes=12 - 5 * n))
    with engine.begin() as conn:
        set_state(conn, keys.ONLINE, "1")
        set_state(conn, keys.LAST_SUCCESS, (clock.at - timedelta(seconds=10)).isoformat())
        # a ticket pupil with a low balance, for the orange warning
        conn.execute(text("UPDATE balance SET server_cents = 1100 WHERE person_id IN (22, 38)"))
    return engine, school


def _phone_badge(engine, person_id: int, at: datetime) -> str:
    """Turn the phone badge on for `person_id` in this replica, as a sync would; the text the
    pupil's phone shows at `at`."""
    import json

    from sqlalchemy import text

    from plateau.db.replica import bump_site_version
    from plateau.domain import phone_badge as pb

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with engine.begin() as conn:
        code, settings = conn.execute(text("SELECT code, settings FROM site")).one()
        conn.execute(text("UPDATE site SET settings = :s"),
                     {"s": json.dumps({**json.loads(settings or "{}"), "phone_badge": "true"})})
        conn.execute(text("INSERT OR REPLACE INTO phone_badge (person_id, secret, digits, period) "
                          "VALUES (:p, :s, 6, 30)"), {"p": person_id, "s": secret})
        bump_site_version(conn)
    return pb.payload_template(code, person_id).replace("{code}", pb.code_at(secret, at))


def _copy(engine, path: Path):
    """A fresh replica at `path`, copied page by page from `engine`'s (SQLite's backup API)."""
    import sqlite3

    from plateau.db.engine import open_replica

    with engine.connect() as conn:
        source = conn.connection.dbapi_connection
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
    return open_replica(path)


def _settle(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shoot(out: Path, sizes=SIZES, langs=("fr", "en"), pause: float = 0.4) -> list[Path]:
    """Write the PNGs into `out`; `pause`: seconds to let each screen paint before its shot
    (an X server needs them; the tests, on Qt's offscreen platform, pass less)."""
    from PySide6.QtWidgets import QApplication

    from plateau.config import StationSection, StationSettings
    from plateau.db.replica import set_state
    from plateau.station.flow import Screen
    from plateau.station.ui.app import build_window
    from plateau.station.ui.worker import KioskOp
    from plateau.sync import status as keys

    app = QApplication.instance() or QApplication(["plateau-screenshots"])
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock(datetime(2026, 11, 23, 12, 7, tzinfo=PARIS))
        seeded, school = _seed(Path(tmp), clock)
        already = school.cards[1]
        forfait_today = next(uid for pid, uid in sorted(school.cards.items()) if pid > 500
                             and school.persons[pid]["plan"] == "forfait" and pid not in school.absent_today)
        phone_pupil = next(pid for pid in sorted(school.cards) if pid > 600
                           and school.persons[pid]["plan"] == "forfait" and pid not in school.absent_today)
        for lang in langs:
            for w, h in sizes:
                engine = _copy(seeded, Path(tmp) / f"station-{lang}-{w}x{h}.db")
                settings = StationSettings(station=StationSection(id="self-1", site="0691234X", language=lang,
                                                                  result_seconds=3600))
                win = build_window(engine, settings, clock=clock, reports_dir=tmp)
                win.set_reader_state("ready")
                win.setFixedSize(w, h)
                win.show()
                _settle(app, pause * 2.5)

                def snap(name: str) -> None:
                    win.render()
                    _settle(app, pause)
                    path = out / f"{w}x{h}-{lang}-{name}.png"
                    win.grab().save(str(path))
                    made.append(path)

                def wait_for(cond, timeout=10.0) -> None:
                    end = time.monotonic() + timeout
                    while not cond() and time.monotonic() < end:
                        app.processEvents()
                        time.sleep(0.01)

                def drained() -> None:
                    """Wait until the kiosk's worker has answered everything asked so far."""
                    for worker in (win.db, win.stats):
                        answered = []
                        KioskOp(worker, lambda: True).success(answered.append).run()
                        wait_for(lambda: answered)

                def badge(uid: str) -> None:
                    before = win.flow.outcome
                    win.badge_read(uid)
                    wait_for(lambda: win.flow.outcome is not before)

                wait_for(lambda: win.expected)
                snap("idle")
                badge(school.cards[22 if lang == "fr" else 38])
                snap("result-accepted-low-balance")
                if lang == "en":
                    win.close()
                    win.shutdown()
                    engine.dispose()
                    continue
                badge(forfait_today)
                snap("result-accepted")
                badge(already)
                snap("result-already-served")
                badge(school.cards[211])
                snap("result-insufficient-balance")
                badge("DEADBEEF")
                snap("result-unknown-badge")
                # a phone badge (plateau.domain.phone_badge): its first read, then the same code again
                shown = _phone_badge(engine, phone_pupil, clock.at)
                badge(shown)
                snap("result-phone-badge")
                badge(shown)
                snap("result-phone-code-replayed")
                win.flow.show_error("demo", time.monotonic())
                snap("ask-staff")
                badge(school.cards[211])
                win.flow.tick(time.monotonic() + 7200)
                win.request_staff()
                wait_for(lambda: win.who.buttons)
                snap("pin-who")
                win.who.buttons[1].click()   # Mme Agent
                win.pin.press("1")
                win.pin.press("2")
                snap("pin")
                win.pin.press("3")
                win.pin.press("4")
                win.pin.press("OK")
                wait_for(lambda: win.flow.screen is Screen.STAFF)
                snap("staff-menu")
                win._menu_chosen("override")
                snap("override")
                win._menu_chosen("close")
                win.flow.leave_staff()
                win.request_staff()
                wait_for(lambda: win.who.buttons)
                win.who.buttons[2].click()   # M. Gestionnaire
                for k in "2468":
                    win.pin.press(k)
                win.pin.press("OK")
                wait_for(lambda: win.flow.screen is Screen.STAFF)
                win._menu_chosen("forgotten")
                for ch in "MAR":
                    win.forgotten.type_key(ch)
                drained()
                win.forgotten.results.setCurrentRow(0)
                snap("forgotten-badge")
                win.flow.open(Screen.STAFF, time.monotonic())
                win._menu_chosen("passages")
                drained()
                win.passages.table.selectRow(next(r for r, line in enumerate(win.passages.lines)
                                                  if line.cancellable))
                snap("last-passages")
                win.passages.cancel_button.click()  # the question names the pupil and the time
                snap("last-passages-confirm")
                win.passages.no_button.click()
                win.flow.open(Screen.STAFF, time.monotonic())
                win._menu_chosen("manager")
                wait_for(lambda: win.manager.headcount is not None)
                snap("manager")
                win.flow.leave_staff()
                with engine.begin() as conn:
                    set_state(conn, keys.ONLINE, "0")
                    set_state(conn, keys.OFFLINE_SINCE, (clock.at - timedelta(minutes=12)).isoformat())
                win.refresh_status()
                drained()
                snap("idle-offline")
                win.set_reader_state("unplugged", "/dev/ttyUSB0")
                snap("idle-reader-unplugged")
                win.set_reader_state("ready")
                with engine.begin() as conn:
                    set_state(conn, keys.ONLINE, "1")
                    set_state(conn, keys.OFFLINE_SINCE, "")
                win.close()
                win.shutdown()
                engine.dispose()
        seeded.dispose()
    return made


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m plateau.station.ui.screenshots")
    parser.add_argument("dir", help="where to write the PNG files (docs/screenshots)")
    parser.add_argument("--offscreen", action="store_true", help="Qt's offscreen platform instead of Xvfb")
    args = parser.parse_args(argv)
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not os.environ.get("DISPLAY"):
        return _reexec_under_xvfb(argv)
    else:
        os.environ["QT_QPA_PLATFORM"] = "xcb"
    made = shoot(Path(args.dir))
    print(f"{len(made)} screenshots in {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
