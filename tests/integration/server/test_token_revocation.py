"""A token revoked (or re-issued) by `plateau admin` — another process — is refused at once,
although the server remembers valid tokens (here for 30 s, to make any leftover obvious)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests

from tests.integration.server.conftest import SITE_A, seed_env
from tests.support.server import admin, running_server


def _first_refusal(url: str, token: str, timeout: float = 5) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        r = requests.get(f"{url}/api/v1/sync/changes?since=0&limit=1",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if r.status_code == 401:
            return time.monotonic() - started
        assert r.status_code == 200, r.text
        time.sleep(0.02)
    raise AssertionError(f"the revoked token was still accepted after {timeout} s")


def test_a_revocation_by_another_process_takes_effect_within_a_feed_poll(tmp_path):
    db_url = str(tmp_path / "server.db")
    db, *_ = seed_env(db_url, pupils=10)
    db.engine.dispose()
    with running_server(db_url, extra_args=("--auth-cache-seconds", "30")) as srv:
        station = admin(db_url, "station", "add", SITE_A, "rev-1").strip().splitlines()[-1]
        api_token = admin(db_url, "token", "add", "--admin").strip().splitlines()
        number = api_token[0].split()[2]
        auth = {"Authorization": f"Bearer {api_token[-1]}"}
        for _ in range(3):  # both are remembered now
            assert requests.get(f"{srv.url}/api/v1/sync/changes?since=0&limit=1",
                                headers={"Authorization": f"Bearer {station}"}, timeout=10).status_code == 200
            assert requests.get(f"{srv.url}/api/v1/sites/{SITE_A}", headers=auth, timeout=10).status_code == 200
        admin(db_url, "station", "revoke", SITE_A, "rev-1")
        assert _first_refusal(srv.url, station) < 0.8
        admin(db_url, "token", "revoke", number)
        started = time.monotonic()
        while requests.get(f"{srv.url}/api/v1/sites/{SITE_A}", headers=auth, timeout=10).status_code == 200:
            assert time.monotonic() - started < 0.8, "the revoked admin token is still accepted"
            time.sleep(0.02)
        # a new token for a station (station rotate) retires the old one just as fast
        old = admin(db_url, "station", "add", SITE_A, "rev-2").strip().splitlines()[-1]
        assert requests.get(f"{srv.url}/api/v1/sync/changes?since=0&limit=1",
                            headers={"Authorization": f"Bearer {old}"}, timeout=10).status_code == 200
        new = admin(db_url, "station", "rotate", SITE_A, "rev-2").strip().splitlines()[-1]
        assert new != old
        assert _first_refusal(srv.url, old) < 0.8
        assert requests.get(f"{srv.url}/api/v1/sync/changes?since=0&limit=1",
                            headers={"Authorization": f"Bearer {new}"}, timeout=10).status_code == 200


def test_a_long_poll_opened_before_a_revocation_never_answers_a_change_made_after_it(tmp_path):
    _long_poll_across_a_revocation(str(tmp_path / "server.db"))


@pytest.mark.postgres
def test_on_postgresql_too_where_the_token_change_is_told_by_notify(pg_cluster):
    # there the woken long-poll does not read the token tables again: it relies on PostgreSQL
    # telling the token change before the feed change that follows it (auth.authenticate_again)
    _long_poll_across_a_revocation(pg_cluster.create_database(f"revoke_{uuid.uuid4().hex[:8]}"))


def _long_poll_across_a_revocation(db_url: str) -> None:
    db, *_ = seed_env(db_url, pupils=10)
    db.engine.dispose()
    with running_server(db_url, extra_args=("--auth-cache-seconds", "30")) as srv:
        station = admin(db_url, "station", "add", SITE_A, "poll-1").strip().splitlines()[-1]
        auth = {"Authorization": f"Bearer {station}"}
        head = requests.get(f"{srv.url}/api/v1/sync/changes?since=0&limit=5000", headers=auth,
                            timeout=10).json()["cursor"]
        answers: list = []

        def long_poll():
            r = requests.get(f"{srv.url}/api/v1/sync/changes?since={head}&wait=30", headers=auth, timeout=60)
            answers.append(r)

        poller = threading.Thread(target=long_poll)
        poller.start()
        time.sleep(0.5)  # the long-poll is waiting, its token checked and remembered
        admin(db_url, "station", "revoke", SITE_A, "poll-1")       # another process
        admin(db_url, "tariff", "add", SITE_A, "passager", "--price-cents", "777")  # a change after it
        poller.join(timeout=40)
        assert answers, "the long-poll did not answer"
        r = answers[0]
        if r.status_code == 200:
            assert r.json()["changes"] == [], "a revoked station received a change made after its revocation"
        else:
            assert r.status_code == 401 and r.json()["error"] == "unauthorized", r.text
