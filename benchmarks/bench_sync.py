"""Sync benchmarks: first sync, propagation of server-side changes, passage-to-server latency
(a new station's first sync on a site with months of passages: bench_first_sync.py).

Real processes on loopback: `plateau server` (SQLite) seeded with the demo school at 3,000
pupils, `plateau sync` as a subprocess, changes made through the server's HTTP API. Every
figure sits beside a baseline measured in the same run on the same server: a bare HTTP round
trip to /api/v1/health, or (first sync) fetching the same pages without validating or applying
them. The fault-injection scenario is the one of `make soak` (tests/e2e/test_sync_faults.py).
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

def _pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def _ms(v):
    return f"{v * 1000:.0f} ms" if v < 10 else f"{v:.1f} s"


def _health_rtts(url, n):
    out = []
    with requests.Session() as http:
        for _ in range(n):
            t = time.perf_counter()
            http.get(url + "/api/v1/health", timeout=5).raise_for_status()
            out.append(time.perf_counter() - t)
    return out


def _wait_row(db: Path, sql: str, params, expect_fn, timeout=10.0) -> float | None:
    """Poll the replica every 5 ms; return when expect_fn(value) holds (None on timeout)."""
    con = sqlite3.connect(str(db), timeout=30)
    try:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            row = con.execute(sql, params).fetchone()
            if expect_fn(row[0] if row else None):
                return time.perf_counter()
            time.sleep(0.005)
        return None
    finally:
        con.close()


def _first_sync(st, url, token, head) -> tuple[float, float, int]:
    """(seconds for `plateau sync --once` from an empty replica: the snapshot, then the feed from
    its cursor; seconds to merely download the same snapshot pages; number of snapshot rows)."""
    from benchmarks.bench_first_sync import _download_snapshot

    t = time.perf_counter()
    st.sync_once(timeout=600)
    first = time.perf_counter() - t
    download, rows = _download_snapshot(url, token)
    return first, download, rows


def main(quick: bool = False) -> str:
    from plateau.demo.school import generate
    from plateau.db.engine import open_replica
    from plateau.station.services import Recorder
    from plateau.db.unit_of_work import UnitOfWork
    from plateau.sync import outbox
    from benchmarks.sync_seed import bulk_seed
    from tests.integration.sync.harness import Station, add_station
    from tests.support.server import running_server

    pupils = 600 if quick else 3000
    n_prop = 8 if quick else 40
    n_pass = 30 if quick else 200
    rng = random.Random(5)
    tmp = Path(tempfile.mkdtemp(prefix="plateau-bench-sync-"))
    school = generate(pupils=pupils)
    db_url = str(tmp / "server.db")
    t = time.perf_counter()
    head = bulk_seed(db_url, school)
    seed_s = time.perf_counter() - t
    n_res = sum(1 for k, _ in school.changes if k == "reservation")
    rows = []
    with running_server(db_url) as srv:
        token = add_station(db_url, "self-1")
        admin = srv.admin("token", "add", "--admin").strip().splitlines()[-1]
        st = Station(tmp / "self-1", "self-1", srv.url, token, wait_seconds=25)
        first, download, n_changes = _first_sync(st, srv.url, token, head)
        health = _health_rtts(srv.url, 200 if not quick else 40)
        h50, h99 = statistics.median(health), _pct(health, 99)
        rows.append(("First sync: `plateau sync --once` on an empty replica "
                     f"({len(school.persons):,} persons, {n_res:,} reservations; a snapshot of {n_changes:,} rows)",
                     _ms(first), f"download only: {_ms(download)}", f"{first / download:.1f}×", "≤ 20 s",
                     "✅" if first <= 20 else "❌"))

        st.start_sync()
        time.sleep(2.0)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {admin}"
        persons = [p for p, d in school.persons.items() if d["status"] == "active" and d["leaving_date"] is None]
        refused = {}
        ext = {p: school.persons[p]["external_id"] for p in persons}
        results = {}

        # a reservation booked through the API
        lat = []
        # weekdays inside the booking horizon (J+60 from the real today), from tomorrow on: today may
        # be past its cutoff, and a day before it is refused (a closed day is refused too: counted apart)
        first = max(date(2026, 11, 30), date.today() + timedelta(days=1))
        days = [d.isoformat() for d in (first + timedelta(days=k) for k in range(19)) if d.weekday() < 5]
        con = sqlite3.connect(str(st.db))
        booked = set(con.execute("SELECT person_id, date FROM reservation"))
        con.close()
        for i in range(n_prop):
            p, day = rng.choice(persons), rng.choice(days)
            while (p, day) in booked:
                p, day = rng.choice(persons), rng.choice(days)
            booked.add((p, day))
            t = time.perf_counter()
            r = http.put(f"{srv.url}/api/v1/persons/{p}/reservations/{day}/dejeuner", timeout=10)
            if r.status_code not in (200, 201):
                refused[r.status_code] = refused.get(r.status_code, 0) + 1
                continue
            seen = _wait_row(st.db, "SELECT count(*) FROM reservation WHERE person_id = ? AND date = ?", (p, day),
                             lambda v: v == 1)
            if seen:
                lat.append(seen - t)
            else:
                print(f"  reservation of person {p} on {day} (HTTP {r.status_code}) not in the replica after 10 s")
            time.sleep(rng.uniform(0.05, 0.3))
        results["reservation (PUT /persons/{id}/reservations/…)"] = lat

        # a top-up: one line of a payments import
        lat = []
        for i in range(n_prop):
            p = rng.choice(persons)
            con = sqlite3.connect(str(st.db))
            before = con.execute("SELECT COALESCE(MAX(version), 0) FROM balance WHERE person_id = ?", (p,)).fetchone()[0]
            con.close()
            csv = f"reference;person;amount;date\nbench-{i}-{p};{ext[p]};12,50;2026-11-20\n"
            t = time.perf_counter()
            r = http.post(f"{srv.url}/api/v1/admin/imports/payments", params={"site": "0691234X"},
                          data=csv.encode(), headers={"Content-Type": "text/csv"}, timeout=30)
            if r.status_code != 200:
                raise RuntimeError(f"payments import failed: {r.status_code} {r.text[:300]}")
            seen = _wait_row(st.db, "SELECT COALESCE(MAX(version), 0) FROM balance WHERE person_id = ?", (p,),
                             lambda v: (v or 0) > before)
            if seen:
                lat.append(seen - t)
            time.sleep(rng.uniform(0.05, 0.3))
        results["top-up (payments import, one line)"] = lat

        # an opposition (the vie scolaire marks a pupil absent)
        lat = []
        for i in range(n_prop):
            p = rng.choice(persons)
            day = (date(2027, 2, 1) + timedelta(days=i)).isoformat()
            con = sqlite3.connect(str(st.db))
            before = con.execute("SELECT count(*) FROM opposition WHERE person_id = ?", (p,)).fetchone()[0]
            con.close()
            csv = f"person;from;to;motive\n{ext[p]};{day};{day};absent (bench {i})\n"
            t = time.perf_counter()
            r = http.post(f"{srv.url}/api/v1/admin/imports/oppositions", params={"site": "0691234X"},
                          data=csv.encode(), headers={"Content-Type": "text/csv"}, timeout=30)
            if r.status_code != 200:
                raise RuntimeError(f"oppositions import failed: {r.status_code} {r.text[:300]}")
            seen = _wait_row(st.db, "SELECT count(*) FROM opposition WHERE person_id = ?", (p,),
                             lambda v: (v or 0) > before)
            if seen:
                lat.append(seen - t)
            time.sleep(rng.uniform(0.05, 0.3))
        results["opposition (oppositions import, one line)"] = lat

        for name, lat in results.items():
            p50, p99 = statistics.median(lat), _pct(lat, 99)
            missing = n_prop - len(lat) - (sum(refused.values()) if name.startswith("reservation") else 0)
            note = f" ({missing} not seen in 10 s)" if missing else ""
            if name.startswith("reservation") and refused:
                note += f" ({sum(refused.values())} bookings refused by the server: {refused})"
            rows.append((f"Propagation server → replica: {name}, n={len(lat)}{note}",
                         f"p50 {_ms(p50)}, p99 {_ms(p99)}", f"/health p50 {_ms(h50)}, p99 {_ms(h99)}",
                         f"{p99 / h99:.0f}×", "p99 ≤ 2 s", "✅" if p99 <= 2 and not missing else "❌"))

        # passage recorded at the station -> acknowledged by the server (outbox row gone)
        engine = open_replica(st.db)
        recorder = Recorder(engine, "self-1")
        cards = [school.cards[p] for p in sorted(school.cards)]
        lat = []
        from zoneinfo import ZoneInfo
        from datetime import datetime
        at0 = datetime(2026, 11, 24, 11, 30, tzinfo=ZoneInfo("Europe/Paris"))
        for i in range(n_pass):
            rec = recorder.badge(cards[i % len(cards)], at0 + timedelta(seconds=3 * i))
            t = time.perf_counter()
            seen = _wait_row(st.db, "SELECT count(*) FROM outbox WHERE passage_id = ?", (rec.passage_id,),
                             lambda v: v == 0)
            if seen:
                lat.append(seen - t)
            time.sleep(rng.uniform(0.05, 0.4))
        p50, p99 = statistics.median(lat), _pct(lat, 99)
        rows.append((f"Passage → server acknowledged (outbox row gone), while online, n={len(lat)}",
                     f"p50 {_ms(p50)}, p99 {_ms(p99)}", f"/health p50 {_ms(h50)}, p99 {_ms(h99)}",
                     f"{p99 / h99:.0f}×", "p99 ≤ 1 s", "✅" if p99 <= 1 and len(lat) == n_pass else "❌"))

        # cross-station window: a passage at station A is in station B's replica (already_served works)
        b = Station(tmp / "self-2", "self-2", srv.url, add_station(db_url, "self-2"), wait_seconds=25)
        b.sync_once(timeout=600)
        b.start_sync()
        time.sleep(2.0)
        lat = []
        at1 = datetime(2026, 11, 25, 11, 30, tzinfo=ZoneInfo("Europe/Paris"))
        for i in range(n_pass):
            rec = recorder.badge(cards[i % len(cards)], at1 + timedelta(seconds=3 * i))
            t = time.perf_counter()
            seen = _wait_row(b.db, "SELECT count(*) FROM passage WHERE id = ?", (rec.passage_id,), lambda v: v == 1)
            if seen:
                lat.append(seen - t)
            time.sleep(rng.uniform(0.05, 0.4))
        b.stop_all()
        p50, p99 = statistics.median(lat), _pct(lat, 99)
        rows.append((f"Cross-station window: passage at station A → in station B's replica, n={len(lat)}",
                     f"p50 {_ms(p50)}, p99 {_ms(p99)}", f"/health p50 {_ms(h50)}, p99 {_ms(h99)}",
                     f"{p99 / h99:.0f}×", "p99 < 2 s", "✅" if p99 < 2 and len(lat) == n_pass else "❌"))

        # the cost of the daemon's wake-up poll on an empty outbox (it runs every 100 ms)
        with UnitOfWork(engine).reading() as uow:
            t = time.perf_counter()
            for _ in range(2000):
                outbox.read_batch(uow, 200)
            poll = (time.perf_counter() - t) / 2000
        engine.dispose()
        st.stop_all()
        rows.append(("Daemon's outbox poll on an empty outbox (every 100 ms when idle)", f"{poll * 1e6:.0f} µs",
                     "100 ms poll period", f"{poll / 0.1 * 100:.2f} % of one core", "negligible", "✅"))

    out = ["## Sync daemon\n",
           f"Server: `plateau server` on SQLite, demo school of {len(school.persons):,} persons bulk-seeded in "
           f"{seed_s:.1f} s; station: `plateau sync` subprocess (push poll 100 ms, long-poll 25 s). "
           "Propagation is timed from the HTTP request that makes the change to the row being visible in the "
           "station's replica (polled every 5 ms).\n",
           "| measure | result | baseline (same run) | ratio | goal | |", "|---|---|---|---|---|---|"]
    out += [f"| {' | '.join(r)} |" for r in rows]
    f = _faults(tmp, quick)
    if f:
        out += ["", "### Fault injection (the scenario of `make soak`, tests/e2e/test_sync_faults.py)", "",
                f"{f['recorded']:,} passages recorded while the daemon was SIGKILLed "
                f"{f['daemon_kills']} times at random moments and the server {f['server_kills']} times mid-batch, "
                "through a proxy that dropped, stalled, truncated and corrupted answers and answered 500/503.", "",
                "| passages recorded | on the server | lost | duplicated | answered `duplicate` (lost acks) | "
                "replica rows ≠ server | proxy faults | time to heal |",
                "|---|---|---|---|---|---|---|---|",
                f"| {f['recorded']:,} | {f['on_server']:,} | {f['lost']} | {f['duplicated']} | "
                f"{f.get('duplicates_answered', '?')} | "
                f"{f['reference_differences'] + f['passage_differences'] + f['balance_differences']} | "
                + ", ".join(f"{k} {v}" for k, v in sorted(f["proxy"].items()) if k != "pass")
                + f" (of {sum(f['proxy'].values())} requests) | {f['heal_seconds']} s |"]
    return "\n".join(out) + "\n"


def _faults(tmp: Path, quick: bool) -> dict:
    """Run the fault-injection scenario on a small demo school; return its figures."""
    from plateau.demo.school import generate
    from benchmarks.sync_seed import bulk_seed
    from tests.integration.sync.harness import fault_scenario
    from tests.support.server import running_server

    school = generate(pupils=150)
    folder = tmp / "faults"
    folder.mkdir()
    db_url = str(folder / "server.db")
    bulk_seed(db_url, school)
    with running_server(db_url) as srv:
        if quick:
            return fault_scenario(folder, srv, school, passages=300, kills=4, server_kills=1)
        return fault_scenario(folder, srv, school, passages=10_000, kills=52, server_kills=4, seed=2026)


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
