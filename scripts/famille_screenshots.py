"""Screenshots of every Espace Famille page at phone size (390×844), into a folder
(`make screenshots-famille`).

    python scripts/famille_screenshots.py docs/screenshots/famille [--lang fr|en]

Starts a real `plateau server` on loopback over a throwaway SQLite file holding the web tests'
small demo school and families (tests/web/famille_world.py), with a few passages at a station
(`plateau pass` + `plateau sync --once`), this week's menus, bookings made through the portal's
own forms, an online top-up confirmed by the dummy provider and three messages from the school
written in the office's form; then Debian's headless chromium
takes each page, whole (up to 2,400 px tall). Needs the test extra and chromium + chromium-driver.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHONE = (390, 844)
MAX_HEIGHT = 2400
MENUS = ("Carottes râpées — Poulet basquaise, riz — Yaourt", "Potage — Poisson pané, haricots verts — Pomme",
         "Salade de lentilles — Lasagnes — Fromage blanc", "Betteraves — Omelette, frites — Compote",
         "Taboulé — Rôti de porc ou de dinde, petits pois — Flan")


def _shoot(driver, path: Path) -> None:
    from tests.support.browser import resize

    w, h = PHONE
    resize(driver, w, h)
    full = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    resize(driver, w, max(h, min(MAX_HEIGHT, full)))
    driver.save_screenshot(str(path))
    resize(driver, w, h)


def _world(srv, env, folder: Path) -> None:
    """Passages, menus, bookings and a credited top-up, through the real interfaces."""
    import requests

    from plateau.server import store, store_days
    from plateau.server.db import Database, open_database
    from tests.integration.sync.harness import Station, add_station
    from tests.web.conftest import UAI, csrf_of
    from tests.web.famille_world import bookable_days

    tz = ZoneInfo("Europe/Paris")
    today = datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())
    db = Database(open_database(env.db_url))
    with db.write() as s:
        site = store.get_site(s, UAI)
        for i, text in enumerate(MENUS):
            store_days.upsert_menu(s, site, monday + timedelta(days=i), "dejeuner", text)
        store.set_settings(s, site, {"phone_badge": "true"})
    db.engine.dispose()
    station = Station(folder / "self-1", "self-1", srv.url, add_station(env.db_url, "self-1"), wait_seconds=1)
    station.sync_once()
    for back in range(1, 15):
        day = today - timedelta(days=back)
        if day.weekday() < 5:
            at = f"{day.isoformat()}T12:{10 + back:02d}:00"
            station.passage(env.school.cards[env.second_pupil], at) if env.second_pupil in env.school.cards else None
            if back in (1, 6):
                station.passage(env.school.cards[env.booked_pupil], at)
    station.sync_once()
    http = env.session()
    page = http.get(f"{srv.url}/famille/calendrier?enfant={env.booked_pupil}", timeout=30).text
    csrf, days = csrf_of(page), bookable_days(page)
    for day in days[:6]:
        http.post(f"{srv.url}/famille/reservation", timeout=30, data={"csrf": csrf, "enfant": env.booked_pupil,
                                                                      "date": day, "service": "dejeuner",
                                                                      "action": "book"})
    http.post(f"{srv.url}/famille/reservation", timeout=30, data={"csrf": csrf, "enfant": env.booked_pupil,
                                                                  "date": days[2], "service": "dejeuner",
                                                                  "action": "cancel"})
    started = http.post(f"{srv.url}/famille/rechargement", timeout=30,
                        data={"csrf": csrf, "enfant": env.booked_pupil, "amount": "30"}).text
    reference = re.search(r'data-reference="([^"]+)"', started).group(1)
    requests.post(f"{srv.url}/api/v1/family/top-ups/{UAI}/notify", timeout=30,
                  data={"transaction_id": reference, "ok": "1", "signed": "1", "amount": "30.00"})
    _messages(srv, env, http, today)


def _messages(srv, env, family, today) -> int:
    """Three messages written in the office's form (to everybody, to a class, to a pupil); the
    family opens the oldest. Returns the id of the newest, for its own screenshot."""
    import requests

    from tests.web.conftest import csrf_of, sign_in

    office = requests.Session()
    sign_in(office, srv.url, "vie.scolaire@college.example.org", "bureau-vie_scolaire-2026")
    klass = env.school.persons[env.booked_pupil]["class_name"]
    ids = []
    for title, body, days, extra in (
            ("Photos de classe", "Les photos de classe auront lieu la semaine prochaine.\nLe photographe "
             "passera dans chaque classe le matin.", 6, {}),
            ("Repas de Noël au restaurant scolaire", "Madame, Monsieur,\n\nLe dernier jeudi avant les vacances, "
             "le restaurant scolaire servira le repas de Noël. Pour les élèves au ticket ou à la réservation, ce "
             "repas se réserve comme les autres, avant l'heure limite habituelle.\n\nBonnes fêtes de fin "
             "d'année,\nLe service de gestion", 2, {}),
            (f"Sortie pédagogique des {klass} : pique-nique fourni", f"Bonjour,\n\nLes élèves de {klass} partent en "
             "sortie pédagogique la semaine prochaine. Les demi-pensionnaires recevront un pique-nique préparé "
             "par la cuisine : inutile d'annuler le repas de ce jour-là.\n\nLa vie scolaire", 0,
             {"audience": "classes", "classes": [klass]})):
        page = office.get(f"{srv.url}/office/messages/new", timeout=30).text
        done = office.post(f"{srv.url}/office/messages", timeout=30, data={
            "csrf": csrf_of(page), "title": title, "body": body, "audience": "site",
            "publish_on": (today - timedelta(days=days)).isoformat(), **extra})
        ids.append(max(int(x) for x in re.findall(r'<tr data-message="(\d+)">', done.text)))
    family.get(f"{srv.url}/famille/messages/{ids[0]}", timeout=30)
    return ids[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", default="fr", choices=("fr", "en"))
    args = parser.parse_args(argv)
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.support.browser import available, chromium
    from tests.support.server import running_server
    from tests.web.conftest import PASSWORD as OFFICE_PASSWORD
    from tests.web.famille_world import PASSWORD, TEST_FAMILY, FamilleEnv, build

    def office_password(role: str) -> str:
        return OFFICE_PASSWORD.format(role=role)

    why = available()
    if why:
        raise SystemExit(f"famille screenshots: {why}")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="plateau-famille-shots-") as tmp:
        folder = Path(tmp)
        db_url = str(folder / "server.db")
        school, booked, second, other = build(db_url)
        with running_server(db_url) as srv:
            env = FamilleEnv(srv.url, db_url, school, booked, second, other)
            _world(srv, env, folder)
            driver = chromium(*PHONE, lang="fr-FR" if args.lang == "fr" else "en-GB")
            lang = f"lang={args.lang}"
            try:
                shots = []
                for name, path in (("login", "/famille/login"), ("activation", "/famille/activer"),
                                   ("mot-de-passe-oublie", "/famille/mot-de-passe-oublie")):
                    driver.get(f"{srv.url}{path}?{lang}")
                    shots.append(name)
                    _shoot(driver, args.out / f"{name}.png")
                driver.get(f"{srv.url}/famille/login?{lang}")
                driver.find_element("css selector", "input[name=email]").send_keys(TEST_FAMILY)
                driver.find_element("css selector", "input[name=password]").send_keys(PASSWORD)
                driver.find_element("css selector", "form button[type=submit]").click()
                for name, path in (("accueil", "/famille/"), ("calendrier", f"/famille/calendrier?enfant={booked}"),
                                   ("passages", f"/famille/passages?enfant={second}"),
                                   ("mouvements", f"/famille/mouvements?enfant={booked}"),
                                   ("menus", f"/famille/menus?enfant={booked}"), ("compte", "/famille/compte"),
                                   ("rechargement", f"/famille/rechargement?enfant={booked}"),
                                   ("messages", "/famille/messages")):
                    driver.get(f"{srv.url}{path}{'&' if '?' in path else '?'}{lang}")
                    shots.append(name)
                    _shoot(driver, args.out / f"{name}.png")
                driver.find_element("css selector", "#messages li.unread a").click()
                driver.find_element("css selector", ".message-body")
                shots.append("message")
                _shoot(driver, args.out / "message.png")
                # the phone badge, put on this "phone" through the page's own button
                driver.get(f"{srv.url}/famille/badge/?enfant={booked}&{lang}")
                driver.find_element("css selector", "#turn-on").click()
                WebDriverWait(driver, 15, poll_frequency=0.1).until(
                    lambda d: d.execute_script("return document.documentElement.dataset.offline") == "ready")
                shots.append("badge-telephone")
                _shoot(driver, args.out / "badge-telephone.png")
                driver.get(f"{srv.url}/famille/calendrier?enfant={second}&{lang}")
                driver.find_element("css selector", "details.pattern summary").click()
                for weekday in ("mon", "thu"):
                    driver.find_element("css selector", f"input[name=jour_{weekday}]").click()
                driver.find_element("css selector", "details.pattern button[type=submit]").click()
                driver.find_element("css selector", "#pattern-result")
                shots.append("semaine")
                _shoot(driver, args.out / "semaine.png")
                driver.get(f"{srv.url}/famille/rechargement?enfant={booked}&{lang}")
                driver.find_element("css selector", "input[name=amount]").send_keys("20")
                driver.find_element("css selector", "#topup-form button[type=submit]").click()
                driver.find_element("css selector", "#pay")
                shots.append("rechargement-paiement")
                _shoot(driver, args.out / "rechargement-paiement.png")
                reference = driver.find_element("css selector", "#pay").get_attribute("data-reference")
                driver.get(f"{srv.url}/api/v1/family/top-ups/0691234X/return?transaction_id={reference}&ok=1"
                           f"&signed=1&amount=20.00&{lang}")  # the dummy provider's answer, as a bank sends it
                shots.append("retour-paiement")
                _shoot(driver, args.out / "retour-paiement.png")
                # the office's side: the day's online payments (signed in as the gestionnaire)
                driver.delete_all_cookies()
                driver.get(f"{srv.url}/office/login?{lang}")
                driver.find_element("css selector", "input[name=email]").send_keys("gestionnaire@college.example.org")
                driver.find_element("css selector", "input[name=password]").send_keys(office_password("gestionnaire"))
                driver.find_element("css selector", "form button[type=submit]").click()
                driver.find_element("css selector", "header.top")
                driver.get(f"{srv.url}/office/online-payments?{lang}")
                shots.append("bureau-paiements-en-ligne")
                _shoot(driver, args.out / "bureau-paiements-en-ligne.png")
                driver.get(f"{srv.url}/office/messages?{lang}")
                shots.append("bureau-messages")
                _shoot(driver, args.out / "bureau-messages.png")
            finally:
                driver.quit()
    print(f"{len(shots)} screenshots in {args.out}: {', '.join(shots)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
