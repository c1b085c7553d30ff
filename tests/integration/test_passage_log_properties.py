"""Property test through the real passage log: rules + query layer + SQLite, together.

Hypothesis drives sequences of staff and badge actions at two stations (badge, forgotten badge,
cancel the last meal) for a few pupils on one school day of a real replica file. Whatever the
sequence, what the replica holds afterwards must satisfy, without any override:

- nobody has more accepted, not-cancelled passages in one service than the category allows;
- no effective balance (server balance minus the pending outbox) is below the allowed overdraft.
"""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from plateau.station.services import PassageError, Recorder
from plateau.db.queries import load_site
from plateau.db.unit_of_work import effective_balance

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def world(tmp_path_factory, demo_school):
    from plateau.db.engine import open_replica
    from plateau.demo.school import school_days, seed_replica

    engine = open_replica(tmp_path_factory.mktemp("prop") / "station.db")
    seed_replica(engine, demo_school)
    money = {d["person_id"]: d["balance_cents"] for d in demo_school.of_kind("balance")}
    eligible = [p for p, d in demo_school.persons.items()
                if p in demo_school.cards and d["leaving_date"] is None and p not in demo_school.absent_today
                and d["plan"] in ("ticket", "forfait", "reservation") and p != 8]
    tickets = [p for p in eligible if demo_school.persons[p]["plan"] == "ticket" and money.get(p, 0) <= 1260][:6]
    others = [p for p in eligible if demo_school.persons[p]["plan"] != "ticket"][:6]
    days = iter([d for d in school_days(demo_school.today, demo_school.today + timedelta(days=200),
                                        demo_school.holidays)])
    yield engine, demo_school, tickets + others, days
    engine.dispose()


actions = st.lists(st.tuples(st.sampled_from(["badge", "badge", "badge", "forgotten", "cancel"]),
                             st.integers(0, 11), st.sampled_from(["self-1", "self-2"]), st.integers(0, 150)),
                   min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(steps=actions)
def test_no_double_meal_and_no_balance_below_overdraft_in_the_replica(world, steps):
    engine, school, persons, days = world
    day = next(days)
    recorders = {s: Recorder(engine, s) for s in ("self-1", "self-2")}
    accepted: list[str] = []
    counter = itertools.count()
    for action, idx, station, minute in sorted(steps, key=lambda s: s[3]):
        pid = persons[idx % len(persons)]
        at = datetime.combine(day, time(11, 15), PARIS) + timedelta(minutes=minute, seconds=next(counter))
        rec = recorders[station]
        if action == "badge":
            r = rec.badge(school.cards[pid], at)
        elif action == "forgotten":
            r = rec.forgotten(pid, at, staff_id=1)
        else:
            if not accepted:
                continue
            try:
                rec.cancel(accepted.pop(), staff_id=1, motive="erreur", at=at)
            except PassageError:
                pass
            continue
        if r.decision.accepted:
            accepted.append(r.passage_id)
    with engine.connect() as conn:
        policy = load_site(conn).policy
        counts = conn.execute(text(
            "SELECT p.person_id, p.service, COUNT(*) FROM passage p WHERE p.local_date = :d AND p.accepted = 1 "
            "AND p.kind != 'cancel' AND NOT EXISTS (SELECT 1 FROM passage c WHERE c.ref = p.id AND c.kind = 'cancel') "
            "GROUP BY p.person_id, p.service"), {"d": day.isoformat()}).all()
        for person_id, _service, n in counts:
            assert n <= policy.for_category(school.persons[person_id]["category"]).max_passages_per_service
        for pid in persons:
            overdraft = policy.for_category(school.persons[pid]["category"]).overdraft_cents
            assert effective_balance(conn, pid) >= -overdraft
