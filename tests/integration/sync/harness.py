"""Helpers for the sync tests that run real processes: station configs, `plateau` commands,
the `plateau sync` daemon as a subprocess, and row-by-row comparisons of replicas and server.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PLATEAU = str(Path(sys.executable).with_name("plateau"))
UAI = "0691234X"

# the replicated tables and their keys, as the station stores them
REFERENCE_TABLES = {
    "site": "code", "service": "code", "tariff": "category", "person": "id", "card": "uid",
    "reservation": "person_id, date, service", "balance": "person_id", "opposition": "id",
    "closure": "id", "staff": "id", "menu": "date, service",
}
PASSAGE_COLUMNS = ("id, station, at, local_date, service, card_uid, person_id, kind, accepted, reason, "
                   "price_cents, balance_after_cents, staff_id, motive, ref, warnings")


def plateau(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 120,
            check: bool = True) -> subprocess.CompletedProcess:
    """Run `plateau ARGS` and return the finished process (stdout/stderr as text)."""
    full_env = dict(os.environ, **(env or {}))
    proc = subprocess.run([PLATEAU, *args], input=input, capture_output=True, text=True, env=full_env,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"plateau {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def add_station(db_url: str, station_id: str, uai: str = UAI) -> str:
    """`plateau admin station add` and return the token (its last line of stdout)."""
    out = plateau("admin", "--db", db_url, "station", "add", uai, station_id).stdout
    return out.strip().splitlines()[-1].strip()


@dataclass
class Station:
    """A station's files: its TOML config and replica path, in a temp folder."""

    folder: Path
    station_id: str
    url: str
    token: str
    wait_seconds: int = 5
    timeout_seconds: float = 3.0
    site: str = UAI
    procs: list = field(default_factory=list)

    def __post_init__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.write_config()

    @property
    def config(self) -> Path:
        return self.folder / "station.toml"

    @property
    def db(self) -> Path:
        return self.folder / "station.db"

    def write_config(self) -> None:
        self.config.write_text(
            f'[station]\nid = "{self.station_id}"\nsite = "{self.site}"\nlog_level = "INFO"\n'
            f'[server]\nurl = "{self.url}"\ntoken = "{self.token}"\n'
            f"timeout_seconds = {self.timeout_seconds}\nwait_seconds = {self.wait_seconds}\n"
            f'[db]\npath = "{self.db}"\n[reader]\nkind = "simulated"\n', encoding="utf-8")

    def sync_once(self, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        return plateau("sync", "--once", "--config", str(self.config), check=check, timeout=timeout)

    def start_sync(self, log_name: str = "sync.log") -> subprocess.Popen:
        log = open(self.folder / log_name, "ab")
        proc = subprocess.Popen([PLATEAU, "sync", "--config", str(self.config)], stdout=log,
                                stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(proc)
        return proc

    def stop_all(self, sig: int = signal.SIGTERM, timeout: float = 10) -> list[int | None]:
        codes = []
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            codes.append(proc.returncode)
        self.procs.clear()
        return codes

    def passage(self, uid: str, at: str, check: bool = False) -> subprocess.CompletedProcess:
        return plateau("pass", uid, "--at", at, "--json", "--config", str(self.config), check=check)

    def query(self, sql: str, params=()) -> list[tuple]:
        con = sqlite3.connect(str(self.db), timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str, params=()):
        return self.query(sql, params)[0][0]

    def wait_for(self, sql: str, expected, timeout: float = 20, params=()) -> float:
        """Poll the replica until `sql` gives `expected`; return the seconds it took."""
        started = time.monotonic()
        value = None
        while time.monotonic() - started < timeout:
            try:
                value = self.scalar(sql, params)
            except sqlite3.OperationalError:
                value = None
            if value == expected:
                return time.monotonic() - started
            time.sleep(0.02)
        raise AssertionError(f"{sql!r} still gives {value!r}, not {expected!r}, after {timeout} s")

    def log(self, name: str = "sync.log") -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""


def reference_rows(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(str(db), timeout=30)
    try:
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY {keys}').fetchall()
                for t, keys in REFERENCE_TABLES.items()}
    finally:
        con.close()


def passages(db: Path) -> dict[str, tuple]:
    con = sqlite3.connect(str(db), timeout=30)
    try:
        return {r[0]: r for r in con.execute(f"SELECT {PASSAGE_COLUMNS} FROM passage")}
    finally:
        con.close()


def diff_rows(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> list[str]:
    """Human-readable differences between two replicas' reference tables (empty: equal)."""
    out = []
    for table in REFERENCE_TABLES:
        ra, rb = set(a[table]), set(b[table])
        if ra != rb:
            out.append(f"{table}: {len(ra - rb)} rows only in the first, {len(rb - ra)} only in the second "
                       f"(e.g. {sorted(ra - rb)[:1]} / {sorted(rb - ra)[:1]})")
    return out


# --- scenarios ---------------------------------------------------------------------------------

def badge_plan(school, n: int, first_day=None, spacing_seconds: int = 3):
    """`n` (uid, aware instant) badge events: each pupil with a card once per school day at lunch,
    day after day from `first_day` (weekdays only), like real lunches."""
    from datetime import date, datetime, time as dtime, timedelta
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Paris")
    day = first_day or date(2026, 11, 23)
    uids = [school.cards[p] for p in sorted(school.cards)]
    out = []
    while len(out) < n:
        if day.weekday() < 5:
            start = datetime.combine(day, dtime(11, 20), tz)
            for i, uid in enumerate(uids):
                out.append((uid, start + timedelta(seconds=spacing_seconds * i)))
                if len(out) == n:
                    break
        day += timedelta(days=1)
    return out


def server_engine(db_url: str):
    from plateau.server.db import make_engine

    return make_engine(db_url)


def server_passages(db_url: str) -> dict[str, tuple]:
    """{id: (station, at, person_id, kind, accepted, reason, price_cents)} as stored on the server."""
    from sqlalchemy import text

    engine = server_engine(db_url)
    try:
        with engine.connect() as conn:
            return {r[0]: tuple(r[1:]) for r in conn.execute(text(
                "SELECT id, station, at, person_id, kind, accepted, reason, price_cents FROM passage"))}
    finally:
        engine.dispose()


def server_double_charges(db_url: str) -> int:
    from sqlalchemy import text

    engine = server_engine(db_url)
    try:
        with engine.connect() as conn:
            return len(conn.execute(text("SELECT cause FROM ledger_entry WHERE kind = 'passage' "
                                         "GROUP BY cause HAVING count(*) > 1")).all())
    finally:
        engine.dispose()


def server_balances(db_url: str) -> dict[int, tuple[int, int]]:
    from sqlalchemy import text

    engine = server_engine(db_url)
    try:
        with engine.connect() as conn:
            return {r[0]: (int(r[1]), int(r[2]))
                    for r in conn.execute(text("SELECT person_id, balance_cents, version FROM balance"))}
    finally:
        engine.dispose()


def normalized_passages(db: Path) -> dict[str, tuple]:
    """Passages of a replica with instants parsed (the server may spell them differently)."""
    import json
    from datetime import datetime

    out = {}
    for pid, row in passages(db).items():
        row = list(row)
        row[2] = datetime.fromisoformat(row[2])
        row[8] = bool(row[8])
        row[15] = tuple(json.loads(row[15] or "[]"))
        out[pid] = tuple(row)
    return out


def check_exactly_once(station: Station, db_url: str, fresh: Station) -> dict:
    """The end state every fault scenario must reach; returns the figures for the report.

    Every local passage is on the server exactly once (nothing lost, no second ledger debit),
    the station's outbox is empty, and the station's replica equals what a brand-new station
    pulls from the server (reference tables, balances, and every passage)."""
    local = {pid for (pid,) in station.query("SELECT id FROM passage WHERE origin = 'local'")}
    on_server = server_passages(db_url)
    mine = {pid for pid, row in on_server.items() if row[0] == station.station_id}
    lost = local - set(on_server)
    unknown = mine - local
    doubles = server_double_charges(db_url)
    waiting = station.scalar("SELECT count(*) FROM outbox")
    fresh.sync_once()
    differences = diff_rows(reference_rows(station.db), reference_rows(fresh.db))
    mine_rows, fresh_rows = normalized_passages(station.db), normalized_passages(fresh.db)
    passage_diff = {pid for pid in set(mine_rows) | set(fresh_rows) if mine_rows.get(pid) != fresh_rows.get(pid)}
    balances = server_balances(db_url)
    replica_balances = {p: (c, v) for p, c, v in station.query("SELECT person_id, server_cents, version FROM balance")}
    balance_diff = {p for p in set(balances) | set(replica_balances) if balances.get(p) != replica_balances.get(p)}
    figures = {"recorded": len(local), "on_server": len(mine), "lost": len(lost), "duplicated": doubles,
               "unknown_on_server": len(unknown), "still_waiting": waiting,
               "reference_differences": len(differences), "passage_differences": len(passage_diff),
               "balance_differences": len(balance_diff)}
    assert not lost, f"{len(lost)} passages never reached the server"
    assert doubles == 0 and not unknown
    assert waiting == 0
    assert not differences, differences
    assert not passage_diff, sorted(passage_diff)[:3]
    assert not balance_diff, sorted(balance_diff)[:5]
    return figures
