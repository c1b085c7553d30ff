"""`make bench` (c) of issue 15: a new station's first sync on a site with months of passages,
the whole feed (stations before the snapshot, `[server] first_sync = "feed"`) against the
snapshot, side by side in one run, for two history lengths.

The server is the sync benchmark's demo school, bulk-seeded (`sync_seed.bulk_seed`), plus
`days` school days of lunches ending today: every pupil with a card passes once a day, each
passage a row and a feed item, as a real site's feed holds them (compaction keeps passages).
Each first sync is a real `plateau sync --once` from an empty replica (the snapshot's: the median
of three new stations); the baseline is fetching the same snapshot pages without validating or
applying them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

CHUNK = 20_000


def add_lunches(db_url: str, school, days: int, last_day: date) -> int:
    """Add `days` school days (weekdays) of lunches ending on `last_day`; return the feed head."""
    from sqlalchemy import insert, select, update

    from plateau.server import models as m
    from plateau.server.db import Database, open_database

    tz = ZoneInfo("Europe/Paris")
    cards = sorted(school.cards.items())
    day_list, d = [], last_day
    while len(day_list) < days:
        if d.weekday() < 5:
            day_list.append(d)
        d -= timedelta(days=1)
    db = Database(open_database(db_url))
    try:
        with db.write() as s:
            site = s.execute(select(m.Site)).scalars().first()
            seq = site.feed_seq
            rows, feed_rows = [], []

            def flush():
                s.execute(insert(m.Passage), rows)
                s.execute(insert(m.Change), feed_rows)
                rows.clear()
                feed_rows.clear()

            received = datetime.now(timezone.utc)
            for day in sorted(day_list):
                start = datetime.combine(day, dtime(11, 30), tz)
                for i, (person, uid) in enumerate(cards):
                    at = start + timedelta(seconds=2 * i)
                    wire = {"id": str(uuid.uuid4()), "station": f"self-{1 + i % 2}", "at": at.isoformat(),
                            "local_date": day.isoformat(), "service": "dejeuner", "card_uid": uid,
                            "person_id": person, "kind": "badge", "accepted": True, "reason": "ok",
                            "price_cents": 0, "balance_after_cents": None, "staff_id": None, "motive": None,
                            "ref": None, "warnings": [], "medium": "card"}
                    rows.append(dict(wire, site_id=site.id, at=at, local_date=day, received_at=received))
                    seq += 1
                    feed_rows.append({"site_id": site.id, "seq": seq, "kind": "passage", "op": "upsert",
                                      "key": wire["id"], "data": wire, "at": received})
                    if len(rows) >= CHUNK:
                        flush()
            if rows:
                flush()
            s.execute(update(m.Site).where(m.Site.id == site.id).values(feed_seq=seq))
        return seq
    finally:
        db.engine.dispose()


def _download_snapshot(url: str, token: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows, params = 0, {"limit": 1000}
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        while True:
            body = http.get(f"{url}/api/v1/sync/snapshot", params=params, timeout=60).json()
            rows += len(body["rows"])
            if not body["more"]:
                return time.perf_counter() - started, rows
            params = {"limit": 1000, "cursor": body["cursor"], "day": body["day"], "after": body["after"]}


def measure(tmp: Path, template: Path, school, days: int, ms) -> tuple:
    """One history length: (row of the table, figures)."""
    from tests.integration.sync.harness import Station, add_station
    from tests.support.server import running_server

    folder = tmp / f"history-{days}"
    folder.mkdir()
    db_url = str(folder / "server.db")
    shutil.copy(template, db_url)
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    t = time.perf_counter()
    head = add_lunches(db_url, school, days, today)
    seeded = time.perf_counter() - t
    with running_server(db_url) as srv:
        timings = {}
        # the snapshot first (the whole feed's long read would warm the server's caches for it),
        # three new stations and their median: this machine is shared, a single run is noisy
        for way, runs in (("snapshot", 3), ("feed", 1)):
            took = []
            for run in range(runs):
                token = add_station(db_url, f"new-{way}-{run}")
                st = Station(folder / f"{way}-{run}", f"new-{way}-{run}", srv.url, token, first_sync=way)
                t = time.perf_counter()
                st.sync_once(timeout=1200)
                took.append(time.perf_counter() - t)
                timings[f"{way}_passages"] = st.scalar("SELECT count(*) FROM passage")
            timings[way] = sorted(took)[len(took) // 2]
            if way == "snapshot":
                download, rows = _download_snapshot(srv.url, token)
    passages = days * len(school.cards)
    row = (f"{days} school days ({passages:,} passages, {head:,} feed items)",
           ms(timings["feed"]), ms(timings["snapshot"]), f"{rows:,} rows, {timings['snapshot_passages']:,} passages",
           ms(download), f"{timings['feed'] / timings['snapshot']:.0f}×", "≤ 20 s",
           "✅" if timings["snapshot"] <= 20 else "❌")
    return row, dict(timings, seeded=seeded, head=head)


def _ms(v: float) -> str:
    return f"{v * 1000:.0f} ms" if v < 10 else f"{v:.1f} s"


def main(quick: bool = False) -> str:
    """The markdown section for docs/benchmarks.md."""
    ROOT = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="plateau-bench-first-sync-"))
    try:
        return section(tmp, quick, _ms)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def section(tmp: Path, quick: bool, ms) -> str:
    from benchmarks.sync_seed import bulk_seed
    from plateau.demo.school import generate

    pupils = 600 if quick else 3000
    lengths = (10, 40) if quick else (20, 175)
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    school = generate(pupils=pupils, today=today)
    template = tmp / "history-template.db"
    bulk_seed(str(template), school)
    rows = [measure(tmp, template, school, days, ms)[0] for days in lengths]
    out = ["## A new station's first sync on a site with months of passages", "",
           f"The demo school at {len(school.persons):,} persons (reservations of the whole year), plus "
           "every pupil with a card passing once each school day, ending today. `plateau sync --once` from an "
           "empty replica: before, the whole change feed (`[server] first_sync = \"feed\"`, what stations did "
           "until now); after, the snapshot of the current state then the feed from its cursor (median of three new "
           "stations). Baseline: fetching the same snapshot pages without applying them. "
           f"Load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine).", "",
           "| history | before: whole feed | after: snapshot + feed | what the snapshot brought | "
           "baseline: snapshot download only | before / after | goal | |",
           "|---|---|---|---|---|---|---|---|"]
    out += [f"| {' | '.join(r)} |" for r in rows]
    out += ["", "The snapshot's time does not grow with the history: it reads the persons, cards, balances, "
            "the reservations and menus from today on, the oppositions not ended and the passages from the "
            "day before on (the station asks a day early, not knowing its site's time zone yet)."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
