"""The demo's two stations: their folders, `station.toml`, and what their replicas recorded.

Station self-1 is the kiosk, fed by the simulated reader on a loopback TCP port, with a clock
shifted to the demo day (`[station] clock_start`, see `plateau/demo/clock.py`); station self-2
has no window: `plateau pass --at` records its badges, and its staff record forgotten badges
through the same `Recorder` the kiosk uses. Main thread (configs), the self-2 worker (recording).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from plateau.demo.procs import plateau_argv


@dataclass
class StationFiles:
    station_id: str
    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / "station.toml"

    @property
    def db(self) -> Path:
        return self.folder / "station.db"

    def write_config(self, site: str, url: str, token: str, *, reader_source: str = "stdin",
                     clock: tuple[datetime, float, datetime, datetime | None] | None = None,
                     lang: str = "fr") -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        lines = ["# written by `plateau demo`: see docs/configuration.md", "[station]",
                 f'id = "{self.station_id}"', f'site = "{site}"', f'language = "{lang}"', 'log_level = "INFO"']
        if clock is not None:
            start, speed, anchor, real_from = clock
            lines += ["# demo only: the kiosk's clock replays the demo day, faster (plateau/demo/clock.py)",
                      f'clock_start = "{start.isoformat()}"', f"clock_speed = {speed}",
                      f'clock_anchor = "{anchor.isoformat()}"']
            if real_from is not None:
                lines.append(f'clock_real_time_from = "{real_from.isoformat()}"  # after the scripted lunch')
        # the demo's school day is a fixed date, often before the real one, and a new station's
        # snapshot starts from the real date: the demo's stations pull the (short) whole feed instead
        lines += ["[server]", f'url = "{url}"', f'token = "{token}"', "wait_seconds = 10", "timeout_seconds = 5",
                  'first_sync = "feed"',
                  "[db]", f'path = "{self.db}"',
                  "[reader]", 'kind = "simulated"', f'simulated_source = "{reader_source}"', "debounce_ms = 300"]
        # atomically: the station's sync daemon may be reading it when the kiosk's clock is added
        tmp = self.config.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, self.config)

    def scalar(self, sql: str, params=()):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute(sql, params).fetchone()[0]
        finally:
            con.close()

    def passages(self) -> int:
        """The passages this station recorded (its replica also holds the other station's)."""
        return self.scalar("SELECT count(*) FROM passage WHERE station = ?", (self.station_id,))

    def recorded_since(self, rowid: int) -> list[tuple]:
        """(rowid, at, person_id, card_uid, accepted, reason) of this station's passages after `rowid`."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("SELECT rowid, at, person_id, card_uid, accepted, reason FROM passage "
                               "WHERE station = ? AND rowid > ? ORDER BY rowid", (self.station_id, rowid)).fetchall()
        finally:
            con.close()

    def waiting(self) -> int:
        return self.scalar("SELECT count(*) FROM outbox WHERE parked = 0")

    def served_today(self, person_id: int, day: str) -> int:
        return self.scalar("SELECT count(*) FROM passage WHERE person_id = ? AND local_date = ? AND accepted = 1",
                           (person_id, day))

    def passage(self, uid: str, at: datetime) -> dict:
        """`plateau pass UID --at AT --json` on this station: the decision as JSON."""
        done = subprocess.run(plateau_argv("pass", uid, "--at", at.isoformat(), "--json", "--config",
                                           str(self.config)), capture_output=True, text=True, timeout=60)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"plateau pass exited {done.returncode}: {done.stderr.strip()}")
        return json.loads(done.stdout)


class StaffDesk:
    """Station self-2's staff recording forgotten badges (the kiosk's 'forgotten badge' screen
    does the same call). Owns a replica engine; used from the self-2 worker thread only."""

    def __init__(self, files: StationFiles):
        from plateau.db.engine import open_replica
        from plateau.station.services import Recorder

        self.engine = open_replica(str(files.db), create=False)
        self.recorder = Recorder(self.engine, files.station_id)
        self.staff_id = files.scalar("SELECT id FROM staff WHERE role = 'staff' AND active = 1 ORDER BY id")

    def forgotten(self, person_id: int, at: datetime):
        return self.recorder.forgotten(person_id, at, self.staff_id).decision

    def close(self) -> None:
        self.recorder.close()
        self.engine.dispose()


def server_passages(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM passage").fetchone()[0]
    finally:
        con.close()
