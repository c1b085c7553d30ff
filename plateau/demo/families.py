"""The demo school's families: guardians of the demo pupils, as the `guardians` import reads them.

Drawn from their own random stream (the school's draws stay the same). One demo family signs
in with a known password: Camille Demo, guardian and payer of two pupils (one on the
reservation plan, so the calendar has bookings to show). The school has written two messages
(`demo_messages`): one to every family, one to the class of the demo family's first child.
Pure: data in, CSV text and message drafts out.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from plateau.demo.school import FIRST_NAMES, DemoSchool

DEMO_FAMILY_EMAIL = "famille.demo@example.org"
DEMO_FAMILY_PASSWORD = "demo-famille-2026"


def _demo_children(school: DemoSchool) -> tuple[list[dict], list[dict]]:
    pupils = [p for p in school.persons.values() if p["class_name"] and p["leaving_date"] is None]
    return pupils, [next(p for p in pupils if p["plan"] == "reservation"),
                    next(p for p in pupils if p["plan"] == "forfait")]


def demo_messages(school: DemoSchool, today: date) -> list[dict]:
    """The school's messages as the office would write them (fields of `family.messages.Draft`):
    shown from a few days before `today` (the school's date when the demo loads)."""
    klass = _demo_children(school)[1][0]["class_name"]
    return [
        {"title": "Repas de Noël au restaurant scolaire", "audience": "site", "classes": [], "pupils": [],
         "publish_on": today - timedelta(days=3), "ends_on": None,
         "body": "Madame, Monsieur,\n\nLe dernier jeudi avant les vacances, le restaurant scolaire servira "
                 "le repas de Noël. Pour les élèves au ticket ou à la réservation, ce repas se réserve comme "
                 "les autres, avant l'heure limite habituelle.\n\nBonnes fêtes de fin d'année,\n"
                 "Le service de gestion"},
        {"title": f"Sortie pédagogique des {klass} : pique-nique fourni", "audience": "classes",
         "classes": [klass], "pupils": [], "publish_on": today, "ends_on": today + timedelta(days=30),
         "body": f"Bonjour,\n\nLes élèves de {klass} partent en sortie pédagogique la semaine prochaine. "
                 "Les demi-pensionnaires recevront un pique-nique préparé par la cuisine : inutile "
                 "d'annuler le repas de ce jour-là.\n\nLa vie scolaire"},
    ]


def guardians_csv(school: DemoSchool, seed: int = 2026) -> str:
    """`guardian;email;last_name;first_name;person;financial`: one or two guardians per pupil."""
    rng = random.Random(seed + 13)
    pupils, demo = _demo_children(school)
    rows = ["guardian;email;last_name;first_name;person;financial"]
    for kid in demo:
        rows.append(f"DEMO-1;{DEMO_FAMILY_EMAIL};DEMO;Camille;{kid['external_id']};1")
    for p in pupils:
        if p in demo:
            continue
        ext = p["external_id"]
        rows.append(f"R{ext};responsable.{ext}@example.org;{p['last_name']};{rng.choice(FIRST_NAMES)};{ext};1")
        if rng.random() < 0.3:  # a second parent, who sees the child but does not pay
            rows.append(f"S{ext};second.{ext}@example.org;{p['last_name']};{rng.choice(FIRST_NAMES)};{ext};0")
    return "\n".join(rows) + "\n"
