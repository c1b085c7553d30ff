"""The phone as a badge: the family API issues a secret, the station's own code path checks the
codes offline after a sync (clock drift, replays, a revoked or re-issued secret), and the passage
goes back to the server saying it came from a phone.

A real server on loopback (`family_world`), a real station replica synced by `plateau sync --once`
(a process), the station's `Recorder` on that replica file.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from plateau.db.engine import open_replica
from plateau.domain import phone_badge as pb
from plateau.station.services import Recorder

from tests.integration.server.family_world import PARIS, SITE_A, world  # noqa: F401 (fixture)
from tests.integration.sync.harness import Station

FAMILY = "/api/v1/family"
LUNCH = datetime(2026, 11, 24, 12, 0, tzinfo=PARIS)   # a Tuesday the pupil books on Monday


@pytest.fixture(scope="module")
def martin(world):
    return world.sign_in("martin@example.org")


@pytest.fixture(scope="module")
def station(world, tmp_path_factory):
    return Station(tmp_path_factory.mktemp("phone") / "self-1", "self-1", world.url, world.station_token)


def _payload(issued: dict, at: datetime) -> str:
    code = pb.code_at(issued["secret"], at, digits=issued["digits"], period=issued["period"])
    return issued["payload"].replace("{code}", code)


def _recorder(station):
    engine = open_replica(station.db, create=False)
    return engine, Recorder(engine, "self-1")


def test_a_school_that_does_not_allow_phone_badges_answers_409(world, martin):
    lea = world.ids["P-LEA"]
    r = world.put(f"{FAMILY}/children/{lea}/phone-badge", martin)
    assert (r.status_code, r.json()["error"]) == (409, "phone_badge_not_allowed")
    assert world.get(f"{FAMILY}/children/{lea}/phone-badge", martin).json() == {
        "enabled": False, "allowed": False, "issued_at": None}


def test_only_the_childs_own_family_reaches_its_phone_badge(world, martin):
    world.settings(phone_badge="true")
    zoe = world.ids["P-ZOE"]
    assert world.put(f"{FAMILY}/children/{zoe}/phone-badge", martin).status_code == 403
    assert world.delete(f"{FAMILY}/children/{zoe}/phone-badge", martin).status_code == 403
    assert world.put(f"{FAMILY}/children/{zoe}/phone-badge").status_code == 401


def test_codes_from_the_api_pass_at_the_station_within_25_s_of_drift_and_not_beyond(world, martin, station):
    world.settings(phone_badge="true")
    lea = world.ids["P-LEA"]
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    assert world.put(f"{FAMILY}/children/{lea}/reservations/2026-11-24/dejeuner", martin).status_code == 200
    r = world.put(f"{FAMILY}/children/{lea}/phone-badge", martin)
    assert r.status_code == 200, r.text
    issued = r.json()
    assert set(issued) == {"secret", "algorithm", "digits", "period", "payload"}
    assert (issued["algorithm"], issued["digits"], issued["period"]) == ("SHA1", 6, 30)
    assert issued["payload"] == f"PLT1:{SITE_A}:{lea}:{{code}}"
    again = world.put(f"{FAMILY}/children/{lea}/phone-badge", martin).json()
    assert again["secret"] != issued["secret"]          # a new secret each call
    assert world.get(f"{FAMILY}/children/{lea}/phone-badge", martin).json()["enabled"] is True
    station.sync_once()
    engine, recorder = _recorder(station)
    try:
        for station_at in (LUNCH, LUNCH + timedelta(seconds=14), LUNCH + timedelta(seconds=29)):
            for drift in (-25, -10, 0, 10, 25):   # the phone's clock against the station's
                decision = recorder.check(_payload(again, station_at + timedelta(seconds=drift)), station_at)
                assert (decision.accepted, decision.reason, decision.medium) == (True, "ok", "phone"), drift
                assert decision.person.id == lea
            for drift in (-90, -61, 61, 90):
                decision = recorder.check(_payload(again, station_at + timedelta(seconds=drift)), station_at)
                assert (decision.accepted, decision.reason, decision.person) == (False, "phone_code_invalid", None)
        # the first secret was replaced before the sync: never valid here
        old = recorder.check(_payload(issued, LUNCH), LUNCH)
        assert (old.accepted, old.reason) == (False, "phone_code_invalid")
        # another site's payload, a tampered person id, garbage after the prefix
        code = pb.code_at(again["secret"], LUNCH)
        for text in (f"PLT1:0699999Z:{lea}:{code}", f"PLT1:{SITE_A}:{world.ids['P-TOM']}:{code}", "PLT1:x"):
            refused = recorder.check(text, LUNCH)
            assert not refused.accepted and refused.reason in ("phone_code_invalid", "phone_badge_off"), text
    finally:
        recorder.close()
        engine.dispose()


def test_a_replayed_code_is_refused_and_the_passage_reaches_the_server_as_phone(world, martin, station):
    from plateau.server import models as m

    lea = world.ids["P-LEA"]
    issued = world.put(f"{FAMILY}/children/{lea}/phone-badge", martin).json()
    station.sync_once()
    engine, recorder = _recorder(station)
    try:
        shown = _payload(issued, LUNCH)
        first = recorder.badge(shown, LUNCH)
        assert (first.decision.accepted, first.decision.medium) == (True, "phone")
        replay = recorder.badge(shown, LUNCH + timedelta(seconds=8))  # a screenshot, next in the queue
        assert (replay.decision.accepted, replay.decision.reason) == (False, "phone_code_replayed")
        assert replay.decision.person.id == lea
        assert "déjà utilisé" in replay.decision.message("fr")
        # the next code is the pupil's again: then the canteen's own rules answer
        later = recorder.badge(_payload(issued, LUNCH + timedelta(seconds=40)), LUNCH + timedelta(seconds=40))
        assert (later.decision.accepted, later.decision.reason) == (False, "already_served")
    finally:
        recorder.close()
        engine.dispose()
    station.sync_once()
    with world.db.read() as s:
        rows = {p.id: (p.medium, p.reason, p.person_id) for p in s.scalars(select(m.Passage))}
    assert rows[first.passage_id] == ("phone", "ok", lea)
    assert rows[replay.passage_id] == ("phone", "phone_code_replayed", lea)


def test_a_revoked_phone_badge_is_refused_after_the_next_sync(world, martin, station):
    lea = world.ids["P-LEA"]
    issued = world.put(f"{FAMILY}/children/{lea}/phone-badge", martin).json()
    station.sync_once()
    at = LUNCH + timedelta(minutes=30)
    assert world.delete(f"{FAMILY}/children/{lea}/phone-badge", martin).status_code == 204
    engine, recorder = _recorder(station)
    try:
        # offline, the station still holds the secret: the phone's code still passes its check
        assert recorder.check(_payload(issued, at), at).reason != "phone_badge_off"
        station.sync_once()
        refused = recorder.check(_payload(issued, at), at)
        assert (refused.accepted, refused.reason, refused.person) == (False, "phone_badge_off", None)
        assert refused.message("en") == "Phone badge turned off"
    finally:
        recorder.close()
        engine.dispose()
    assert world.get(f"{FAMILY}/children/{lea}/phone-badge", martin).json()["enabled"] is False
    assert world.delete(f"{FAMILY}/children/{lea}/phone-badge", martin).status_code == 204  # already off
