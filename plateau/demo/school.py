"""A realistic demo collège, generated deterministically from a seed.

About 650 pupils in 24 classes (6e to 3e), 60 commensals, forfaits of 4 and 5 days, ticket
pupils, a few reservation-plan pupils with a school year of bookings, some oppositions, and
the closures of the school's zone from the official calendar shipped in `demo/data/`.

The school is produced as change-feed items (`plateau.sync.protocol` kinds), so the same
data seeds a station replica (`seed_replica`) and the central server.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from plateau.domain.holidays import public_holidays
from plateau.domain.school_calendar import Holiday, read_official_csv

CALENDAR_CSV = Path(__file__).with_name("data") / "fr-en-calendrier-scolaire.csv"

UAI = "0691234X"
SITE_NAME = "Collège Jean Moulin"
TIMEZONE = "Europe/Paris"
ZONE = "Zone A"

LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy "
    "Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre "
    "Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin "
    "Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire "
    "Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud "
    "Martínez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine "
    "Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq "
    "Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sánchez Dupuis Moulin Louis "
    "Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot "
    "Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez "
    "Le_Gall Lebon Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Le_Roux Leduc Cousin Germain Breton Besson "
    "Langlois Rémy Le_Goff Lefort Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon "
    "Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin Poulain Tessier Chevallier "
    "Collin Chauvin Da_Silva Dias Bouchet Gay Lemaître Bénard Marécha Humbert Reynaud Antoine Hoarau Perret "
    "Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte Diallo Traoré Nguyen "
    "Benali Haddad Kaya Yilmaz Mendes Ferreira Costa Ribeiro").split()
# "_" joins the words of a compound surname (Le Gall, Da Silva); each one takes the place of
# the two words the list had before, so the generator draws exactly the same random numbers
LAST_NAMES = tuple(name.replace("_", " ") for name in LAST_NAMES)
FIRST_NAMES = (
    "Gabriel Léo Raphaël Louis Arthur Jules Adam Maël Lucas Hugo Noah Liam Sacha Gabin Nathan Aaron Mohamed "
    "Paul Tom Éthan Timéo Mathis Théo Axel Léon Marius Victor Nino Malo Isaac Ayden Eden Robin Yanis Naël "
    "Jade Louise Emma Alice Ambre Lina Rose Chloé Mia Léa Anna Mila Julia Inès Léna Agathe Juliette Zoé "
    "Lou Jeanne Camille Lucie Eva Sarah Manon Romane Nina Iris Margaux Adèle Sofia Clémence Yasmine Maëlys "
    "Céleste Lola Salomé Capucine Apolline Assia Elsa Héloïse Anaïs Aya Lya Océane").split()

LEVELS = ("6e", "5e", "4e", "3e")
DIVISIONS = "ABCDEF"


@dataclass
class DemoSchool:
    """The generated school: change-feed items by kind, plus handy lists for scenarios."""

    changes: list[tuple[str, dict]] = field(default_factory=list)
    cards: dict[int, str] = field(default_factory=dict)          # person id -> canonical UID
    persons: dict[int, dict] = field(default_factory=dict)
    absent_today: list[int] = field(default_factory=list)        # persons in opposition on `today`
    holidays: list[Holiday] = field(default_factory=list)
    today: date = date(2026, 11, 23)

    def add(self, kind: str, data: dict) -> None:
        self.changes.append((kind, data))

    def of_kind(self, kind: str) -> list[dict]:
        return [d for k, d in self.changes if k == kind]


def school_days(first: date, last: date, holidays: list[Holiday], weekdays=frozenset({0, 1, 2, 3, 4})):
    closed = set()
    for h in holidays:
        d = h.first_day
        while d <= h.last_day:
            closed.add(d)
            d += timedelta(days=1)
    d = first
    while d <= last:
        if d.weekday() in weekdays and d not in closed and d not in public_holidays(d.year):
            yield d
        d += timedelta(days=1)


def _uid(rng: random.Random, used: set[str]) -> str:
    while True:
        n = 7 if rng.random() < 0.3 else 4
        raw = bytes([0x04] + [rng.randrange(256) for _ in range(n - 1)]) if n == 7 else \
            bytes(rng.randrange(256) for _ in range(n))
        uid = raw.hex().upper()
        if uid not in used:
            used.add(uid)
            return uid


def generate(*, pupils: int = 650, commensals: int = 60, seed: int = 2026,
             today: date = date(2026, 11, 23), year_start: date = date(2026, 9, 1),
             year_end: date = date(2027, 7, 2)) -> DemoSchool:
    """Build the demo school. `pupils` scales it (benchmarks use 3,000 persons)."""
    rng = random.Random(seed)
    school = DemoSchool(today=today)
    school.holidays = [h for h in read_official_csv(CALENDAR_CSV, ZONE)
                       if h.last_day >= year_start - timedelta(days=60) and h.first_day <= year_end + timedelta(days=60)]
    school.add("site", {"code": UAI, "name": SITE_NAME, "timezone": TIMEZONE, "zone": ZONE, "settings": {
        "overdraft_cents": "0", "low_balance_cents": "800", "category.commensal.overdraft_cents": "1000",
        "category.eleve-ticket.overdraft_cents": "400", "category.eleve-ticket.max_meals_on_credit": "1",
        "cutoff_mode": "day_before", "cutoff_time": "00:00"}})
    school.add("service", {"code": "dejeuner", "label": "Déjeuner", "start": "11:15", "end": "13:45",
                           "weekdays": "mon,tue,wed,thu,fri"})
    for category, price, label in (("eleve", 395, "Élève (forfait)"), ("eleve-ticket", 420, "Élève au ticket"),
                                   ("commensal", 520, "Commensal (indice < 466)"),
                                   ("commensal-sup", 640, "Commensal (indice ≥ 466)"),
                                   ("passager", 750, "Passager")):
        school.add("tariff", {"category": category, "price_cents": price, "label": label})
    for h in school.holidays:
        school.add("closure", {"id": h.key, "first_day": h.first_day.isoformat(), "last_day": h.last_day.isoformat(),
                               "label": h.label, "source": "calendar"})

    used: set[str] = set()
    classes = [f"{lvl}{div}" for lvl in LEVELS for div in DIVISIONS]
    days = list(school_days(year_start, year_end, school.holidays))
    pid = 0
    for i in range(pupils):
        pid += 1
        roll = rng.random()
        if roll < 0.38:
            plan, days_txt, category, regime = "forfait", "mon,tue,thu,fri", "eleve", "24"
        elif roll < 0.70:
            plan, days_txt, category, regime = "forfait", "mon,tue,wed,thu,fri", "eleve", "25"
        elif roll < 0.84:
            plan, days_txt, category, regime = "ticket", None, "eleve-ticket", "29"
        elif roll < 0.90:
            plan, days_txt, category, regime = "reservation", None, "eleve-ticket", "29"
        else:
            plan, days_txt, category, regime = "none", None, "eleve", "0"
        person = {
            "id": pid, "external_id": f"{100000 + pid}", "last_name": rng.choice(LAST_NAMES).upper(),
            "first_name": rng.choice(FIRST_NAMES), "class_name": classes[i % len(classes)],
            "category": category, "regime": regime, "plan": plan, "forfait_days": days_txt,
            "status": "active", "arrival_date": year_start.isoformat(), "leaving_date": None, "photo": None}
        if i == 5:  # a pupil who left the school last week
            person["leaving_date"] = (today - timedelta(days=5)).isoformat()
        school.add("person", person)
        school.persons[pid] = person
        if plan != "none":
            uid = _uid(rng, used)
            school.cards[pid] = uid
            school.add("card", {"uid": uid, "person_id": pid, "status": "lost" if i == 7 else "active"})
        if plan in ("ticket", "reservation"):
            school.add("balance", {"person_id": pid, "balance_cents": rng.choice((0, 150, 420, 1260, 2100, 3500, 5000)),
                                   "version": 1})
        if plan == "reservation":
            for d in days:
                if rng.random() < 0.8 or d == today:
                    school.add("reservation", {"person_id": pid, "date": d.isoformat(), "service": "dejeuner"})
    for i in range(commensals):
        pid += 1
        category = "commensal-sup" if i % 4 == 0 else "commensal"
        person = {"id": pid, "external_id": f"ADULT-{i + 1:03d}", "last_name": rng.choice(LAST_NAMES).upper(),
                  "first_name": rng.choice(FIRST_NAMES), "class_name": None, "category": category, "regime": None,
                  "plan": "ticket", "forfait_days": None, "status": "active", "arrival_date": None,
                  "leaving_date": None, "photo": None}
        school.add("person", person)
        school.persons[pid] = person
        uid = _uid(rng, used)
        school.cards[pid] = uid
        school.add("card", {"uid": uid, "person_id": pid, "status": "active"})
        school.add("balance", {"person_id": pid, "balance_cents": rng.choice((300, 1500, 2600, 4000)), "version": 1})

    # the vie scolaire marked a few pupils absent today; one pupil is blocked for an unpaid bill
    tz = ZoneInfo(TIMEZONE)
    eaters = [p for p, d in school.persons.items() if d["plan"] == "forfait" and d["leaving_date"] is None]
    for n, p in enumerate(rng.sample(eaters, 4)):
        start = datetime.combine(today, time(0), tz)
        school.add("opposition", {"id": f"abs-{today.isoformat()}-{p}", "person_id": p,
                                  "starts_at": start.isoformat(), "ends_at": (start + timedelta(days=1)).isoformat(),
                                  "motive": "Absent (vie scolaire)", "source": "absence"})
        school.absent_today.append(p)
    blocked = eaters[-1]
    school.add("opposition", {"id": "unpaid-1", "person_id": blocked,
                              "starts_at": datetime.combine(today - timedelta(days=10), time(0), tz).isoformat(),
                              "ends_at": datetime.combine(today + timedelta(days=30), time(0), tz).isoformat(),
                              "motive": "Facture impayée", "source": "unpaid"})
    school.absent_today.append(blocked)
    school.add("staff", {"id": 1, "name": "Mme Agent", "role": "staff", "pin_hash": _pin("1234"),
                         "badge_uid": None, "active": True})
    school.add("staff", {"id": 2, "name": "M. Gestionnaire", "role": "manager", "pin_hash": _pin("2468"),
                         "badge_uid": None, "active": True})
    school.add("staff", {"id": 3, "name": "Admin", "role": "admin", "pin_hash": _pin("9999"),
                         "badge_uid": None, "active": True})
    school.add("menu", {"date": today.isoformat(), "service": "dejeuner",
                        "text": "Carottes râpées — Hachis parmentier — Yaourt — Pomme"})
    return school


def _pin(pin: str) -> str:
    from plateau.domain.pins import hash_pin

    return hash_pin(pin, fast=True)


def seed_replica(engine, school: DemoSchool) -> None:
    """Load the school into a station replica, as a first full sync would."""
    from plateau.db.replica import apply_changes
    from plateau.sync.protocol import KINDS, Change

    changes = [Change(n + 1, kind, "upsert", KINDS[kind].key_of(data), data)
               for n, (kind, data) in enumerate(school.changes)]
    with engine.begin() as conn:
        apply_changes(conn, changes)
