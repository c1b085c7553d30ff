"""Online backup of the station database: how long it takes, and what it costs a badge at lunch.

Replica: the demo school with a school year of passages (`bench_decision.build_replica`), i.e.
the largest file a station has in June.

1. Backup duration: `plateau.db.backup.backup_database` (SQLite backup API, quick_check of the
   copy, fsync, rename, retention). Baseline in the same run: copying the same file with
   `shutil.copyfile` + fsync (what a backup at least costs, but unsafe while the kiosk writes).
2. Badge latency during a backup: `Recorder.badge` (decide + fsynced write) in a loop while
   another *process*, at the backup unit's priority (nice 10, idle I/O class), backs the file up
   over and over (far more often than the timer's twice a day); baseline:
   the same loop, same replica, with no backup running, measured just before.

Goals: a year-old station database backed up in < 5 s here; p99 of a badge during a backup
<= 2x p99 without (a backup at 14:30 must not be felt at the self if a late pupil badges).
"""

from __future__ import annotations

import gc
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, time as dtime, timedelta
from pathlib import Path

GOAL_BACKUP_S = 5.0
GOAL_P99_RATIO = 2.0

_BACKUP_LOOP = """
import sys, pathlib
from plateau.db.backup import backup_database
src, out, stop = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
n = 0
while not stop.exists():
    backup_database(src, out, keep=2)
    n += 1
print(n)
"""


def _pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def _copy(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    with open(dst, "rb+") as fh:
        os.fsync(fh.fileno())


def _badges(recorder, uids, start: datetime, n: int, rng: random.Random) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        recorder.badge(rng.choice(uids), start + timedelta(seconds=2 * i))
        out.append(time.perf_counter() - t0)
    return out


def main(quick: bool = False) -> str:
    from benchmarks.bench_decision import DAY, PARIS, build_replica
    from plateau.db.backup import backup_database
    from plateau.db.engine import open_replica
    from plateau.station.services import Recorder

    persons = 600 if quick else 3000
    runs = 2 if quick else 5
    n_badges = 100 if quick else 600
    rng = random.Random(2026)
    root = Path(tempfile.mkdtemp(prefix="plateau-bench-backup-", dir=os.environ.get("PLATEAU_BENCH_DIR")))
    try:
        db = root / "station.db"
        school, eaters, counts = build_replica(db, persons, rng)
        size_mb = db.stat().st_size / 1e6

        backup_s, copy_s = [], []
        for i in range(runs):  # interleaved, so both see the same page cache state
            t0 = time.perf_counter()
            result = backup_database(db, root / "backups", keep=2)
            backup_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _copy(db, root / f"copy-{i}.db")
            copy_s.append(time.perf_counter() - t0)
            (root / f"copy-{i}.db").unlink()
        backup_mb = result.path.stat().st_size / 1e6

        engine = open_replica(db, create=False)
        recorder = Recorder(engine, "self-1")
        uids = [school.cards[p] for p in eaters]
        lunch = datetime.combine(DAY, dtime(11, 20), PARIS)
        _badges(recorder, uids, lunch, 20, rng)  # warm-up
        gc.collect()
        quiet = _badges(recorder, uids, lunch + timedelta(hours=1), n_badges, rng)

        stop = root / "stop"
        repo = Path(__file__).resolve().parent.parent
        # as plateau-backup.service runs it: Nice=10, IOSchedulingClass=idle
        prio = ["nice", "-n", "10"] + (["ionice", "-c", "3"] if shutil.which("ionice") else [])
        loop = subprocess.Popen([*prio, sys.executable, "-c", _BACKUP_LOOP, str(db), str(root / "loop"), str(stop)],
                                cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not (root / "loop").is_dir() or not any((root / "loop").glob("*.partial")):
                if time.monotonic() > deadline or loop.poll() is not None:
                    break  # measure anyway; the count below says how many backups overlapped
                time.sleep(0.005)
            busy = _badges(recorder, uids, lunch + timedelta(hours=2), n_badges, rng)
        finally:
            stop.touch()
            out, err = loop.communicate(timeout=300)
        overlapped = int(out.strip() or 0) if loop.returncode == 0 else 0
        if loop.returncode != 0:
            raise RuntimeError(f"the backup loop failed: {err.strip().splitlines()[-1:]}")
        engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)

    med_b, med_c = sorted(backup_s)[len(backup_s) // 2], sorted(copy_s)[len(copy_s) // 2]
    p50q, p99q, maxq = _pct(quiet, 0.5), _pct(quiet, 0.99), max(quiet)
    p50b, p99b, maxb = _pct(busy, 0.5), _pct(busy, 0.99), max(busy)
    ratio = p99b / p99q
    ok_time, ok_ratio = med_b < GOAL_BACKUP_S, ratio <= GOAL_P99_RATIO
    return f"""## Online backup of the station database (issue 9)

Replica: the demo school scaled to **{counts['person']:,} persons** with a school year of history
({counts['passage']:,} passages, {counts['reservation']:,} reservations): a **{size_mb:.1f} MB** file,
the largest a station holds in June. The backup copy is {backup_mb:.1f} MB (WAL folded in, journal mode DELETE).

| measure | `backup_database` | baseline: `copyfile` + fsync | ratio | goal |
|---|---:|---:|---:|---|
| duration, median of {runs} | {med_b * 1000:.0f} ms | {med_c * 1000:.0f} ms | {med_b / med_c:.1f}× | < {GOAL_BACKUP_S:.0f} s {'✅' if ok_time else '❌'} |

The backup costs more than a copy because it reads through SQLite (one consistent snapshot, safe while
the kiosk writes; a plain copy of a live WAL database can be torn), then runs `PRAGMA quick_check` on the copy.

Badge latency (`Recorder.badge`: decide + fsynced write) while another process, at the backup unit's
priority (nice 10, idle I/O class), backs the same file up back to back ({overlapped} backups overlapped
{n_badges} badges), against the same loop with no backup:

| badge latency | during backups | baseline: no backup | ratio | goal |
|---|---:|---:|---:|---|
| p50 | {p50b * 1000:.2f} ms | {p50q * 1000:.2f} ms | {p50b / p50q:.2f}× | |
| p99 | {p99b * 1000:.2f} ms | {p99q * 1000:.2f} ms | {ratio:.2f}× | ≤ {GOAL_P99_RATIO:.0f}× {'✅' if ok_ratio else '❌'} |
| max | {maxb * 1000:.2f} ms | {maxq * 1000:.2f} ms | {maxb / maxq:.2f}× | |

In WAL mode the backup's read snapshot never blocks the kiosk's writer; what remains is competition
for the disk and the CPU (2 cores here).
"""
