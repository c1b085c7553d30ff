"""Today's headcount cache (the office's landing page): computed again exactly when a write
changed what it counts, on a real SQLite server database."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from plateau.server import feed, store, store_days
from plateau.server import models as m
from plateau.server.web.office.today import HeadcountCache


def test_the_cached_headcount_follows_oppositions_and_passages(tmp_path):
    from plateau.demo.school import generate
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    school = generate(pupils=60, commensals=5)
    day, tz = school.today, ZoneInfo("Europe/Paris")
    db = Database(open_database(str(tmp_path / "server.db")))
    try:
        with db.write() as s:
            seed_changes(s, school.changes)
        cache = HeadcountCache()
        with db.read() as s:
            site = store.get_site(s, "0691234X")
            first = cache.get(s, site, day)
            assert cache.get(s, site, day) is first          # nothing changed: not computed again
        lunch = first.service("dejeuner")
        pupil = next(p["person_id"] for p in sorted(lunch.no_shows, key=lambda r: r["person_id"]))
        with db.write() as s:
            site = store.get_site(s, "0691234X")
            store_days.upsert_opposition(s, site, pupil, datetime.combine(day, time(0), tz),
                                    datetime.combine(day + timedelta(days=1), time(0), tz), "absent", "absence")
        with db.read() as s:
            after = cache.get(s, store.get_site(s, "0691234X"), day)
        assert after.service("dejeuner").totals.expected == lunch.totals.expected - 1
        served = next(p["person_id"] for p in sorted(after.service("dejeuner").no_shows, key=lambda r: r["person_id"]))
        with db.write() as s:  # a passage as a push stores it (no feed item of its own)
            s.add(m.Passage(id=str(uuid.uuid4()), site_id=1, station="self-1",
                            at=datetime.combine(day, time(12, 5), tz), local_date=day, service="dejeuner",
                            card_uid=school.cards[served], person_id=served, kind="badge", accepted=True,
                            reason="ok", price_cents=0, warnings=[], received_at=feed.now()))
        with db.read() as s:
            last = cache.get(s, store.get_site(s, "0691234X"), day)
        assert last.service("dejeuner").totals.served == after.service("dejeuner").totals.served + 1
    finally:
        db.engine.dispose()
