"""The demo's scripted lunch: who badges where and when, as a pure plan.

Arrivals follow a gamma curve (shape 2, scale 15 min) from the opening at 11:15, so the line
peaks about 15 minutes after opening and thins out towards 13:00, as in a real collège. Mixed
in: a few unknown cards, forgotten badges handled by staff (station 2), a pupil who tries a
second time (same station, then the other one), and pupils in opposition (absent today, an
unpaid bill). Deterministic for a seed. Pure: no clock, no I/O.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from plateau.demo.school import TIMEZONE, DemoSchool

KIOSK, SECOND = "self-1", "self-2"


@dataclass(frozen=True)
class Event:
    """One thing that happens at a station: a card read, or staff recording a forgotten badge."""

    at: datetime                # the instant the station decides (site time zone)
    station: str                # KIOSK (simulated reader) or SECOND (plateau pass / staff)
    action: str                 # "badge" | "forgotten"
    uid: str | None = None
    person_id: int | None = None
    note: str = ""              # what the scenario shows, for the conductor's output


def opening(school: DemoSchool) -> tuple[datetime, datetime]:
    svc = school.of_kind("service")[0]
    tz = ZoneInfo(TIMEZONE)
    start, end = (time.fromisoformat(svc[k]) for k in ("start", "end"))
    return datetime.combine(school.today, start, tz), datetime.combine(school.today, end, tz)


def eaters(school: DemoSchool) -> list[int]:
    """Persons with an active card, still at school, not in opposition today."""
    active = {d["person_id"] for d in school.of_kind("card") if d["status"] == "active"}
    return [p for p, d in sorted(school.persons.items())
            if p in active and d["leaving_date"] is None and p not in school.absent_today and d["plan"] != "none"]


def plan_lunch(school: DemoSchool, passages: int, seed: int = 7, kiosk_share: float = 0.6) -> list[Event]:
    """`passages` events (each records one passage), sorted by instant."""
    if passages < 12:
        raise ValueError("the scripted lunch needs at least 12 passages")
    rng = random.Random(seed)
    opens, closes = opening(school)
    last = closes - timedelta(minutes=5)

    def arrival() -> datetime:
        for _ in range(100):
            at = opens + timedelta(minutes=rng.gammavariate(2.0, 15.0))
            if at < last:
                return at.replace(microsecond=0)
        return opens + timedelta(minutes=20)

    def station() -> str:
        return KIOSK if rng.random() < kiosk_share else SECOND

    crowd = eaters(school)
    rng.shuffle(crowd)
    events: list[Event] = []
    used = set(school.cards.values())
    for n in range(max(2, passages // 30)):
        uid = "".join(rng.choice("0123456789ABCDEF") for _ in range(8))
        while uid in used:
            uid = "".join(rng.choice("0123456789ABCDEF") for _ in range(8))
        events.append(Event(arrival(), KIOSK if n % 2 == 0 else SECOND, "badge", uid=uid, note="unknown card"))
    for _ in range(max(1, passages // 40)):
        events.append(Event(arrival(), SECOND, "forgotten", person_id=crowd.pop(), note="forgotten badge (staff)"))
    twice = crowd.pop()
    first = opens + timedelta(minutes=14)
    events.append(Event(first, KIOSK, "badge", uid=school.cards[twice], person_id=twice, note="first try"))
    events.append(Event(first + timedelta(minutes=4), KIOSK, "badge", uid=school.cards[twice], person_id=twice,
                        note="tries again"))
    events.append(Event(first + timedelta(minutes=9), SECOND, "badge", uid=school.cards[twice], person_id=twice,
                        note="tries at the other station"))
    opposed = [p for p in school.absent_today if p in school.cards]
    for n, p in enumerate(opposed[:2]):
        events.append(Event(opens + timedelta(minutes=17 + 6 * n), KIOSK if n == 0 else SECOND, "badge",
                            uid=school.cards[p], person_id=p, note="in opposition"))
    while len(events) < passages and crowd:
        p = crowd.pop()
        events.append(Event(arrival(), station(), "badge", uid=school.cards[p], person_id=p))
    events.sort(key=lambda e: e.at)
    return events[:passages] if len(events) > passages else events
