"""Stations' telemetry over real HTTP: the sync client's headers reach the station's row (clock skew
computed on receipt, a station clock set ahead), hostile headers never fail a request, a refused
token stores nothing, and two server processes on one database keep the newest observation."""

from __future__ import annotations

import time
from datetime import timedelta

import requests
from sqlalchemy import select

from plateau import __version__
from plateau.server import feed
from plateau.server import models as m
from plateau.server.station_telemetry import TelemetryRecorder
from plateau.sync import telemetry as tm
from plateau.sync.client import SyncClient
from tests.integration.server.conftest import SITE_A, passage
from tests.support.server import running_server

AHEAD = 125.5   # seconds the station's clock is ahead (the half second absorbs loopback latency)


def row(env, station: str) -> m.Station:
    with env.db.read() as s:
        site = s.execute(select(m.Site).where(m.Site.code == SITE_A)).scalar_one()
        st = s.execute(select(m.Station).where(m.Station.site_id == site.id, m.Station.station_id == station)
                       ).scalar_one()
        s.expunge(st)
        return st


def wait_row(env, station: str, condition, timeout: float = 15) -> m.Station:
    """The write runs after the request went on: poll the row (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        st = row(env, station)
        if condition(st) or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def test_the_client_s_telemetry_and_skew_reach_the_station_s_row(env):
    sent = {tm.READER: tm.reader_value("unplugged", "/dev/ttyUSB0"), tm.WAITING: "3", tm.PARKED: "1"}
    client = SyncClient(env.url, env.stations["self-1"], clock=lambda: time.time() + AHEAD,
                        telemetry=lambda: dict(sent))
    try:
        page = client.changes(0, limit=1)
        # the client's own estimate from the server's Date header agrees on the sign and size
        assert page.skew is not None and -128 < page.skew < -123
    finally:
        client.close()
    st = wait_row(env, "self-1", lambda st: st.contact_at is not None)
    assert st.version == __version__
    assert (st.reader_state, st.reader_detail, st.waiting, st.parked) == ("unplugged", "/dev/ttyUSB0", 3, 1)
    assert 120 <= st.clock_skew_seconds <= 126
    assert abs(st.contact_at - st.created_at) < timedelta(minutes=10)


HOSTILE = {tm.VERSION: "1.0<script>", tm.CLOCK: "nan", tm.READER: "on fire; \u00e9\u00e9",
           tm.WAITING: "-1", tm.PARKED: "9" * 300}


def test_hostile_headers_are_ignored_and_never_fail_a_request(env):
    api = env.station("self-2")
    headers = {"Authorization": f"Bearer {env.stations['self-2']}",
               **{k: v.encode("latin-1", "replace").decode("latin-1") for k, v in HOSTILE.items()}}
    for _ in range(3):
        got = requests.get(env.url + "/api/v1/sync/changes?since=0&limit=1", headers=headers, timeout=30)
        assert got.status_code == 200, got.text
    pushed = requests.post(env.url + "/api/v1/sync/passages", headers=headers, timeout=30,
                           json={"passages": [passage(None, station="self-2", accepted=False, reason="unknown_card",
                                                      card_uid="DEADBEEF")]})
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "stored"
    st = wait_row(env, "self-2", lambda st: st.contact_at is not None)
    assert (st.version, st.reader_state, st.waiting, st.parked, st.clock_skew_seconds) == (None,) * 5
    # a raw byte that is not Latin-1 text, a header of 8 kB: still answered
    raw = requests.get(env.url + "/api/v1/sync/changes?since=0&limit=1", timeout=30,
                       headers={"Authorization": headers["Authorization"], tm.READER: b"error; \xff\xfe",
                                tm.VERSION: "v" * 8000})
    assert raw.status_code == 200
    assert api.get("/api/v1/health").status_code == 200
    assert "station self-2: telemetry header ignored" in env.srv.log()


def test_a_refused_token_stores_no_telemetry(env):
    good = {tm.CLOCK: f"{time.time():.3f}", tm.READER: "ready", tm.WAITING: "0", tm.PARKED: "0"}
    for token in (env.revoked_station, "pst_not_a_token", None):
        headers = {**good, **({"Authorization": f"Bearer {token}"} if token else {})}
        got = requests.get(env.url + "/api/v1/sync/changes?since=0&limit=1", headers=headers, timeout=30)
        assert got.status_code == 401
    time.sleep(0.5)   # a write started by mistake would be there by now
    assert row(env, "old").contact_at is None


def test_two_server_processes_keep_the_newest_observation(env):
    client = SyncClient(env.url, env.stations["self-1"], telemetry=lambda: {tm.READER: "error; gone"})
    with running_server(env.db_url) as second:
        other = SyncClient(second.url, env.stations["self-1"], telemetry=lambda: {tm.READER: "ready"})
        try:
            client.changes(0, limit=1)
            wait_row(env, "self-1", lambda st: st.reader_state == "error")
            other.changes(0, limit=1)   # the other process has not written this station yet: it does
            st = wait_row(env, "self-1", lambda st: st.reader_state == "ready")
            assert st.reader_state == "ready"
        finally:
            other.close()
            client.close()
    # an observation older than the stored one (a slow write finishing late) changes nothing
    with env.db.read() as s:
        site_id = s.execute(select(m.Site.id).where(m.Site.code == SITE_A)).scalar_one()
    older = st.contact_at - timedelta(seconds=1)
    TelemetryRecorder(env.db).write(site_id, "self-1", {"contact_at": older, "reader_state": "stopped"})
    assert row(env, "self-1").reader_state == "ready"



def test_one_batch_writes_each_station_s_own_columns_and_skips_the_older_observations(env):
    # the recorder writes the rows due together in one transaction (hundreds of stations started
    # together are due together): rows with and without telemetry, and a stale one, in one batch
    with env.db.read() as s:
        site_id = s.execute(select(m.Site.id).where(m.Site.code == SITE_A)).scalar_one()
    before = row(env, "self-1")
    stale = before.contact_at - timedelta(seconds=1)
    now = feed.now()
    TelemetryRecorder(env.db).write_many([
        ((site_id, "self-1"), {"contact_at": stale, "reader_state": "stopped"}),
        ((site_id, "self-2"), {"contact_at": now, "version": "9.9.9", "reader_state": "ready", "reader_detail": None,
                               "waiting": 3, "parked": 1, "clock_skew_seconds": -7}),
        ((site_id, "old"), {"contact_at": now}),
    ])
    assert row(env, "self-1").reader_state == before.reader_state
    two = row(env, "self-2")
    assert (two.version, two.reader_state, two.waiting, two.parked, two.clock_skew_seconds) == \
        ("9.9.9", "ready", 3, 1, -7)
    assert row(env, "old").contact_at is not None
