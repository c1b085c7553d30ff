"""Request bodies cannot hold the server: a token before any body, bodies bounded in time and number.

A real `plateau server` process on loopback: 60 unauthenticated clients each start an 8 MB body
and stall; the server's memory hardly grows and a station's push is still served at once. A
valid token's slow body is answered 408, and too many bodies at once 503.
"""

from __future__ import annotations

import socket
import time
import uuid
from datetime import datetime, timezone

import requests

from tests.integration.server.conftest import SITE_A, seed_env, ticket_persons
from tests.support.server import admin, running_server

STALLED = 60
BODY = 7_900_000  # under the 8 MiB limit: each one would be buffered whole
PUSH = "/api/v1/sync/passages"


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _headers(port: int, length: int, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST {PUSH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n{auth}"
            f"Content-Length: {length}\r\n\r\n").encode()


def _stall(port: int, n: int, body: int, token: str | None = None, budget: float = 20) -> list[socket.socket]:
    """Open `n` connections, each sending headers and as much of a `body`-byte body as the server
    takes, never finishing it (non-blocking: a server that stops reading stops us too)."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(_headers(port, body, token))
        s.setblocking(False)
        socks.append(s)
    sent = [0] * n
    chunk = b"[" * 65536
    deadline = time.monotonic() + budget
    last_progress = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_progress < 1.0:
        moved = False
        for i, s in enumerate(socks):
            if sent[i] >= body - len(chunk):  # all but the end: the body never completes
                continue
            try:
                sent[i] += s.send(chunk)
                moved = True
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:  # the server answered and closed: fine
                sent[i] = body
        if moved:
            last_progress = time.monotonic()
        elif all(x >= body - len(chunk) for x in sent):
            break
        else:
            time.sleep(0.01)
    return socks


def _passage(pid: int) -> dict:
    at = datetime.now(timezone.utc)
    return {"id": str(uuid.uuid4()), "station": "self-1", "at": at.isoformat(), "local_date": at.date().isoformat(),
            "service": "dejeuner", "card_uid": None, "person_id": pid, "kind": "badge", "accepted": True,
            "reason": "ok", "price_cents": 0, "balance_after_cents": None, "staff_id": None, "motive": None,
            "ref": None, "warnings": []}


def test_sixty_stalled_unauthenticated_bodies_hold_no_memory_and_a_push_is_still_served(tmp_path):
    db_url = str(tmp_path / "server.db")
    db, school, tokens, *_ = seed_env(db_url, pupils=10)
    pid = ticket_persons(school, 1)[0]
    db.engine.dispose()
    with running_server(db_url) as srv:
        station = tokens["self-1"]
        auth = {"Authorization": f"Bearer {station}"}
        for _ in range(3):  # warm up: the first requests import and allocate what they need
            assert requests.post(srv.url + PUSH, json={"passages": [_passage(pid)]}, headers=auth,
                                 timeout=10).status_code == 200
        before = _rss_mb(srv.proc.pid)
        socks = _stall(srv.port, STALLED, BODY)
        try:
            time.sleep(0.5)
            grown = _rss_mb(srv.proc.pid) - before
            started = time.monotonic()
            r = requests.post(srv.url + PUSH, json={"passages": [_passage(pid)]}, headers=auth, timeout=10)
            served_in = time.monotonic() - started
            assert r.status_code == 200 and r.json()["results"][0]["status"] == "stored", r.text
            assert grown < 100, f"the server grew by {grown:.0f} MB holding {STALLED} stalled bodies"
            assert served_in < 2, f"a push took {served_in:.1f} s while {STALLED} bodies stalled"
        finally:
            for s in socks:
                s.close()


def test_a_body_that_stops_coming_is_answered_408_and_too_many_at_once_503(tmp_path):
    db_url = str(tmp_path / "server.db")
    db, _school, tokens, *_ = seed_env(db_url, pupils=10)
    db.engine.dispose()
    with running_server(db_url, extra_args=("--body-idle-seconds", "0.5", "--max-bodies-in-flight", "2")) as srv:
        station = tokens["self-1"]
        slow = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        slow.sendall(_headers(srv.port, 1000, station) + b'{"passages": [')
        answer = b""
        while b"request_timeout" not in answer:
            got = slow.recv(4096)
            if not got:
                break
            answer += got
        assert answer.startswith(b"HTTP/1.1 408") and b"request_timeout" in answer, answer
        slow.close()
        # two bodies stalled with a valid token take both slots; a third waits its turn (503)
        held = _stall(srv.port, 2, 1000, station, budget=1)
        time.sleep(0.15)  # both are authenticated and waiting for their bodies
        try:
            r = requests.post(srv.url + PUSH, json={"passages": []}, timeout=10,
                              headers={"Authorization": f"Bearer {station}"})
            assert r.status_code == 503 and r.json()["error"] == "unavailable", r.text
            assert r.headers["Retry-After"] == "1"
        finally:
            for s in held:
                s.close()
        time.sleep(0.7)  # the stalled ones timed out: slots free again
        r = requests.post(srv.url + PUSH, json={"passages": []}, timeout=10,
                          headers={"Authorization": f"Bearer {station}"})
        assert r.status_code == 200, r.text
        # an unknown token is refused before its body is read
        r = requests.post(srv.url + PUSH, data=b"x" * 1000, timeout=10, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401
        assert admin(db_url, "site", "show", SITE_A)
