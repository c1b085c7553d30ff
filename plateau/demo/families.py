"""The demo school's families: guardians of the demo pupils, as the `guardians` import reads them.

Drawn from their own random stream (the school's draws stay the same). One demo family signs
in with a known password: Camille Demo, guardian and payer of two pupils (one on the
reservation plan, so the calendar has bookings to show). Pure: data in, CSV text out.
"""

from __future__ import annotations

import random

from plateau.demo.school import FIRST_NAMES, DemoSchool

DEMO_FAMILY_EMAIL = "famille.demo@example.org"
DEMO_FAMILY_PASSWORD = "demo-famille-2026"


def guardians_csv(school: DemoSchool, seed: int = 2026) -> str:
    """`guardian;email;last_name;first_name;person;financial`: one or two guardians per pupil."""
    rng = random.Random(seed + 13)
    pupils = [p for p in school.persons.values() if p["class_name"] and p["leaving_date"] is None]
    demo = [next(p for p in pupils if p["plan"] == "reservation"), next(p for p in pupils if p["plan"] == "forfait")]
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
