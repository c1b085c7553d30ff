"""Decision engine and durable passage log, on a school-year-sized replica.

The demo school scaled to 3,000 persons, with a full school year of reservations and passages
(about a million rows, bulk-inserted in one transaction), then at lunch on the last Monday of
the year:

- decision alone: `Recorder.check` (snapshot queries + rules), p50/p99;
- decision + durable passage write: `Recorder.badge` (BEGIN IMMEDIATE, decide, passage and
  outbox rows, fsynced commit), p50/p99;
- baseline, interleaved read for read with the previous one: a bare SQLite insert + commit of
  a passage-sized row with the same pragmas (WAL, synchronous=FULL) in a file on the same disk.

Goals (issue 2): p99(decision + write) / p99(bare insert + commit) <= 1.5; p99(decision) <= 1 ms.
`PLATEAU_BENCH_DIR` chooses the folder (default: a temp dir), i.e. the disk measured.
"""

from __future__ import annotations

import gc
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
DAY = date(2027, 6, 28)            # the last Monday of the 2026-2027 school year
YEAR_START = date(2026, 9, 1)
P99_RATIO_GOAL = 1.5
# Pupils badge every 2-3 s; the writes here come every 40 ms (a lunch compressed ~60x), enough
# for the station's background WAL checkpoint to run in the pauses, as it does between pupils
# (passages.Checkpointer), instead of inside a pupil's commit. Both series get the same pauses.
PACE_SECONDS = 0.04
P99_DECISION_GOAL_MS = 1.0
NOISE_NOTE = ("**The machine was shared while this ran**: the fixed loop's or the bare read's p99 is many times "
              "its p50, so the wall-clock p99s above include preemption by other processes (time slices of "
              "several ms, more likely at each system call), "
              "not work done by Plateau. The CPU-time row shows the decision's own p99; rerun "
              "`python -m benchmarks decision` on a quiet machine for wall-clock figures.")


def _pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def build_replica(path: Path, persons: int, rng: random.Random) -> tuple[object, object, dict]:
    """Seed the replica with the scaled demo school, then a school year of history in bulk."""
    from plateau.db.engine import open_replica
    from plateau.demo.school import generate, school_days, seed_replica

    commensals = 60
    school = generate(pupils=persons - commensals, commensals=commensals, today=DAY, year_start=YEAR_START)
    engine = open_replica(path)
    seed_replica(engine, school)
    engine.dispose()

    days = [d for d in school_days(YEAR_START, DAY, school.holidays)]
    past = [d for d in days if d < DAY]
    eaters = [p for p, d in school.persons.items() if d["plan"] != "none" and p in school.cards]
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")  # bulk load only; the measured writes use FULL
    con.execute("BEGIN")
    reservations = ((p, d.isoformat(), "dejeuner") for p in school.persons for d in days)
    con.executemany("INSERT OR IGNORE INTO reservation (person_id, date, service) VALUES (?, ?, ?)", reservations)

    offline_from = past[-2]
    absences: list[tuple] = []  # the station was offline for its last two days: still in the outbox

    def passages():
        for d in past:
            for p in eaters:
                if rng.random() < 0.08:  # absent that day: the vie scolaire put an opposition
                    if school.persons[p]["class_name"]:
                        start = datetime.combine(d, dtime(0), PARIS)
                        absences.append((f"abs-{d.isoformat()}-{p}", p, start.astimezone(UTC).isoformat(
                            timespec="microseconds"), (start + timedelta(days=1)).astimezone(UTC).isoformat(
                            timespec="microseconds"), "Absent (vie scolaire)", "absence"))
                    continue
                at = datetime.combine(d, dtime(11, 15), PARIS) + timedelta(seconds=rng.randrange(9000))
                price = 0 if school.persons[p]["plan"] == "forfait" else 420
                station = rng.choice(("self-1", "self-2"))
                origin = "local" if station == "self-1" and d >= offline_from else "remote"
                yield (str(uuid.UUID(int=rng.getrandbits(128), version=4)), station,
                       at.astimezone(UTC).isoformat(timespec="microseconds"), d.isoformat(), "dejeuner",
                       school.cards[p], p, "badge", 1, "ok", price, None, None, None, None, "[]", origin)
            for p in rng.sample(eaters, min(60, len(eaters))):  # a few refusals a day (second passage, no money, ...)
                at = datetime.combine(d, dtime(12, 50), PARIS)
                yield (str(uuid.UUID(int=rng.getrandbits(128), version=4)), "self-1",
                       at.astimezone(UTC).isoformat(timespec="microseconds"), d.isoformat(), "dejeuner",
                       school.cards[p], p, "badge", 0, "already_served", 0, None, None, None, None, "[]", "remote")

    con.executemany(
        "INSERT INTO passage (id, station, at, local_date, service, card_uid, person_id, kind, accepted, reason, "
        "price_cents, balance_after_cents, staff_id, motive, ref, warnings, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", passages())
    con.executemany("INSERT OR IGNORE INTO opposition (id, person_id, starts_at, ends_at, motive, source) "
                    "VALUES (?, ?, ?, ?, ?, ?)", absences)
    pending = con.execute("SELECT id, person_id, price_cents FROM passage WHERE origin = 'local' ORDER BY at").fetchall()
    con.executemany("INSERT INTO outbox (passage_id, seq, person_id, price_cents, attempts, parked) "
                    "VALUES (?, ?, ?, ?, 0, 0)", [(i, n + 1, p, c) for n, (i, p, c) in enumerate(pending)])
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("person", "card", "reservation", "passage", "outbox", "balance", "closure", "opposition")}
    con.close()
    return school, eaters, counts


def _spin(n: int = 1500) -> int:
    """A fixed slice of pure CPU work (about a decision's length): its p99 is this machine's noise."""
    x = 0
    for i in range(n):
        x += i * i
    return x


def _bare(path: Path) -> sqlite3.Connection:
    """The baseline: the same pragmas as the replica, a passage-shaped table, nothing else."""
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("CREATE TABLE IF NOT EXISTS passage (id TEXT PRIMARY KEY, station TEXT, at TEXT, local_date TEXT, "
                "service TEXT, card_uid TEXT, person_id INTEGER, kind TEXT, accepted INTEGER, reason TEXT, "
                "price_cents INTEGER, balance_after_cents INTEGER, warnings TEXT)")
    return con


def _bare_read(con: sqlite3.Connection, passage_id: str) -> None:
    con.execute("BEGIN")
    con.execute("SELECT * FROM passage WHERE id = ?", (passage_id,)).fetchone()
    con.execute("COMMIT")


def _bare_insert(con: sqlite3.Connection, n: int, at: datetime) -> None:
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO passage VALUES (?, 'self-1', ?, ?, 'dejeuner', '04A1B2C3', ?, 'badge', 1, 'ok', 420, "
                "1000, '[]')", (str(uuid.uuid4()), at.astimezone(UTC).isoformat(), at.date().isoformat(), n))
    con.execute("COMMIT")


def main(quick: bool = False) -> str:
    from plateau.db.engine import open_replica
    from plateau.db.unit_of_work import UnitOfWork
    from plateau.domain import rules
    from plateau.station.services import Recorder

    persons = 600 if quick else 3000
    n_check = 500 if quick else 5000
    n_write = 200 if quick else 1500
    rng = random.Random(2027)
    root = Path(tempfile.mkdtemp(prefix="plateau-bench-", dir=os.environ.get("PLATEAU_BENCH_DIR")))
    try:
        started = time.perf_counter()
        school, eaters, counts = build_replica(root / "station.db", persons, rng)
        build_s = time.perf_counter() - started
        total_rows = sum(counts.values())

        engine = open_replica(root / "station.db", create=False)
        recorder = Recorder(engine, "self-1")
        lunch = datetime.combine(DAY, dtime(11, 20), PARIS)
        uids = [school.cards[p] for p in eaters]

        # decision alone (warm the site cache and SQLite's page cache first, as a kiosk would be)
        for uid in rng.sample(uids, min(200, len(uids))):
            recorder.check(uid, lunch)
        gc.collect()
        bare = _bare(root / "bare.db")
        for n in range(50):
            _bare_insert(bare, n, lunch)
        bare_ids = [r[0] for r in bare.execute("SELECT id FROM passage")]
        check_s, check_cpu, noise_s, pure_s, read_s = [], [], [], [], []
        for i in range(n_check):
            uid = rng.choice(uids)
            at = lunch + timedelta(seconds=rng.randrange(8000))
            c0, t0 = time.thread_time(), time.perf_counter()
            recorder.check(uid, at)
            check_s.append(time.perf_counter() - t0)
            check_cpu.append(time.thread_time() - c0)
            t0 = time.perf_counter()
            _spin()
            noise_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _bare_read(bare, bare_ids[i % len(bare_ids)])
            read_s.append(time.perf_counter() - t0)
        paused_s, paused_read_s = [], []  # as at the kiosk: each read after a pause
        for i in range(n_check // 10):
            time.sleep(PACE_SECONDS)
            uid, at = rng.choice(uids), lunch + timedelta(seconds=rng.randrange(8000))
            t0 = time.perf_counter()
            recorder.check(uid, at)
            paused_s.append(time.perf_counter() - t0)
            time.sleep(PACE_SECONDS)
            t0 = time.perf_counter()
            _bare_read(bare, bare_ids[i % len(bare_ids)])
            paused_read_s.append(time.perf_counter() - t0)
        with UnitOfWork(engine).reading() as uow:  # the pure rules alone, on ready-made snapshots
            snaps = [uow.card_snapshot(rng.choice(uids), lunch) for _ in range(500)]
        for s in snaps * (n_check // 500 or 1):
            t0 = time.perf_counter()
            rules.decide(s.card.uid if s.card else "X", lunch, s)
            pure_s.append(time.perf_counter() - t0)

        # decision + durable write, interleaved with the bare baseline on the same disk
        order = rng.sample(uids, min(n_write, len(uids))) + rng.choices(uids, k=max(0, n_write - len(uids)))
        badge_s, badge_cpu, bare_s, accepted = [], [], [], 0
        gc.collect()
        for n, uid in enumerate(order):
            at = lunch + timedelta(seconds=3 * n)
            time.sleep(PACE_SECONDS)  # the pause between two pupils, compressed (see PACE_SECONDS)
            for first in ((0, 1) if n % 2 else (1, 0)):
                if first:
                    c0, t0 = time.thread_time(), time.perf_counter()
                    rec = recorder.badge(uid, at)
                    badge_s.append(time.perf_counter() - t0)
                    badge_cpu.append(time.thread_time() - c0)
                    accepted += rec.decision.accepted
                else:
                    t0 = time.perf_counter()
                    _bare_insert(bare, n, at)
                    bare_s.append(time.perf_counter() - t0)
        bare.close()
        engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)

    p50c, p99c = _pct(check_s, 0.50), _pct(check_s, 0.99)
    p50b, p99b = _pct(badge_s, 0.50), _pct(badge_s, 0.99)
    p50r, p99r = _pct(bare_s, 0.50), _pct(bare_s, 0.99)
    ratio50, ratio99 = p50b / p50r, p99b / p99r
    p99cpu = _pct(check_cpu, 0.99)
    ok_ratio, ok_decision = ratio99 <= P99_RATIO_GOAL, p99c * 1000 <= P99_DECISION_GOAL_MS
    ok_cpu = p99cpu * 1000 <= P99_DECISION_GOAL_MS
    noisy = _pct(noise_s, 0.99) > 5 * _pct(noise_s, 0.5) or _pct(read_s, 0.99) > 10 * _pct(read_s, 0.5)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpu_count = os.cpu_count()
    rows_detail = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    return f"""## Decision engine and durable passage log (issue 2)

Replica: the demo school scaled to **{counts['person']:,} persons** with a school year of history,
**{total_rows:,} rows** ({rows_detail}); built in {build_s:.1f} s. Reads at lunch on {DAY.isoformat()},
random cards of persons who eat; writes are a lunch's worth of badges ({accepted} accepted of {len(badge_s)}),
{PACE_SECONDS * 1000:.0f} ms apart (pupils come every 2-3 s; the pauses let the WAL checkpoint run between them).
Baseline measured in the same run, interleaved read for read: a bare SQLite `INSERT` + `COMMIT` of a
passage-sized row, WAL + `synchronous=FULL`, in a file beside the replica (same disk).

| measure | n | p50 (ms) | p99 (ms) |
|---|---:|---:|---:|
| decision alone: `Recorder.check` (indexed snapshot queries + rules) | {len(check_s)} | {_ms(p50c)} | {_ms(p99c)} |
| … its CPU time (`time.thread_time`: the work itself, without preemption) | {len(check_cpu)} | {_ms(_pct(check_cpu, .5))} | {_ms(p99cpu)} |
| decision alone, each after a {PACE_SECONDS * 1000:.0f} ms pause (as between pupils) | {len(paused_s)} | {_ms(_pct(paused_s, .5))} | {_ms(_pct(paused_s, .99))} |
| … baseline: the bare primary-key read, each after the same pause | {len(paused_read_s)} | {_ms(_pct(paused_read_s, .5))} | {_ms(_pct(paused_read_s, .99))} |
| rules alone: `rules.decide` on a ready snapshot | {len(pure_s)} | {_ms(_pct(pure_s, .5))} | {_ms(_pct(pure_s, .99))} |
| baseline read: one bare SQLite primary-key `SELECT` in its own transaction, interleaved | {len(read_s)} | {_ms(_pct(read_s, .5))} | {_ms(_pct(read_s, .99))} |
| machine noise: a fixed pure-Python loop, interleaved with the decisions | {len(noise_s)} | {_ms(_pct(noise_s, .5))} | {_ms(_pct(noise_s, .99))} |
| decision + durable passage write: `Recorder.badge` | {len(badge_s)} | {_ms(p50b)} | {_ms(p99b)} |
| … its CPU time (the rest is waiting for the disk) | {len(badge_cpu)} | {_ms(_pct(badge_cpu, .5))} | {_ms(_pct(badge_cpu, .99))} |
| baseline: bare insert + commit, same pragmas, same disk | {len(bare_s)} | {_ms(p50r)} | {_ms(p99r)} |
| **ratio** decision + write / bare insert + commit | | **{ratio50:.2f}** | **{ratio99:.2f}** |

Goals: p99 ratio ≤ {P99_RATIO_GOAL} — **{'met' if ok_ratio else 'MISSED'}** ({ratio99:.2f});
p99 decision alone ≤ {P99_DECISION_GOAL_MS:.0f} ms — **{'met' if ok_decision else 'MISSED'}** ({_ms(p99c)} ms wall clock;
{'met' if ok_cpu else 'MISSED'} in CPU time, {_ms(p99cpu)} ms). {cpu_count} CPUs, load average {load:.1f} at the end.
After an idle pause every system call on this VM is several times slower (the bare read too), hence the
paused rows; the goal is judged on the back-to-back figure, and the paused p99 is shown as it is.
The p50 ratio compares the decision's extra {_ms(p50b - p50r)} ms (its reads, the rules, 7 b-tree pages written
instead of 2) with this disk's {_ms(p50r)} ms commit; with a kiosk SD card's 5 ms commit the same extra work
would be a ratio of {(5 + (p50b - p50r) * 1000) / 5:.2f}.
{NOISE_NOTE if noisy else ''}
"""


if __name__ == "__main__":
    print(main(quick=True))
