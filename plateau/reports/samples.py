"""Sample report pages for the documentation: a simulated lunch at the demo collège.

    python -m plateau.reports.samples docs/samples

Records a realistic lunch on the demo school's `today` with the real `Recorder` at two stations
(forfaits and bookings mostly come, some ticket pupils and teachers, absentees refused, one let
in by the manager, forgotten badges, a double badge, a cancelled passage), then writes the daily
PDF, its pages as PNG (pdftoppm, if installed), the week view and the CSV exports.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


def simulate_lunch(engine, school, seed: int = 11) -> None:
    """Record the demo school's lunch of `school.today` at stations self-1 and self-2."""
    from plateau.station.services import Recorder

    rng = random.Random(seed)
    tz = ZoneInfo("Europe/Paris")
    day = school.today
    opening = datetime(day.year, day.month, day.day, 11, 15, tzinfo=tz)
    stations = [Recorder(engine, "self-1"), Recorder(engine, "self-2")]
    booked = {d["person_id"] for d in school.of_kind("reservation") if d["date"] == day.isoformat()}
    events: list[tuple[datetime, str, int]] = []
    for pid, uid in school.cards.items():
        p = school.persons[pid]
        level = (p["class_name"] or "9")[0]
        # classes go down by level (6e first), adults come late
        centre = {"6": 0.18, "5": 0.35, "4": 0.52, "3": 0.68}.get(level, 0.8)
        come = {"forfait": 0.94, "reservation": 0.9 if pid in booked else 0.08, "ticket": 0.55}.get(p["plan"], 0)
        if pid in school.absent_today:
            come = 0.5
        if rng.random() >= come:
            continue
        at = opening + timedelta(seconds=max(0.0, min(1.0, rng.gauss(centre, 0.09))) * 2 * 3600)
        kind = "forgotten" if rng.random() < 0.02 else "badge"
        events.append((at, kind, pid))
        if rng.random() < 0.01:
            events.append((at + timedelta(seconds=rng.randint(20, 90)), "badge", pid))  # badges twice
    events.sort()
    overridden = cancelled = 0
    for n, (at, kind, pid) in enumerate(events):
        station = stations[n % 2]
        if kind == "forgotten":
            rec = station.forgotten(pid, at, staff_id=1)
        else:
            rec = station.badge(school.cards[pid], at)
        reason = str(rec.decision.reason)
        if reason == "opposition" and overridden == 0:
            station.override(rec.passage_id, 2, "Présent finalement (vu avec la vie scolaire)",
                             at + timedelta(seconds=40))
            overridden += 1
        elif reason == "insufficient_balance" and overridden == 1:
            station.override(rec.passage_id, 2, "Repas de dépannage, famille prévenue", at + timedelta(seconds=30))
            overridden += 1
        elif rec.decision.accepted and cancelled == 0 and n > 200:
            station.cancel(rec.passage_id, 1, "Badge d'un camarade passé par erreur", at + timedelta(seconds=15))
            cancelled += 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "docs/samples")
    out.mkdir(parents=True, exist_ok=True)
    from plateau.db.engine import open_replica
    from plateau.demo.school import generate, seed_replica
    from plateau.reports import csv_exports, periods
    from plateau.reports.headcount import compute
    from plateau.reports.pdf import render_daily, render_period
    from plateau.reports.replica_source import load_day, load_days

    school = generate()
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_replica(Path(tmp) / "station.db")
        seed_replica(engine, school)
        simulate_lunch(engine, school)
        with engine.connect() as conn:
            data = load_day(conn, school.today)
            first, last = periods.week_bounds(school.today)
            week = load_days(conn, first, last)
            ahead = load_days(conn, school.today + timedelta(days=1), school.today + timedelta(days=14),
                              passages=False)
        engine.dispose()
    hc = compute(data)
    stamp = datetime(2026, 11, 23, 14, 5, tzinfo=ZoneInfo("Europe/Paris"))
    render_daily(hc, out / "effectifs-du-jour.pdf", generated_at=stamp)
    view = periods.period_view(periods.period_title("week", first, last), [compute(d) for d in week],
                                today=school.today)
    render_period(view, hc.site_name, out / "semaine.pdf")
    (out / "passages-du-jour.csv").write_bytes(csv_exports.passages_csv(data))
    (out / "absents-du-jour.csv").write_bytes(csv_exports.no_shows_csv(hc))
    (out / "prevision-cuisine.csv").write_bytes(csv_exports.forecast_csv(periods.forecast(ahead)))
    if shutil.which("pdftoppm"):
        for old in out.glob("effectifs-du-jour-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "90", "-png", str(out / "effectifs-du-jour.pdf"),
                        str(out / "effectifs-du-jour")], check=True, timeout=120)
        subprocess.run(["pdftoppm", "-r", "90", "-png", "-singlefile", str(out / "semaine.pdf"),
                        str(out / "semaine")], check=True, timeout=120)
    print(f"expected {hc.totals.expected}, served {hc.totals.served}, no-shows {hc.totals.no_shows}, "
          f"refusals {hc.totals.refusals}, overrides {hc.totals.overrides} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
