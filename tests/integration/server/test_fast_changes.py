"""The fast path of station long-polls (`fast_changes.py`) answers exactly what the route answers.

A plain query (`since`, `limit`, `wait` only) of a station whose token the server remembers is
answered by the fast path; the same query with one more parameter (which the route ignores) goes
to the route. Both must send the same bytes, for every cursor, and the same errors.
"""

from __future__ import annotations

import threading
import time

import pytest

from plateau.server.fast_changes import parse_query
from tests.integration.server.conftest import Api, passage, ticket_persons

ROUTE = "&by=route"   # an unknown parameter: the route ignores it, the fast path passes it on


def _both(api, query: str):
    api.get(f"/api/v1/sync/changes?{query}")   # the token is remembered from here on
    fast = api.get(f"/api/v1/sync/changes?{query}")
    route = api.get(f"/api/v1/sync/changes?{query}{ROUTE}")
    return fast, route


def test_the_same_json_for_every_cursor_and_limit(env):
    station = env.station()
    head = station.get("/api/v1/sync/changes?since=0&limit=5000").json()["head"]
    for query in ("", "since=0", "since=0&limit=7", f"since={head // 2}&limit=50", f"since={head - 1}",
                  f"since={head}", f"since={head}&wait=0", f"since={head + 1000}&limit=1", "limit=5000&since=3"):
        fast, route = _both(station, query)
        assert fast.status_code == route.status_code == 200, (query, fast.text)
        assert fast.content == route.content, query
        assert fast.headers["content-type"] == route.headers["content-type"] == "application/json"
        assert fast.headers["content-length"] == route.headers["content-length"]


def test_the_same_answer_after_a_wait_woken_by_a_push(env):
    station, pusher = env.station(), env.station("self-2")
    head = station.get("/api/v1/sync/changes?since=0&limit=5000").json()["head"]
    answers: dict = {}

    def poll(name, extra):
        own = Api(env.url, env.stations["self-1"])   # one connection each
        own.get(f"/api/v1/sync/changes?since={head}")
        answers[name] = own.get(f"/api/v1/sync/changes?since={head}&wait=20{extra}", timeout=40)

    pollers = [threading.Thread(target=poll, args=("fast", "")), threading.Thread(target=poll, args=("route", ROUTE))]
    for t in pollers:
        t.start()
    time.sleep(0.5)
    [person] = ticket_persons(env.school, 1)
    r = pusher.post("/api/v1/sync/passages", json={"passages": [passage(person, station="self-2")]})
    assert r.status_code == 200, r.text
    for t in pollers:
        t.join(timeout=30)
    assert answers["fast"].status_code == answers["route"].status_code == 200
    assert answers["fast"].json()["changes"], "the push did not wake the long-poll"
    assert answers["fast"].content == answers["route"].content


def test_the_same_errors(env):
    station = env.station()
    station.get("/api/v1/sync/changes?since=0&limit=1")
    for query in ("since=-1", "since=abc", "limit=0", "limit=5001", "wait=61", "wait=nan", f"since={2**62 + 1}",
                  "site=0000000X"):
        fast, route = station.get(f"/api/v1/sync/changes?{query}"), station.get(f"/api/v1/sync/changes?{query}{ROUTE}")
        assert fast.status_code == route.status_code and fast.status_code in (404, 422), (query, fast.text)
        assert fast.content == route.content, query
    for token in ("", "not-a-token", "x" * 300, env.revoked_station):
        api = Api(env.url, token)
        fast, route = api.get("/api/v1/sync/changes?since=0"), api.get(f"/api/v1/sync/changes?since=0{ROUTE}")
        assert fast.status_code == route.status_code == 401 and fast.json()["error"] == "unauthorized", token
        assert fast.content == route.content


@pytest.mark.parametrize("raw, asked", [
    (b"", {"since": 0, "limit": 500, "wait": 0.0}),
    (b"since=12&wait=25&limit=500", {"since": 12, "limit": 500, "wait": 25.0}),
    (b"since=0&wait=2.5", {"since": 0, "limit": 500, "wait": 2.5}),
    (b"since=4611686018427387904", {"since": 2**62, "limit": 500, "wait": 0.0}),
], ids=["defaults", "plain", "fraction", "largest-cursor"])
def test_plain_queries_take_the_fast_path(raw, asked):
    assert parse_query(raw) == asked


@pytest.mark.parametrize("raw", [
    b"since=-1", b"since=01", b"since=4611686018427387905", b"limit=0", b"limit=5001", b"wait=60.5", b"wait=1e1",
    b"since=1&since=2", b"site=0690000B", b"since=%31", b"since", b"since=1&", b"since=1&x=2", b"wait=nan",
    "since=١".encode(),
], ids=lambda raw: raw.decode(errors="replace"))
def test_anything_else_goes_to_the_route(raw):
    assert parse_query(raw) is None
