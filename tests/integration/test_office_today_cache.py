"""Today's live headcount (the office's landing page) on a real SQLite server database: passages
pushed as stations push them are folded in without counting the day again, and the figures stay
those of a full computation through cancels, overrides, an opposition, a booking, a passage
stored without its feed item, and in two server processes (two caches over one database), on
SQLite and on PostgreSQL (read committed: a poll may see items committed after it read the head)."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from plateau.reports.headcount import compute
from plateau.server import feed, push, station_tokens, store, store_days
from plateau.server import models as m
from plateau.server.headcount_live import LiveHeadcounts
from plateau.server.headcount_source import load_day

UAI = "0691234X"
PARIS = ZoneInfo("Europe/Paris")



@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path):
    from plateau.demo.school import generate
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    school = generate(pupils=60, commensals=5)
    url = str(tmp_path / "server.db") if request.param == "sqlite" else \
        request.getfixturevalue("pg_cluster").create_database(f"today_{uuid.uuid4().hex[:8]}")
    db = Database(open_database(url))
    with db.write() as s:
        site = seed_changes(s, school.changes)
        for name in ("self-1", "self-2"):
            if station_tokens.find(s, site, name) is None:
                station_tokens.add(s, site, name)
    yield school, db
    db.engine.dispose()


def _passage(school, rng, pid, at, **kw) -> dict:
    p = {"id": str(uuid.UUID(int=rng.getrandbits(128))), "station": rng.choice(("self-1", "self-2")),
         "at": at.isoformat(), "local_date": school.today.isoformat(), "service": "dejeuner",
         "card_uid": school.cards.get(pid), "person_id": pid, "kind": "badge", "accepted": True, "reason": "ok",
         "price_cents": 0, "balance_after_cents": None, "staff_id": None, "motive": None, "ref": None,
         "warnings": []}
    p.update(kw)
    return p


def _push(db, p: dict) -> None:
    with db.write() as s:
        results, _ = push.push(s, store.get_site(s, UAI), p["station"], [p])
    assert results[0]["status"] == "stored", results


def _figures(db, cache: LiveHeadcounts, day) -> tuple[dict, dict]:
    """(the cache's figures, a full computation's), from one read of the database."""
    with db.read() as s:
        site = store.get_site(s, UAI)
        return cache.get(s, site, day).to_json(), compute(load_day(s, UAI, day)).to_json()


def _lunch(figures: dict) -> dict:
    return next(svc for svc in figures["services"] if svc["code"] == "dejeuner")


def test_pushed_passages_are_folded_in_and_the_figures_stay_those_of_a_full_count(world):
    school, db = world
    day, rng = school.today, random.Random(5)
    cache, other_process = LiveHeadcounts(), LiveHeadcounts()
    first, full = _figures(db, cache, day)
    assert first == full and cache.recounts == 1
    pupils = sorted(p for p in school.cards if p not in school.absent_today)
    at = datetime.combine(day, time(11, 20), PARIS)
    served = []
    for n, pid in enumerate(pupils[:24]):
        at += timedelta(seconds=rng.randint(5, 40))
        if n % 6 == 5:    # refused, then let in by staff
            refused = _passage(school, rng, pid, at, accepted=False, reason="no_reservation")
            _push(db, refused)
            _push(db, _passage(school, rng, pid, at + timedelta(seconds=20), kind="override", staff_id=1,
                               motive="Accord", ref=refused["id"], station=refused["station"]))
        else:
            p = _passage(school, rng, pid, at)
            _push(db, p)
            served.append(p)
        if n % 8 == 7:    # a meal taken by mistake, cancelled at the station
            wrong = served[-1]
            _push(db, _passage(school, rng, wrong["person_id"], at + timedelta(seconds=30), kind="cancel",
                               staff_id=1, motive="Erreur", ref=wrong["id"], station=wrong["station"]))
        mine, full = _figures(db, cache, day)
        assert mine == full, f"after passage {n}"
    assert cache.recounts == 1 and cache.folds >= 24          # never counted the whole day again
    lunch = _lunch(full)
    assert lunch["served"] > 0 and len(lunch["overrides"]) == 4 and lunch["cancelled"] == 3
    assert _figures(db, other_process, day)[0] == full       # another process, its own cache: the same

    with db.read() as s:                                      # nothing new: the same figures, not copied again
        site = store.get_site(s, UAI)
        assert cache.get(s, site, day) is cache.get(s, site, day)

    pupil = next(r["person_id"] for r in sorted(lunch["no_shows"], key=lambda r: r["person_id"]))
    with db.write() as s:                                     # an opposition: counted again
        site = store.get_site(s, UAI)
        store_days.upsert_opposition(s, site, pupil, datetime.combine(day, time(0), PARIS),
                                     datetime.combine(day + timedelta(days=1), time(0), PARIS), "absent", "absence")
    mine, full = _figures(db, cache, day)
    assert mine == full and cache.recounts == 2
    assert _lunch(full)["expected"] == lunch["expected"] - 1

    with db.write() as s:                                     # a passage stored without its feed item
        s.add(m.Passage(id=str(uuid.uuid4()), site_id=1, station="self-1",
                        at=datetime.combine(day, time(12, 55), PARIS), local_date=day, service="dejeuner",
                        card_uid=school.cards[pupils[30]], person_id=pupils[30], kind="badge", accepted=True,
                        reason="ok", price_cents=0, warnings=[], received_at=feed.now()))
    mine, full = _figures(db, cache, day)
    assert mine == full and cache.recounts == 3
    assert _lunch(full)["served"] == _lunch(_figures(db, other_process, day)[0])["served"]


def test_changes_the_headcount_does_not_read_fold_nothing_and_count_nothing_again(world):
    school, db = world
    day = school.today
    cache = LiveHeadcounts()
    _figures(db, cache, day)
    pupil = sorted(school.cards)[0]
    with db.write() as s:   # a booking for another day, a card declared lost: not today's figures
        site = store.get_site(s, UAI)
        person = s.get(m.Person, pupil)
        store_days.put_reservation(s, site, person, day + timedelta(days=7), "dejeuner")
    mine, full = _figures(db, cache, day)
    assert mine == full and cache.recounts == 1
