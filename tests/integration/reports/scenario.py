"""A hand-built day at a small collège, recorded by two real stations, for exact headcounts.

Wednesday 25 November 2026, one service (déjeuner 11:15–13:45). Two replica files, `self-1`
and `self-2`, record their own passages with the real `Recorder`; then each receives the
other's passages as the sync daemon would (change-feed `passage` items). Every figure the
tests expect is derived by hand in the comments of `record_day`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 11, 25)          # a Wednesday: 4-day forfaits (mon,tue,thu,fri) do not eat
CLOSED_DAY = date(2026, 11, 26)   # a local closure (journée pédagogique)
SITE = "0699999Z"

F5, F4 = "mon,tue,wed,thu,fri", "mon,tue,thu,fri"


def _person(pid, last, first, cls, category, plan, days=None, leaving=None):
    return {"id": pid, "external_id": f"E{pid:03d}", "last_name": last, "first_name": first, "class_name": cls,
            "category": category, "regime": None, "plan": plan, "forfait_days": days, "status": "active",
            "arrival_date": "2026-09-01", "leaving_date": leaving, "photo": None}


PERSONS = [
    _person(1, "ARNAUD", "Alice", "6A", "eleve", "forfait", F5),
    _person(2, "BERNARD", "Bruno", "6A", "eleve", "forfait", F4),
    _person(3, "CLÉMENT", "Chloé", "6A", "eleve", "forfait", F5),
    _person(4, "DUVAL", "David", "6B", "eleve", "forfait", F5),
    _person(5, "ÉTIENNE", "Emma", "6B", "eleve-ticket", "reservation"),
    _person(6, "FAURE", "Félix", "6B", "eleve-ticket", "reservation"),
    _person(7, "GIRARD", "Gina", "5A", "eleve-ticket", "reservation"),
    _person(8, "HENRY", "Hugo", "5A", "eleve-ticket", "ticket"),
    _person(9, "ISAAC", "Inès", "5A", "eleve", "forfait", F5),
    _person(10, "JOLY", "Jules", "5A", "eleve", "forfait", F5, leaving="2026-11-20"),
    _person(11, "KLEIN", "Karine", None, "commensal", "ticket"),
    _person(12, "LUCAS", "Léa", "5A", "eleve-ticket", "reservation"),
    _person(13, "MOREL", "Marc", "6B", "eleve", "forfait", F5),
]
CARDS = {pid: f"A1B2C3{pid:02X}" for pid in range(1, 14)}


def _at(h, m, day=DAY):
    return datetime(day.year, day.month, day.day, h, m, tzinfo=PARIS)


def reference_changes() -> list[tuple[str, dict]]:
    """The site's data as change-feed items (the same data seeds the replicas and the server)."""
    out: list[tuple[str, dict]] = [
        ("site", {"code": SITE, "name": "Collège Lucie Aubrac", "timezone": "Europe/Paris", "zone": "Zone A",
                  "settings": {"overdraft_cents": "0"}}),
        ("service", {"code": "dejeuner", "label": "Déjeuner", "start": "11:15", "end": "13:45",
                     "weekdays": "mon,tue,wed,thu,fri"}),
        ("tariff", {"category": "eleve", "price_cents": 395, "label": "Élève"}),
        ("tariff", {"category": "eleve-ticket", "price_cents": 420, "label": "Élève au ticket"}),
        ("tariff", {"category": "commensal", "price_cents": 520, "label": "Commensal"}),
        ("closure", {"id": "jp-2026-11-26", "first_day": CLOSED_DAY.isoformat(), "last_day": CLOSED_DAY.isoformat(),
                     "label": "Journée pédagogique", "source": "local"}),
        ("staff", {"id": 1, "name": "Mme Agent", "role": "staff", "pin_hash": "x", "badge_uid": None, "active": True}),
        ("staff", {"id": 2, "name": "M. Gestionnaire", "role": "manager", "pin_hash": "x", "badge_uid": None,
                   "active": True}),
    ]
    out += [("person", p) for p in PERSONS]
    out += [("card", {"uid": uid, "person_id": pid, "status": "active"}) for pid, uid in CARDS.items()]
    out += [("balance", {"person_id": 8, "balance_cents": 1000, "version": 1}),
            ("balance", {"person_id": 11, "balance_cents": 2000, "version": 1})]
    # Emma, Gina and Léa booked lunch today; Léa and Gina booked tomorrow too (closed day)
    for pid in (5, 7, 12):
        out.append(("reservation", {"person_id": pid, "date": DAY.isoformat(), "service": "dejeuner"}))
    for pid in (7, 12):
        out.append(("reservation", {"person_id": pid, "date": (DAY + timedelta(days=1)).isoformat(),
                                    "service": "dejeuner"}))
    # David is absent today (vie scolaire); Marc's opposition ended yesterday evening
    out.append(("opposition", {"id": "abs-4", "person_id": 4, "starts_at": _at(0, 0).isoformat(),
                               "ends_at": (_at(0, 0) + timedelta(days=1)).isoformat(), "motive": "Absent",
                               "source": "absence"}))
    out.append(("opposition", {"id": "abs-13", "person_id": 13,
                               "starts_at": (_at(0, 0) - timedelta(days=1)).isoformat(),
                               "ends_at": _at(0, 0).isoformat(), "motive": "Absent", "source": "absence"}))
    return out


def seed(engine: Engine, changes: list[tuple[str, dict]]) -> None:
    from plateau.db.replica import apply_changes
    from plateau.sync.protocol import KINDS, Change

    with engine.begin() as conn:
        apply_changes(conn, [Change(n + 1, k, "upsert", KINDS[k].key_of(d), d) for n, (k, d) in enumerate(changes)])


def wire_passages(engine: Engine, station: str | None = None) -> list[dict]:
    from plateau.sync.protocol import passage_to_wire

    sql = "SELECT * FROM passage" + (" WHERE station = :s" if station else "") + " ORDER BY at"
    with engine.connect() as conn:
        return [passage_to_wire(r._mapping) for r in conn.execute(text(sql), {"s": station})]


@dataclass
class RecordedDay:
    self1: Engine
    self2: Engine
    passages: list[dict]   # every passage of the day, wire format


def record_day(folder: Path) -> RecordedDay:
    """Record the day at both stations, then exchange their passages as sync would."""
    from plateau.db.engine import open_replica
    from plateau.station.services import Recorder

    engines = {}
    for name in ("self-1", "self-2"):
        engines[name] = open_replica(folder / f"{name}.db")
        seed(engines[name], reference_changes())
    s1, s2 = Recorder(engines["self-1"], "self-1"), Recorder(engines["self-2"], "self-2")

    s1.badge(CARDS[1], _at(10, 0))                       # Alice too early: no_service (outside any service)
    s2.badge(CARDS[13], _at(11, 17))                     # Marc (opposition ended yesterday): ok, slot 11:15
    s1.badge(CARDS[1], _at(11, 20))                      # Alice, forfait 5 days: ok
    bruno = s1.badge(CARDS[2], _at(11, 25))              # Bruno, forfait 4 days, Wednesday: not_registered_today
    s1.override(bruno.passage_id, 2, "Sortie scolaire décalée", _at(11, 26))  # ... let in by the manager
    s2.badge(CARDS[5], _at(11, 31))                      # Emma, booked: ok
    s2.badge("FFFF0000", _at(11, 33))                    # unknown badge: unknown_card
    s1.badge(CARDS[4], _at(11, 40))                      # David, absent: opposition
    s2.badge(CARDS[6], _at(11, 45))                      # Félix, not booked: no_reservation
    ines = s1.badge(CARDS[9], _at(11, 50))               # Inès: ok ...
    s1.cancel(ines.passage_id, 1, "Badge passé par erreur", _at(11, 51))  # ... cancelled: she did not eat
    s1.badge(CARDS[10], _at(11, 55))                     # Jules left on 20 November: person_inactive
    s2.badge(CARDS[8], _at(12, 2))                       # Hugo, ticket: ok (unexpected)
    s2.badge(CARDS[8], _at(12, 3))                       # Hugo again: already_served
    s1.badge(CARDS[11], _at(12, 10))                     # Karine, commensal ticket: ok (unexpected)
    s2.forgotten(12, _at(12, 20), 1)                     # Léa forgot her badge, booked: ok
    # Chloé (forfait) and Gina (booked) never come: no-shows, like Inès after the cancellation.

    from plateau.db.replica import apply_changes
    from plateau.sync.protocol import KINDS, Change

    for src, dst in (("self-1", "self-2"), ("self-2", "self-1")):
        items = [Change(n + 1, "passage", "upsert", p["id"], p)
                 for n, p in enumerate(wire_passages(engines[src], src))]
        with engines[dst].begin() as conn:
            apply_changes(conn, items)
    return RecordedDay(engines["self-1"], engines["self-2"], wire_passages(engines["self-1"]))
