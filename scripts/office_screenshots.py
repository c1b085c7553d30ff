"""Screenshots of every office page, at 1280×900 and 390×844, into a folder (`make screenshots-office`).

    python scripts/office_screenshots.py docs/screenshots/office [--lang fr|en]

Starts a real `plateau server` on loopback over a throwaway SQLite file holding a small demo
school whose "today" is the real today, a station that badges a few dozen pupils through
`plateau pass` + `plateau sync --once`, and office changes made through the pages' own forms
(a desk payment, an opposition, an import); then Debian's headless chromium takes each page,
whole (up to 2,400 px tall). Needs the test extra (selenium) and chromium + chromium-driver.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = (("today", "/office/"), ("persons", "/office/persons"),
         ("persons-search", "/office/persons?q=eloise"), ("person", "/office/persons/{person}"),
         ("absences", "/office/oppositions"),
         ("imports", "/office/imports"), ("import-preview", "{preview}"), ("menus", "/office/menus"),
         ("bookings", "/office/bookings"), ("messages", "/office/messages"), ("message", "/office/messages/{message}"),
         ("reports", "/office/reports"), ("settings", "/office/settings"),
         ("stations", "/office/stations"), ("staff", "/office/staff"), ("audit", "/office/audit"))
MAX_HEIGHT = 2400


def _shoot(driver, path: Path, width: int, height: int) -> None:
    from tests.support.browser import resize

    resize(driver, width, height)
    full = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    resize(driver, width, max(height, min(MAX_HEIGHT, full)))
    driver.save_screenshot(str(path))
    resize(driver, width, height)


def _kiosk_reader_ready(replica: Path) -> None:
    """What a running kiosk keeps in its replica: the sync daemon reports the reader to the office."""
    from plateau.db.engine import open_replica
    from plateau.db.kiosk import record_reader_state

    engine = open_replica(replica)
    try:
        record_reader_state(engine, "ready")
    finally:
        engine.dispose()


def _prepare(folder: Path, today: date):
    import requests

    from plateau.demo.school import generate
    from plateau.server import accounts, audit
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes
    from tests.integration.sync.harness import Station, add_station
    from tests.web.conftest import csrf_of, sign_in

    school = generate(pupils=180, commensals=20, today=today)
    db_url = str(folder / "server.db")
    db = Database(open_database(db_url))
    with db.write() as s:
        seed_changes(s, school.changes)
        accounts.add_user(s, audit.CLI, "direction@college.example.org", "Mme Directrice", "admin",
                          [school.of_kind("site")[0]["code"]], "capture-d-ecran-2026")
    db.engine.dispose()
    return school, db_url, Station, add_station, requests, csrf_of, sign_in


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", default="fr", choices=("fr", "en"))
    args = parser.parse_args(argv)
    from tests.support.browser import SIZES, available, chromium
    from tests.support.server import running_server

    why = available()
    if why:
        raise SystemExit(f"office screenshots: {why}")
    args.out.mkdir(parents=True, exist_ok=True)
    tz = ZoneInfo("Europe/Paris")
    today = datetime.now(tz).date()
    with tempfile.TemporaryDirectory(prefix="plateau-office-shots-") as tmp:
        folder = Path(tmp)
        school, db_url, Station, add_station, requests, csrf_of, sign_in = _prepare(folder, today)
        with running_server(db_url) as srv:
            station = Station(folder / "self-1", "self-1", srv.url, add_station(db_url, "self-1"), wait_seconds=1)
            _kiosk_reader_ready(station.db)
            station.sync_once()
            rng = random.Random(3)
            eaters = [p for p in sorted(school.cards) if school.persons[p]["status"] == "active"]
            start = datetime.combine(today, time(11, 20))
            for i, pupil in enumerate(rng.sample(eaters, 45)):
                at = start + timedelta(seconds=i * 95 + rng.randrange(60))
                station.passage(school.cards[pupil], at.isoformat())
            station.passage("DEADBEEF", (start + timedelta(minutes=30)).isoformat())  # an unknown badge
            station.sync_once()
            http = requests.Session()
            sign_in(http, srv.url, "direction@college.example.org", "capture-d-ecran-2026")
            person = next(p for p in eaters if school.persons[p]["plan"] == "ticket")
            page = http.get(f"{srv.url}/office/persons/{person}", timeout=30).text
            csrf = csrf_of(page)
            http.post(f"{srv.url}/office/persons/{person}/payments", timeout=30,
                      data={"csrf": csrf, "amount": "25,00", "means": "cheque", "reference": "1234567"})
            http.post(f"{srv.url}/office/persons/{person}/oppositions", timeout=30,
                      data={"csrf": csrf, "first": (today + timedelta(days=7)).isoformat(),
                            "last": (today + timedelta(days=8)).isoformat(), "motive": "sortie scolaire",
                            "source": "absence"})
            csv = ("person;last_name;first_name;category;class;plan\n"
                   "ADU-9001;ÉTIENNE;Zoé;commensal;;ticket\nADU-9002;Durand;Paul;commensal;;forfait:lun\n")
            preview = http.post(f"{srv.url}/office/imports/preview", data={"csrf": csrf, "kind": "persons"},
                                files={"file": ("adultes.csv", csv.encode())}, timeout=30).url
            klass = school.persons[person]["class_name"] or "6eA"
            new = http.get(f"{srv.url}/office/messages/new", timeout=30).text
            http.post(f"{srv.url}/office/messages", timeout=30, data={
                "csrf": csrf_of(new), "title": "Repas de Noël au restaurant scolaire", "audience": "site",
                "publish_on": (today - timedelta(days=2)).isoformat(),
                "body": "Madame, Monsieur,\n\nLe dernier jeudi avant les vacances, le restaurant scolaire servira "
                        "le repas de Noël.\n\nLe service de gestion"})
            listed = http.post(f"{srv.url}/office/messages", timeout=30, data={
                "csrf": csrf_of(new), "title": f"Sortie pédagogique des {klass} : pique-nique fourni",
                "audience": "classes", "classes": klass, "publish_on": today.isoformat(),
                "ends_on": (today + timedelta(days=30)).isoformat(),
                "body": f"Bonjour,\n\nLes élèves de {klass} partent en sortie la semaine prochaine : la cuisine "
                        "prépare un pique-nique.\n\nLa vie scolaire"}).text
            message = max(int(x) for x in re.findall(r'<tr data-message="(\d+)">', listed))
            driver = chromium(*SIZES["desktop"])
            try:
                written = 0
                for size, (w, h) in SIZES.items():
                    driver.delete_all_cookies()
                    driver.get(f"{srv.url}/office/login?lang={args.lang}")
                    _shoot(driver, args.out / f"{w}x{h}-{args.lang}-login.png", w, h)
                    driver.find_element("css selector", "input[name=email]").send_keys(
                        "direction@college.example.org")
                    driver.find_element("css selector", "input[name=password]").send_keys("capture-d-ecran-2026")
                    driver.find_element("css selector", "form button[type=submit]").click()
                    for name, path in PAGES:
                        url = path.format(person=person, preview=preview, message=message)
                        driver.get(url if url.startswith("http") else srv.url + url)
                        _shoot(driver, args.out / f"{w}x{h}-{args.lang}-{name}.png", w, h)
                        written += 1
                print(f"{written + len(SIZES)} office screenshots in {args.out}")
            finally:
                driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
