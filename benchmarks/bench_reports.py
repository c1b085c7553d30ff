"""Reports: a day of 1,500 passages on a 3,000-person site -> headcount, PDF and CSV.

The day is written into a real replica file as two stations' passages (as the sync daemon
stores them). Baseline, measured in the same run: the bare SQL fetch of the day's rows
(persons and passages) that any report must at least do. Goal: the whole report (load,
compute, PDF, both CSV files) in under 2 s.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

GOAL_SECONDS = 2.0


def _day_passages(school, count: int, rng: random.Random) -> list[dict]:
    """`count` passages of the demo school's `today`: mostly served, some refusals, overrides, cancels."""
    tz = ZoneInfo("Europe/Paris")
    day = school.today
    people = [pid for pid in school.cards if pid not in school.absent_today]
    rng.shuffle(people)
    start = datetime(day.year, day.month, day.day, 11, 15, tzinfo=tz)
    out: list[dict] = []

    def passage(pid, at, **kw):
        p = {"id": str(uuid.UUID(int=rng.getrandbits(128))), "station": rng.choice(("self-1", "self-2")),
             "at": at.isoformat(), "local_date": day.isoformat(), "service": "dejeuner",
             "card_uid": school.cards.get(pid), "person_id": pid, "kind": "badge", "accepted": True, "reason": "ok",
             "price_cents": 0, "balance_after_cents": None, "staff_id": None, "motive": None, "ref": None,
             "warnings": []}
        p.update(kw)
        out.append(p)
        return p

    i = 0
    while len(out) < count:
        pid = people[i % len(people)]
        i += 1
        at = start + timedelta(seconds=int(rng.betavariate(2, 4) * 2.2 * 3600))
        roll = rng.random()
        if roll < 0.06:
            refused = passage(pid, at, accepted=False, reason=rng.choice(
                ("no_reservation", "insufficient_balance", "already_served", "not_registered_today")))
            if roll < 0.015:
                passage(pid, at + timedelta(seconds=20), kind="override", staff_id=1, motive="Accord gestionnaire",
                        ref=refused["id"])
        else:
            served = passage(pid, at)
            if roll > 0.995:
                passage(pid, at + timedelta(seconds=30), kind="cancel", staff_id=1, motive="Erreur", ref=served["id"])
    return out[:count]


def _build(folder: Path, persons: int, passages: int):
    from plateau.db.engine import open_replica
    from plateau.db.replica import apply_changes
    from plateau.demo.school import generate, seed_replica
    from plateau.sync.protocol import Change

    school = generate(pupils=persons - 60, commensals=60)
    engine = open_replica(folder / "station.db")
    seed_replica(engine, school)
    rows = _day_passages(school, passages, random.Random(7))
    with engine.begin() as conn:
        apply_changes(conn, [Change(n + 1, "passage", "upsert", p["id"], p) for n, p in enumerate(rows)])
    return school, engine


def _timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(quick: bool = False) -> str:
    from plateau.reports import csv_exports
    from plateau.reports.headcount import compute
    from plateau.reports.pdf import render_daily
    from plateau.reports.replica_source import load_day

    persons, passages = (600, 300) if quick else (3000, 1500)
    runs = 1 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        school, engine = _build(folder, persons, passages)
        day = school.today

        def baseline():
            with engine.connect() as conn:
                a = conn.execute(text("SELECT * FROM person")).all()
                b = conn.execute(text("SELECT * FROM passage WHERE local_date = :d"), {"d": day.isoformat()}).all()
            return len(a), len(b)

        def load():
            with engine.connect() as conn:
                return load_day(conn, day)

        t_base, (n_persons, n_passages) = _timed(baseline, runs)
        t_load, data = _timed(load, runs)
        t_compute, hc = _timed(lambda: compute(data), runs)
        t_pdf, _ = _timed(lambda: render_daily(hc, folder / "jour.pdf"), runs)
        t_csv, _ = _timed(lambda: (csv_exports.passages_csv(data), csv_exports.no_shows_csv(hc)), runs)

        def whole():
            d = load()
            h = compute(d)
            render_daily(h, folder / "jour.pdf")
            (folder / "passages.csv").write_bytes(csv_exports.passages_csv(d))
            (folder / "absents.csv").write_bytes(csv_exports.no_shows_csv(h))

        t_total, _ = _timed(whole, runs)
        pages = (folder / "jour.pdf").read_bytes().count(b"/Type /Page\n") or \
            (folder / "jour.pdf").read_bytes().count(b"/Type /Page")
        engine.dispose()
    t = hc.totals
    verdict = "met" if t_total < GOAL_SECONDS else "MISSED"
    return "\n".join([
        "## Reports: daily headcount, PDF and CSV",
        "",
        f"A day of {n_passages:,} passages (two stations) on a {n_persons:,}-person site, in a real replica file: "
        f"expected {t.expected:,}, served {t.served:,}, no-shows {t.no_shows:,}, refusals {t.refusals:,}, "
        f"overrides {t.overrides}; the PDF has {pages} pages. Median of {runs} run(s).",
        "",
        "| step | time (ms) | vs baseline |",
        "|---|---:|---:|",
        f"| baseline: bare SQL fetch of the day's persons and passages | {t_base * 1000:.1f} | 1.0× |",
        f"| `load_day` (replica → DayData) | {t_load * 1000:.1f} | {t_load / t_base:.1f}× |",
        f"| `compute` (headcount) | {t_compute * 1000:.1f} | {t_compute / t_base:.1f}× |",
        f"| PDF (`render_daily`) | {t_pdf * 1000:.1f} | {t_pdf / t_base:.1f}× |",
        f"| CSV (passages + no-shows) | {t_csv * 1000:.1f} | {t_csv / t_base:.1f}× |",
        f"| **whole report** (load + compute + PDF + 2 CSV files) | **{t_total * 1000:.1f}** | "
        f"{t_total / t_base:.1f}× |",
        "",
        f"Goal: whole report under {GOAL_SECONDS:.0f} s — **{verdict}** ({t_total:.2f} s).",
    ])
