"""Family API: the booking rush and a family's calendar.

A real `plateau server` process on loopback, on a fresh SQLite database, driven over HTTP:

1. the rush: 200 families (2 children each) signed in, then 1,000 bookings spread evenly over
   60 s (what "the evening before the cutoff" looks like), each `PUT` timed from the client;
   p50/p99 and errors, against the baseline of the same number of bare reservation INSERTs,
   one transaction each, into the same database (what the storage alone costs);
2. the calendar: a family with 3 children reads each child's month (`GET .../calendar`), p95;
   and the same family's Espace Famille calendar page (`GET /famille/calendrier?enfant=…`, signed
   in through the portal's form: the month grid, the deadline words and the latest changes), p95.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import requests

from tests.support.server import running_server

UAI = "0690001F"
PASSWORD = "bench family password"


def _pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _setup(db_url: str, families: int):
    """A site, `families` families of 2 pupils (the first has 3), guardians and passwords."""
    from plateau.server import feed, store
    from plateau.server.db import Database, open_database
    from plateau.server.family import accounts
    from plateau.server.imports.runner import run_import

    db = Database(open_database(db_url))
    with db.write() as s:
        site = store.create_site(s, UAI, "Collège du banc d'essai", "Europe/Paris", "Zone A",
                                 settings={"cutoff_mode": "day_before", "cutoff_time": "00:00"})
        store.upsert_service(s, site, "dejeuner", "Déjeuner", "11:15", "13:45", "mon,tue,wed,thu,fri")
        store.upsert_tariff(s, site, "eleve", 400)
        rows = ["guardian;email;last_name;first_name;person"]
        for f in range(families):
            for k in range(3 if f == 0 else 2):
                ext = f"F{f}-{k}"
                store.upsert_person(s, site, external_id=ext, last_name=f"FAMILLE{f}", first_name=f"Enfant{k}",
                                    category="eleve", plan="reservation")
                rows.append(f"G{f};famille{f}@example.org;FAMILLE{f};Parent;{ext}")
    assert run_import(db, UAI, "guardians", ("\n".join(rows) + "\n").encode()).applied
    hashed = accounts.hash_password(PASSWORD)  # one argon2 hash for every family: setup speed only
    with db.write() as s:
        for f in range(families):
            accounts.account_for(s, f"famille{f}@example.org", feed.now()).password_hash = hashed
    return db


def _school_days(count: int) -> list[date]:
    from plateau.domain.holidays import holiday_name

    d, out = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=2), []
    while len(out) < count:
        if d.weekday() < 5 and not holiday_name(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def bench_rush(url: str, families: int, bookings: int, seconds: float) -> tuple[list[float], int]:
    api = url + "/api/v1/family"
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64))
    tokens, children = [], []
    for f in range(families):
        token = http.post(api + "/session", json={"email": f"famille{f}@example.org", "password": PASSWORD},
                          timeout=30).json()["token"]
        tokens.append(token)
        children.append([k["id"] for k in http.get(api + "/children", timeout=30,
                                                   headers={"Authorization": f"Bearer {token}"}).json()])
    days = _school_days(bookings // (2 * families) + 2)
    jobs = []
    for n in range(bookings):
        f = n % families
        kid = children[f][(n // families) % len(children[f])]
        jobs.append((tokens[f], kid, days[n // (2 * families)]))
    latencies, errors, lock = [], [0], threading.Lock()
    started = time.perf_counter()

    def one(i: int) -> None:
        token, kid, day = jobs[i]
        delay = started + i * seconds / len(jobs) - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        t0 = time.perf_counter()
        try:
            r = http.put(f"{api}/children/{kid}/reservations/{day.isoformat()}/dejeuner",
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
            ok = r.status_code == 200
        except requests.RequestException:
            ok = False
        with lock:
            latencies.append(time.perf_counter() - t0)
            errors[0] += not ok

    with ThreadPoolExecutor(max_workers=48) as pool:
        list(pool.map(one, range(len(jobs))))
    return latencies, errors[0]


def bench_bare_inserts(db, count: int) -> list[float]:
    """The same number of reservation rows, one INSERT and commit each, straight into the database."""
    from sqlalchemy import select

    from plateau.server import feed
    from plateau.server import models as m

    with db.read() as s:
        site_id = s.execute(select(m.Site.id).where(m.Site.code == UAI)).scalar_one()
        persons = list(s.execute(select(m.Person.id).where(m.Person.site_id == site_id)).scalars())
    far = date(2030, 1, 1)
    out = []
    for n in range(count):
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(m.Reservation.__table__.insert(), {
                "site_id": site_id, "person_id": persons[n % len(persons)],
                "date": (far + timedelta(days=n // len(persons))).isoformat(), "service": "dejeuner",
                "booking": str(uuid.uuid4()), "prepaid_cents": 0, "created_at": feed.now().isoformat()})
        out.append(time.perf_counter() - t0)
    return out


def bench_calendar(url: str, reads: int) -> list[float]:
    api = url + "/api/v1/family"
    token = requests.post(api + "/session", json={"email": "famille0@example.org", "password": PASSWORD},
                          timeout=30).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    kids = [k["id"] for k in requests.get(api + "/children", headers=auth, timeout=30).json()]
    assert len(kids) == 3
    out = []
    for n in range(reads):
        t0 = time.perf_counter()
        r = requests.get(f"{api}/children/{kids[n % 3]}/calendar", headers=auth, timeout=30)
        out.append(time.perf_counter() - t0)
        assert r.status_code == 200 and len(r.json()["days"]) == 31
    return out


def bench_calendar_page(url: str, reads: int) -> list[float]:
    """The portal's calendar page of each of the 3 children in turn, from a signed-in browser session."""
    import re

    http = requests.Session()
    login = http.get(url + "/famille/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)
    home = http.post(url + "/famille/login", timeout=30, data={"csrf": csrf, "email": "famille0@example.org",
                                                               "password": PASSWORD, "next": "/famille/"})
    assert home.url.endswith("/famille/"), home.text[:300]
    kids = sorted(set(re.findall(r'/famille/calendrier\?enfant=(\d+)', home.text)))
    assert len(kids) == 3
    out = []
    for n in range(reads):
        t0 = time.perf_counter()
        r = http.get(f"{url}/famille/calendrier?enfant={kids[n % 3]}", timeout=30)
        out.append(time.perf_counter() - t0)
        assert r.status_code == 200 and "data-state=" in r.text
    return out


def main(quick: bool = False) -> str:
    families, bookings, seconds, reads = (40, 200, 10, 30) if quick else (200, 1000, 60, 150)
    with TemporaryDirectory() as tmp:
        db_url = str(Path(tmp) / "family.db")
        db = _setup(db_url, families)
        with running_server(db_url) as srv:
            lat, errors = bench_rush(srv.url, families, bookings, seconds)
            cal = bench_calendar(srv.url, reads)
            page = bench_calendar_page(srv.url, reads)
        base = bench_bare_inserts(db, bookings)
        db.engine.dispose()
    return "\n".join([
        "## Family API", "",
        f"A real `plateau server` process (SQLite) on loopback; {families} families signed in, then "
        f"{bookings} bookings spread evenly over {seconds} s (`PUT /family/children/{{id}}/reservations/...`, "
        "48 client threads).", "",
        "| measure | through the family API | baseline: bare INSERT + commit of a reservation | ratio |",
        "|---|---|---|---|",
        f"| p50 | {_pct(lat, 50) * 1000:.1f} ms | {_pct(base, 50) * 1000:.1f} ms | "
        f"{_pct(lat, 50) / _pct(base, 50):.0f}x |",
        f"| p99 | {_pct(lat, 99) * 1000:.1f} ms | {_pct(base, 99) * 1000:.1f} ms | "
        f"{_pct(lat, 99) / _pct(base, 99):.0f}x |",
        f"| bookings (errors) | {len(lat)} ({errors}) | {len(base)} | |", "",
        "Goal: p99 ≤ 300 ms and no error (the rush of the evening before a cutoff). The API adds the token "
        "check, the family's children, every reservation rule, the prepaid debit in the ledger, the change "
        "log and the feed item for the stations.", "",
        "### A family's calendar (3 children, one month each)", "",
        "| measure | value |", "|---|---|",
        f"| `GET /family/children/{{id}}/calendar` p50 | {_pct(cal, 50) * 1000:.1f} ms |",
        f"| p95 | {_pct(cal, 95) * 1000:.1f} ms |",
        f"| reads | {len(cal)} |",
        f"| Espace Famille page `GET /famille/calendrier?enfant={{id}}` p50 | {_pct(page, 50) * 1000:.1f} ms |",
        f"| p95 | {_pct(page, 95) * 1000:.1f} ms |",
        f"| page reads | {len(page)} |", "",
        "Both timed from the client over loopback (server time plus a loopback round trip); the page adds "
        "the session check, the month grid, the deadline words and the latest changes to the API's answer.",
        ""])
