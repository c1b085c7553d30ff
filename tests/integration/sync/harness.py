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
    first_sync: str = "snapshot"    # [server] first_sync: "feed" plays a station from before snapshots
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
            f'first_sync = "{self.first_sync}"\n'
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
            except (sqlite3.OperationalError, IndexError):  # no file, table or row yet
                value = None
            if value == expected:
                return time.monotonic() - started
            time.sleep(0.02)
        raise AssertionError(f"{sql!r} still gives {value!r}, not {expected!r}, after {timeout} s")

    def log(self, name: str = "sync.log") -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""


# the dated tables' rows still of use on a day (what a snapshot brings: plateau.server.snapshot)
FROM_DAY = {"reservation": "date >= :day", "menu": "date >= :day", "closure": "last_day >= :day",
            "opposition": "julianday(ends_at) > julianday(:start)"}


def reference_rows(db: Path, since=None) -> dict[str, list[tuple]]:
    """The replicated tables' rows (with `since`, a date: the dated tables' from that day on, as a
    station that began from a snapshot holds them). A staff PIN hash is compared by its scrypt
    salt and cost: each station peppers the server's digest with its own key (plateau.db.pin_key)."""
    from datetime import datetime, time as dtime, timezone
    from zoneinfo import ZoneInfo

    start = since and datetime.combine(since, dtime(0), ZoneInfo("Europe/Paris")).astimezone(timezone.utc)
    params = {"day": since.isoformat(), "start": start.isoformat()} if since else {}
    con = sqlite3.connect(str(db), timeout=30)
    try:
        rows = {t: con.execute(f'SELECT * FROM "{t}"' + (f" WHERE {FROM_DAY[t]}" if since and t in FROM_DAY else "")
                               + f" ORDER BY {keys}", params).fetchall()
                for t, keys in REFERENCE_TABLES.items()}
    finally:
        con.close()
    rows["staff"] = [(r[0], r[1], r[2], "$".join(r[3].split("$")[1:5]), *r[4:]) for r in rows["staff"]]
    return rows


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
    pulls from the server's whole feed (reference tables, balances, and every passage: `fresh`
    is made a station from before snapshots, which pulls the history too)."""
    fresh.first_sync = "feed"
    fresh.write_config()
    local = {pid for (pid,) in station.query("SELECT id FROM passage WHERE origin = 'local'")}
    on_server = server_passages(db_url)
    mine = {pid for pid, row in on_server.items() if row[0] == station.station_id}
    lost = local - set(on_server)
    unknown = mine - local
    doubles = server_double_charges(db_url)
    waiting = station.scalar("SELECT count(*) FROM outbox")
    fresh.sync_once()
    # the station began from a snapshot: the dated rows before today it never needed
    from datetime import datetime as _dt
    from zoneinfo import ZoneInfo

    today = _dt.now(ZoneInfo("Europe/Paris")).date()
    differences = diff_rows(reference_rows(station.db, today), reference_rows(fresh.db, today))
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


def server_feed_head(db_url: str, uai: str = UAI) -> int:
    from sqlalchemy import text

    engine = server_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT feed_seq FROM site WHERE code = :c"), {"c": uai}).scalar())
    finally:
        engine.dispose()


def wait_drained_and_caught_up(st: Station, db_url: str, timeout: float = 60) -> float:
    """Wait until the station's outbox is empty and its cursor is at the server's feed head."""
    started = time.monotonic()
    st.wait_for("SELECT count(*) FROM outbox WHERE parked = 0", 0, timeout=timeout)
    head = server_feed_head(db_url)
    st.wait_for("SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'cursor'", head,
                timeout=max(1.0, timeout - (time.monotonic() - started)))
    return time.monotonic() - started


def fault_scenario(folder: Path, srv, school, *, passages: int, kills: int, server_kills: int,
                   seed: int = 7, proxy_weights: dict | None = None, proxy_windows: int = 1, log=print) -> dict:
    """Record `passages` on a station while its daemon is SIGKILLed `kills` times at random moments,
    the server is SIGKILLed `server_kills` times (mid-batch), and a fault proxy in between drops,
    stalls, truncates and corrupts answers and answers 500/503. `proxy_windows` times, the proxy
    plays a misconfigured then rate-limiting reverse proxy for a while (an HTML 404 page for every
    request, then 429 with Retry-After): those requests fail as a whole and must park nothing.
    Then let it heal and check that every passage is on the server exactly once and the replica
    equals the server (nothing parked: the outbox is empty). Returns figures.
    """
    import random
    import threading

    from plateau.db.engine import open_replica
    from plateau.station.services import Recorder
    from tests.support.faultproxy import FaultProxy

    rng = random.Random(seed)
    token = add_station(srv.db_url, "self-1")
    proxy = FaultProxy(srv.port, mode="pass", stall_seconds=1.5, seed=seed,
                       weights=proxy_weights or {"pass": 0.55, "refuse": 0.05, "drop": 0.08, "stall": 0.05,
                                                 "truncate": 0.08, "corrupt": 0.07, "fail": 0.07,
                                                 "unavailable": 0.05})
    st = Station(folder / "self-1", "self-1", proxy.url, token, wait_seconds=2, timeout_seconds=1.5)
    st.sync_once()
    proxy.set("random")
    engine = open_replica(st.db)
    recorder = Recorder(engine, "self-1")
    plan = badge_plan(school, passages)
    recorded = []
    failures = []
    duration = max(10.0, kills * 1.1)

    def record():
        try:
            pace = duration / len(plan)
            start = time.monotonic()
            for i, (uid, at) in enumerate(plan):
                recorded.append(recorder.badge(uid, at).passage_id)
                ahead = start + i * pace - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)

    started = time.monotonic()
    recording = threading.Thread(target=record, name="recorder")
    recording.start()
    server_kill_at = set(rng.sample(range(1, kills), min(server_kills, kills - 1))) if kills > 1 else set()
    window_at = set(rng.sample(range(kills), min(proxy_windows, kills)))
    done_kills = done_server_kills = 0
    for k in range(kills):
        daemon = st.start_sync()
        time.sleep(rng.uniform(0.6, 1.6))   # python start-up takes ~0.5 s: kill while it works
        if k in window_at:                   # a reverse proxy answering for the server
            proxy.answer(404, "<html><body><h1>404 Not Found</h1></body></html>")
            time.sleep(rng.uniform(0.8, 1.5))
            proxy.answer(429, "<html><body>429 Too Many Requests</body></html>", headers={"Retry-After": "1"})
            time.sleep(rng.uniform(0.8, 1.5))
            proxy.set("random")
        if k in server_kill_at:
            srv.proc.kill()                  # the server dies mid-batch ...
            srv.proc.wait(10)
            done_server_kills += 1
            time.sleep(rng.uniform(0.1, 0.5))
            srv.start()                      # ... and comes back on the same port and database
        daemon.kill()
        daemon.wait(10)
        st.procs.remove(daemon)
        done_kills += 1
    recording.join(timeout=600)
    assert not failures, failures
    proxy.set("pass")
    daemon = st.start_sync()
    heal = wait_drained_and_caught_up(st, srv.db_url, timeout=120)
    st.stop_all()
    engine.dispose()
    fresh = Station(folder / "fresh", "self-1", srv.url, token)
    parked = st.scalar("SELECT count(*) FROM outbox WHERE parked = 1")
    figures = check_exactly_once(st, srv.db_url, fresh)
    figures["parked"] = parked
    import re

    dups = sum(int(n) for n in re.findall(r"(\d+) of them already on the server", st.log()))
    figures.update(duplicates_answered=dups, daemon_kills=done_kills, server_kills=done_server_kills, heal_seconds=round(heal, 1),
                   total_seconds=round(time.monotonic() - started, 1), proxy=dict(proxy.counts))
    proxy.close()
    assert figures["recorded"] == passages == len(recorded)
    log(f"fault injection: {figures}")
    return figures
