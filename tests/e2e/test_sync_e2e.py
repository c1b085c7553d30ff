"""The sync daemon end to end: `plateau server` (SQLite and PostgreSQL), `plateau sync` and
`plateau pass` as real processes on loopback.
"""

from __future__ import annotations

import shutil
import signal
import time
from datetime import date, timedelta

import pytest
import requests

from tests.integration.sync.harness import (UAI, Station, add_station, server_balances, server_passages)
from tests.support.server import running_server

PUPILS = 150


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):
    """A server SQLite database seeded once with a small demo school, copied by each test."""
    from plateau.demo.school import generate
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    path = tmp_path_factory.mktemp("template") / "server.db"
    db = Database(open_database(str(path)))
    with db.write() as s:
        seed_changes(s, generate(pupils=PUPILS).changes)
    db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def school():
    from plateau.demo.school import generate

    return generate(pupils=PUPILS)



def server_db(backend: str, tmp_path, request, template) -> str:
    if backend == "sqlite":
        target = tmp_path / "server.db"
        shutil.copy(template, target)
        return str(target)
    from plateau.demo.school import generate
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database(f"sync_{tmp_path.name[-20:].replace('-', '_').lower()}")
    db = Database(open_database(url))
    with db.write() as s:
        seed_changes(s, generate(pupils=PUPILS).changes)
    db.engine.dispose()
    return url


def first_ticket_pupil(school, skip=0):
    found = [p for p, d in sorted(school.persons.items())
             if d["plan"] == "ticket" and p in school.cards and p not in school.absent_today
             and d["leaving_date"] is None and d["status"] == "active"]
    return found[skip]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_station_syncs_both_ways_and_stops_cleanly(backend, tmp_path, request, seeded_template, school):
    db_url = server_db(backend, tmp_path, request, seeded_template)
    with running_server(db_url) as srv:
        token = add_station(db_url, "self-1")
        st = Station(tmp_path / "self-1", "self-1", srv.url, token, wait_seconds=10)
        # first sync of a new station: everything the rules need
        once = st.sync_once()
        assert "pulled" in once.stdout
        assert st.scalar("SELECT count(*) FROM person") == len(school.persons)
        assert st.scalar("SELECT value FROM sync_state WHERE key = 'first_sync_done'") == "1"
        daemon = st.start_sync()
        try:
            # a passage recorded by `plateau pass` reaches the server within a second or so
            pupil = first_ticket_pupil(school)
            done = st.passage(school.cards[pupil], "2026-11-23T12:03:00")
            assert done.returncode == 0, done.stdout + done.stderr
            st.wait_for("SELECT count(*) FROM outbox", 0, timeout=10)
            stored = server_passages(db_url)
            assert len(stored) == 1 and next(iter(stored.values()))[2] == pupil
            assert st.query("SELECT server_cents, version FROM balance WHERE person_id = ?", (pupil,))[0] == \
                server_balances(db_url)[pupil]
            # a change made on the server (a reservation booked by the office) arrives by long-poll
            admin_token = srv.admin("token", "add", "--admin").strip().splitlines()[-1]
            other = first_ticket_pupil(school, 1)
            # a school day still open for booking, whenever the test runs (a fixed date passes its
            # cutoff one day; closed days and holidays are refused): the first that the server takes
            for ahead in range(2, 40):
                day = (date.today() + timedelta(days=ahead)).isoformat()
                resp = requests.put(f"{srv.url}/api/v1/persons/{other}/reservations/{day}/dejeuner",
                                    headers={"Authorization": f"Bearer {admin_token}"}, timeout=10)
                if resp.status_code != 409 or resp.json().get("error") != "closed_day":
                    break
            assert resp.status_code in (200, 201), resp.text
            took = st.wait_for("SELECT count(*) FROM reservation WHERE person_id = ? AND date = ?", 1,
                               params=(other, day), timeout=10)
            assert took < 3
            status = dict(st.query("SELECT key, value FROM sync_state"))
            assert status["online"] == "1" and status["last_error"] == "" and status["last_success_at"]
        finally:
            started = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(10)
            stopped_in = time.monotonic() - started
        assert code == 0, st.log()
        assert stopped_in < 3.5, f"SIGTERM took {stopped_in:.1f} s"
        assert "Traceback" not in st.log()


def test_revoked_station_stops_and_says_so(tmp_path, request, seeded_template):
    db_url = server_db("sqlite", tmp_path, request, seeded_template)
    with running_server(db_url) as srv:
        token = add_station(db_url, "self-1")
        st = Station(tmp_path / "self-1", "self-1", srv.url, token, wait_seconds=2)
        st.sync_once()
        daemon = st.start_sync()
        try:
            time.sleep(0.5)
            srv.admin("station", "revoke", UAI, "self-1")
            st.wait_for("SELECT value FROM sync_state WHERE key = 'online'", "0", timeout=15)
            error = st.scalar("SELECT value FROM sync_state WHERE key = 'last_error'")
            assert error.startswith("station token refused: revoked or wrong"), error
            assert daemon.poll() is None        # stays up, quiet: no restart loop hammering the server
            once = st.sync_once(check=False)
            assert once.returncode == 2 and "station token refused" in once.stderr
        finally:
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(10) == 0


def test_unreachable_server_fails_once_with_nonzero_and_marks_offline(tmp_path):
    from tests.support.server import free_port

    st = Station(tmp_path / "self-1", "self-1", f"http://127.0.0.1:{free_port()}", "tok", timeout_seconds=1)
    once = st.sync_once(check=False)
    assert once.returncode == 1 and "cannot reach the server" in once.stderr
    assert st.scalar("SELECT value FROM sync_state WHERE key = 'online'") == "0"
    assert st.scalar("SELECT value FROM sync_state WHERE key = 'offline_since'")


def test_bad_configuration_is_one_line(tmp_path):
    st = Station(tmp_path / "s", "self-1", "http://127.0.0.1:9", "")
    done = st.sync_once(check=False)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "token is required" in done.stderr


def test_a_station_without_server_url_idles_quietly(tmp_path):
    """An empty [server] url is a station meant to run alone: the daemon stays up (no restart loop
    under systemd) and stops cleanly; `--once` says what is missing."""
    st = Station(tmp_path / "alone", "self-1", "", "")
    once = st.sync_once(check=False)
    assert once.returncode == 2 and "url is required" in once.stderr
    daemon = st.start_sync()
    time.sleep(1.5)
    assert daemon.poll() is None
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(10) == 0
    assert "does not sync" in st.log()
