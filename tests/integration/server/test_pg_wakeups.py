"""Several server processes on one PostgreSQL: wake-ups by LISTEN/NOTIFY, one leader for the
background jobs, a health check a balancer can use, per-process metrics."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
import requests

from tests.integration.server.conftest import SITE_A, Api, seed_env
from tests.support.postgres import wait_for
from tests.support.server import running_server



@pytest.fixture(scope="module")
def pg_env(pg_cluster):
    db_url = pg_cluster.create_database(f"wake_{uuid.uuid4().hex[:8]}")
    db, school, tokens, admin, *_ = seed_env(db_url, pupils=30)
    yield db_url, db, tokens, admin
    db.engine.dispose()


def _metrics(url: str, admin: str) -> dict[str, float]:
    text = Api(url, admin).get("/metrics").text
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name.split("{", 1)[0] + ("" if "le=" not in name else name[name.index("le="):])] = float(value)
    return out


def _write_person(db, name: str) -> None:
    from plateau.server import store

    with db.write() as s:
        site = store.get_site(s, SITE_A)
        store.upsert_person(s, site, external_id=f"W-{name}", last_name=name.upper(), first_name="Wake",
                            plan="ticket")


def _head(api: Api) -> int:
    return api.get("/api/v1/sync/changes?since=0&limit=5000").json()["head"]


def _long_poll(api: Api, since: int, out: dict) -> None:
    started = time.monotonic()
    r = api.get(f"/api/v1/sync/changes?since={since}&wait=20", timeout=40)
    out["seconds"], out["body"] = time.monotonic() - started, r.json()


def _poll_waiting(srv, station: Api, admin: str) -> tuple[threading.Thread, dict]:
    """A long-poll of `station` from its site's head, started in a thread and seen waiting by
    the server, with the site's channel LISTENed to (a write before that is caught by the
    resync, not NOTIFY); its answer lands in the dict once the thread ends."""
    since = _head(station)
    got: dict = {}
    poll = threading.Thread(target=_long_poll, args=(station, since, got))
    poll.start()
    assert wait_for(lambda: _metrics(srv.url, admin)["plateau_long_polls_waiting"] == 1, 10)
    assert wait_for(lambda: _metrics(srv.url, admin)["plateau_feed_channels"] == 1, 10)
    return poll, got


@pytest.mark.postgres
def test_a_write_by_another_process_wakes_the_long_poll_through_notify(pg_env):
    db_url, db, tokens, admin = pg_env
    with running_server(db_url) as srv:
        poll, got = _poll_waiting(srv, Api(srv.url, tokens["self-1"]), admin)
        _write_person(db, "notified")   # this test process is the other process
        poll.join(30)
        assert [c["data"]["last_name"] for c in got["body"]["changes"]] == ["NOTIFIED"]
        seen = _metrics(srv.url, admin)
        # the wake-up came from PostgreSQL's NOTIFY (the listener measures it), not from polling
        assert seen["plateau_feed_listener_connected"] == 1
        assert seen["plateau_wakeup_seconds_count"] >= 1
        # measured from the writer's stamp in the notification's payload: seconds, not decades
        assert seen["plateau_wakeup_seconds_sum"] < 10 * seen["plateau_wakeup_seconds_count"]


@pytest.mark.postgres
def test_a_lost_listen_connection_loses_no_wake_up_and_comes_back(pg_env):
    db_url, db, tokens, admin = pg_env
    with running_server(db_url) as srv:
        poll, got = _poll_waiting(srv, Api(srv.url, tokens["self-1"]), admin)
        with psycopg.connect(db_url, autocommit=True) as conn:
            killed = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = 'plateau feed listener'").fetchall()
        assert killed == [(True,)]
        _write_person(db, "while-down")
        poll.join(30)
        assert [c["data"]["last_name"] for c in got["body"]["changes"]] == ["WHILE-DOWN"]
        assert wait_for(lambda: _metrics(srv.url, admin)["plateau_feed_listener_connected"] == 1, 10)


@pytest.mark.postgres
def test_two_processes_elect_one_leader_for_the_background_jobs(pg_env):
    db_url, _db, _tokens, admin = pg_env
    with running_server(db_url) as a, running_server(db_url) as b:
        def leaders():
            return [_metrics(s.url, admin)["plateau_background_leader"] for s in (a, b)]

        assert wait_for(lambda: sorted(leaders()) == [0, 1], 15)
        first = a if leaders()[0] == 1 else b
        other = b if first is a else a
        first.stop()   # the lock goes with its connection: the other process takes over
        assert wait_for(lambda: _metrics(other.url, admin)["plateau_background_leader"] == 1, 15)


@pytest.mark.postgres
def test_metrics_need_an_admin_token(pg_env):
    db_url, _db, tokens, admin = pg_env
    with running_server(db_url) as srv:
        assert Api(srv.url).get("/metrics").status_code == 401
        assert Api(srv.url, tokens["self-1"]).get("/metrics").status_code == 403
        r = Api(srv.url, admin).get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert "plateau_db_pool_checked_out" in r.text and "plateau_push_seconds_bucket" in r.text
        assert "plateau_push_commits_total" in r.text
        # the serving process's collector: what building the app made is frozen, pauses are timed
        figures = _metrics(srv.url, admin)
        assert figures["plateau_gc_frozen_objects"] > 10_000
        assert "plateau_gc_pause_seconds_count" in figures


@pytest.mark.postgres
def test_health_says_503_while_the_database_is_unreachable(pg_env, pg_cluster):
    db_url, *_ = pg_env
    name = db_url.rsplit("/", 1)[1]
    with running_server(db_url) as srv, psycopg.connect(pg_cluster.admin_url, autocommit=True) as conn:
        assert Api(srv.url).get("/api/v1/health").status_code == 200
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            assert wait_for(lambda: Api(srv.url).get("/api/v1/health").status_code == 503, 10)
            r = Api(srv.url).get("/api/v1/health")
            assert r.json()["error"] == "database_unreachable"
        finally:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert wait_for(lambda: Api(srv.url).get("/api/v1/health").status_code == 200, 10)


@pytest.mark.postgres
def test_workers_serve_one_port_and_a_write_through_one_wakes_a_poll_on_another(pg_env):
    db_url, db, tokens, admin = pg_env
    with running_server(db_url, extra_args=("--workers", "2")) as srv:
        pids = set()

        def both_answer() -> bool:
            # fresh connections: the kernel spreads them over the workers (the second may still be
            # starting when the first answers the health check, on a loaded machine)
            for _ in range(40):
                text = requests.get(srv.url + "/metrics", timeout=10,
                                    headers={"Authorization": f"Bearer {admin}"}).text
                pids.add(text.split('pid="', 1)[1].split('"', 1)[0])
            return len(pids) == 2

        assert wait_for(both_answer, 20, interval=0.2)
        station = Api(srv.url, tokens["self-2"])
        since = _head(station)
        got: dict = {}
        poll = threading.Thread(target=_long_poll, args=(station, since, got))
        poll.start()
        time.sleep(0.3)
        _write_person(db, "workers")
        poll.join(30)
        assert [c["data"]["last_name"] for c in got["body"]["changes"]] == ["WORKERS"]


def test_workers_are_refused_on_sqlite_with_a_clear_message(tmp_path):
    import subprocess

    from tests.support.server import plateau_cmd

    done = subprocess.run(plateau_cmd("server", "--db", str(tmp_path / "s.db"), "--workers", "2", "--port", "1"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "--workers 2 needs PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.postgres
def test_a_revocation_by_another_process_reaches_every_process_through_notify(pg_env):
    from tests.integration.server.test_token_revocation import _first_refusal
    from tests.support.server import admin as plateau_admin

    db_url, _db, _tokens, admin = pg_env
    # tokens remembered for 30 s, and no periodic re-read while NOTIFY is on duty: only the
    # notification can make both processes forget the revoked token in time
    with running_server(db_url, extra_args=("--auth-cache-seconds", "30")) as a, \
            running_server(db_url, extra_args=("--auth-cache-seconds", "30")) as b:
        station = plateau_admin(db_url, "station", "add", SITE_A, "rev-pg").strip().splitlines()[-1]
        for srv in (a, b):
            assert wait_for(lambda: _metrics(srv.url, admin)["plateau_feed_listener_connected"] == 1, 10)
            for _ in range(3):
                assert Api(srv.url, station).get("/api/v1/sync/changes?since=0&limit=1").status_code == 200
        plateau_admin(db_url, "station", "revoke", SITE_A, "rev-pg")
        assert _first_refusal(a.url, station) < 0.8
        assert _first_refusal(b.url, station) < 0.8
