"""Sign-in throttling, kept in the database: slowed, then locked (429) per account and per address,
never for good; and the limit holds across server processes sharing one database."""

from __future__ import annotations

import uuid

import pytest
import requests

from plateau.server.db import Database, open_database
from plateau.server.throttle import (CODES, OFFICE_PER_ADDRESS, Limits, Throttle, account_key, sign_in_keys)
from tests.support.server import running_server


class Clock:
    def __init__(self):
        self.t = 1_800_000_000.0

    def __call__(self):
        return self.t


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return str(tmp_path_factory.mktemp("throttle") / "server.db")
    return request.getfixturevalue("pg_cluster").create_database(f"throttle_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def db(db_url):
    database = Database(open_database(db_url))
    Throttle(database).clear()
    yield database
    database.engine.dispose()


def test_failures_slow_down_then_lock_and_the_lock_expires(db):
    clock = Clock()
    throttle = Throttle(db, Limits(slow_after=2, lock_seconds=60, max_lock_seconds=240), clock)
    keys = sign_in_keys("office", "Marie@Example.org", "10.0.0.1", OFFICE_PER_ADDRESS)
    delays = [throttle.failed(keys) for _ in range(4)]
    assert delays[:2] == [0, 0] and 0 < delays[2] < delays[3] <= 2
    assert throttle.retry_after(keys) == 0
    throttle.failed(keys)                                       # the 5th: locked
    assert throttle.retry_after(keys) == 60
    assert throttle.retry_after(sign_in_keys("office", "other@example.org", "10.0.0.2", 30)) == 0
    clock.t += 61                                               # a lock always ends
    assert throttle.retry_after(keys) == 0
    for _ in range(5):
        throttle.failed(keys)
    assert throttle.retry_after(keys) == 120                   # the next lock is longer...
    for _ in range(4):
        clock.t += 10_000
        for _ in range(5):
            throttle.failed(keys)
    assert throttle.retry_after(keys) == 240                   # ...up to a ceiling


def test_a_success_forgets_the_accounts_failures_but_the_address_limit_stays_higher(db):
    throttle = Throttle(db, clock=Clock())
    a = sign_in_keys("office", "a@example.org", "10.0.0.1", 6)
    throttle.failed(a), throttle.failed(a), throttle.failed(a)
    throttle.succeeded(account_key("office", "A@example.org "))
    throttle.failed(a), throttle.failed(a)
    assert throttle.retry_after(a) == 0                         # 2 since the success, not 5
    throttle.failed(sign_in_keys("office", "user@example.org", "10.0.0.1", 6))   # 6 from one address
    assert throttle.retry_after(sign_in_keys("office", "new@example.org", "10.0.0.1", 6)) > 0
    assert throttle.retry_after(sign_in_keys("office", "new@example.org", "10.0.0.9", 6)) == 0
    # the office's and the families' counts are apart
    assert throttle.retry_after(sign_in_keys("family", "new@example.org", "10.0.0.1", 6)) == 0


def test_failures_outside_the_window_are_forgotten_and_codes_lock_for_the_whole_window(db):
    clock = Clock()
    throttle = Throttle(db, CODES, clock)
    key = {"family:code:10.0.0.3": 3}
    throttle.failed(key), throttle.failed(key)
    clock.t += 15 * 60                                          # the window has passed
    throttle.failed(key), throttle.failed(key)
    assert throttle.retry_after(key) == 0 and throttle.failed(key) == 0   # never slowed, only refused
    assert throttle.retry_after(key) == 15 * 60


def test_two_servers_sharing_the_database_count_the_same_failures(db, db_url):
    clock = Clock()
    # two processes' throttles: separate engines and connection pools on one database
    other = Database(open_database(db_url))
    try:
        a, b = Throttle(db, clock=clock), Throttle(other, clock=clock)
        keys = sign_in_keys("family", "famille@example.org", "10.0.0.4", 20)
        for _ in range(2):
            a.failed(keys), b.failed(keys)
        assert a.retry_after(keys) == b.retry_after(keys) == 0
        b.failed(keys)                                          # the 5th, wherever it lands
        assert a.retry_after(keys) == b.retry_after(keys) == 60
    finally:
        other.engine.dispose()


@pytest.mark.postgres
def test_wrong_passwords_spread_over_two_server_processes_still_end_in_429(pg_cluster):
    db_url = pg_cluster.create_database(f"throttle_{uuid.uuid4().hex[:8]}")
    wrong = {"email": "famille.dupont@example.org", "password": "pas le bon mot de passe"}
    with running_server(db_url) as a, running_server(db_url) as b:
        answers = [requests.post(f"{srv.url}/api/v1/family/session", json=wrong, timeout=30).status_code
                   for srv in (a, b, a, b, a, b)]
    # one process would have counted 3 and the other 3: each under the limit of 5 if counted apart
    assert answers == [401] * 5 + [429], answers
