"""Staff PINs on a real replica: the lockout is kept in the replica (a restarted kiosk, a new
process, is still locked), it escalates, and a copy of station.db without the key file beside it
cannot check a PIN, so it cannot be brute-forced offline."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from plateau.db.unit_of_work import UnitOfWork
from plateau.db import kiosk as kq
from plateau.db import pin_key
from plateau.db.engine import open_replica
from plateau.domain.pins import LockoutPolicy, hash_pin, verify_pin
from plateau.sync import pull
from plateau.sync.protocol import Change
from tests.conftest import paris

NOON = paris(2026, 11, 23, 12, 0)
AGENT_PIN = "1234"   # the demo school's "Mme Agent"


def wrong(engine, at, n=5, key=None):
    return [kq.check_pin(engine, "0000", at, key=key) for _ in range(n)]


def test_five_wrong_pins_lock_and_the_locks_escalate(replica):
    checks = wrong(replica, NOON)
    assert [c.locked_for for c in checks] == [0, 0, 0, 0, 60.0]
    assert kq.check_pin(replica, AGENT_PIN, NOON + timedelta(seconds=30)).member is None  # not even checked
    at = NOON + timedelta(seconds=61)
    assert wrong(replica, at)[-1].locked_for == 300.0        # second lock: 5 minutes
    at += timedelta(seconds=301)
    assert wrong(replica, at)[-1].locked_for == 900.0        # third: 15 minutes
    at += timedelta(seconds=901)
    assert wrong(replica, at)[-1].locked_for == 3600.0       # then an hour, every time
    at += timedelta(seconds=3601)
    assert wrong(replica, at)[-1].locked_for == 3600.0
    at += timedelta(seconds=3601)
    ok = kq.check_pin(replica, AGENT_PIN, at)                # the right PIN starts the count again
    assert ok.member is not None and ok.member.name == "Mme Agent" and ok.locked_for == 0
    assert wrong(replica, at)[-1].locked_for == 60.0


def test_another_persons_pin_after_a_staff_badge_counts_as_wrong(replica):
    checks = [kq.check_pin(replica, AGENT_PIN, NOON, expected=2) for _ in range(5)]   # 2: the manager
    assert all(c.member is None for c in checks) and checks[-1].locked_for == 60.0


def test_a_named_member_is_checked_alone_even_when_another_shares_the_pin(replica):
    """The kiosk names whose PIN it awaits; that member's hash alone is tried, so a manager whose
    PIN happens to equal the agent's still gets in as the manager."""
    with replica.begin() as conn:
        conn.execute(text("UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE id = 1) WHERE id = 2"))
    check = kq.check_pin(replica, AGENT_PIN, NOON, expected=2)
    assert check.member is not None and (check.member.id, check.member.name) == (2, "M. Gestionnaire")
    assert kq.check_pin(replica, AGENT_PIN, NOON, expected=1).member.id == 1
    assert kq.check_pin(replica, AGENT_PIN, NOON, expected=99).member is None     # nobody by that id


def test_the_corner_offers_the_active_staff_in_french_order(replica):
    with replica.begin() as conn:
        conn.execute(text("UPDATE staff SET name = 'Élodie Blanc' WHERE id = 3"))
        conn.execute(text("UPDATE staff SET active = 0 WHERE id = 1"))
        conn.execute(text("INSERT INTO staff (id, name, role, pin_hash, active) "
                          "VALUES (4, 'ZOÉ Roux', 'staff', '', 1), (5, 'émile Dupont', 'staff', '', 1)"))
    with replica.connect() as conn:
        names = [m.name for m in kq.active_staff(conn)]
    assert names == ["Élodie Blanc", "émile Dupont", "M. Gestionnaire", "ZOÉ Roux"]   # not after Z, no "Mme Agent"
    assert kq.check_pin(replica, AGENT_PIN, NOON, expected=1).member is None          # an inactive member


def test_a_restart_during_a_lockout_keeps_it(tmp_path, replica):
    path = replica.url.database
    wrong(replica, NOON)
    replica.dispose()
    again = open_replica(path)        # the kiosk restarted: a new engine on the same file
    try:
        assert kq.pin_lock_remaining(again.connect(), NOON + timedelta(seconds=20)) == 40.0
        assert kq.check_pin(again, AGENT_PIN, NOON + timedelta(seconds=20)).locked_for == 40.0
    finally:
        again.dispose()
    # and another process on the same replica
    code = ("import sys; from datetime import datetime; from plateau.db import kiosk; "
            "from plateau.db.engine import open_replica; e = open_replica(sys.argv[1]); "
            "c = kiosk.check_pin(e, '1234', datetime.fromisoformat(sys.argv[2])); "
            "print(c.member is None, c.locked_for)")
    out = subprocess.run([sys.executable, "-c", code, path, (NOON + timedelta(seconds=50)).isoformat()],
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert out == ["True", "10.0"]


def test_a_clock_set_back_cannot_stretch_a_lock(replica):
    wrong(replica, NOON)
    with replica.connect() as conn:
        assert kq.pin_lock_remaining(conn, NOON - timedelta(days=3)) == 60.0


def test_a_copied_station_db_without_the_key_file_cannot_check_a_pin(tmp_path, demo_school):
    """The sync daemon peppers the server's hashes as it stores them; the key stays beside, not in,
    the database. A copy of station.db alone checks no PIN, not even the right one."""
    station = tmp_path / "station"
    station.mkdir()
    engine = open_replica(station / "station.db")
    key = pin_key.load_or_create(pin_key.key_path(str(station / "station.db")))
    server_hash = hash_pin(AGENT_PIN, fast=True)           # as `plateau admin staff add` makes it
    staff = Change(1, "staff", "upsert", "7", {"id": 7, "name": "Mme Agent", "role": "staff",
                                               "pin_hash": server_hash, "badge_uid": None, "active": True})
    with UnitOfWork(engine).writing() as uow:
        pull.apply_page(uow, [staff], 1, False, since=0, pin_key=key)
        uow.commit()
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT pin_hash FROM staff WHERE id = 7")).scalar()
        assert kq.staff_for_pin(conn, AGENT_PIN, key).id == 7           # the kiosk, with the key
    engine.dispose()
    assert stored.startswith("scrypt-hmac$") and server_hash.split("$")[-1] not in stored
    assert server_hash.split("$")[-1].encode() not in (station / "station.db").read_bytes()
    copy = tmp_path / "copied.db"
    shutil.copy(station / "station.db", copy)                            # the thief's copy, no pin.key
    stolen = open_replica(copy)
    with stolen.connect() as conn:
        assert kq.staff_for_pin(conn, AGENT_PIN) is None
        assert kq.staff_for_pin(conn, AGENT_PIN, os.urandom(32)) is None
    stolen.dispose()
    assert not verify_pin(AGENT_PIN, stored) and verify_pin(AGENT_PIN, stored, key)


def test_the_key_file_is_created_once_and_kept(tmp_path):
    path = tmp_path / "pin.key"
    first = pin_key.load_or_create(path)
    assert pin_key.load_or_create(path) == first and len(first) == 32
    assert not stat.S_IMODE(path.stat().st_mode) & stat.S_IROTH
    path.write_text("not hex\n")
    with pytest.raises(pin_key.PinKeyError, match="64 hex"):
        pin_key.load_or_create(path)


def test_hashes_already_in_the_replica_are_peppered_at_start(replica):
    """A replica synced by an earlier version holds the server's hashes: the first start peppers them."""
    key = os.urandom(32)
    assert pin_key.prepare(replica, key) is False
    with replica.connect() as conn:
        hashes = [h for (h,) in conn.execute(text("SELECT pin_hash FROM staff"))]
        assert hashes and all(h.startswith("scrypt-hmac$") for h in hashes)
        assert kq.staff_for_pin(conn, AGENT_PIN, key).name == "Mme Agent"
    other = os.urandom(32)
    assert pin_key.prepare(replica, other) is True   # another key: a resync must bring them again
    assert pin_key.prepare(replica, other) is True   # (the kiosk starting first does not hide it)
    pin_key.claim(replica, other)                    # the sync daemon started that resync
    assert pin_key.prepare(replica, other) is False


def test_the_lockout_policy_steps():
    policy = LockoutPolicy()
    assert [policy.lock_seconds(n) for n in (1, 2, 3, 4, 9)] == [60, 300, 900, 3600, 3600]
