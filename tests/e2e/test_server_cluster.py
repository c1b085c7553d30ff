"""Two `plateau server` processes on one PostgreSQL behind HAProxy (packaging/haproxy/haproxy.cfg),
with `plateau sync` and `plateau pass` as real processes: wake-ups cross processes, the
cross-station refusal holds across processes, and killing a process loses nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.test_sync_e2e import school, seeded_template, server_db  # noqa: F401  (fixtures)
from tests.integration.sync.harness import Station, add_station, server_passages
from tests.support.server import admin, free_port, running_server

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(shutil.which("haproxy") is None, reason="HAProxy is not installed")]

CONFIG = Path(__file__).parents[2] / "packaging" / "haproxy" / "haproxy.cfg"
PARIS = ZoneInfo("Europe/Paris")


def _balancer(tmp_path: Path, front: int, ports: list[int]) -> subprocess.Popen:
    """HAProxy with the shipped configuration, only its addresses rewritten to free loopback ports."""
    text = CONFIG.read_text()
    text = text.replace("bind 127.0.0.1:8470", f"bind 127.0.0.1:{front}")
    for i, port in enumerate(ports, 1):
        text = re.sub(rf"(server plateau-{i} )127\.0\.0\.1:\d+", rf"\g<1>127.0.0.1:{port}", text)
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(text)
    proc = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=open(tmp_path / "haproxy.log", "wb"),
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{front}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("HAProxy did not come up: " + (tmp_path / "haproxy.log").read_text())


def _ticket_pupils(school, n):
    return [p for p, d in sorted(school.persons.items())
            if d["plan"] == "ticket" and p in school.cards and p not in school.absent_today
            and d["leaving_date"] is None and d["status"] == "active"][:n]


def _book(url, admin_token, person):
    for ahead in range(2, 40):   # a school day still open for booking, whenever the test runs
        day = (date.today() + timedelta(days=ahead)).isoformat()
        resp = requests.put(f"{url}/api/v1/persons/{person}/reservations/{day}/dejeuner",
                            headers={"Authorization": f"Bearer {admin_token}"}, timeout=10)
        if resp.status_code != 409 or resp.json().get("error") != "closed_day":
            assert resp.status_code in (200, 201), resp.text
            return day
    raise AssertionError("no day open for booking")


def test_two_processes_behind_a_balancer_share_wake_ups_refusals_and_survive_a_kill(
        tmp_path, request, seeded_template, school):
    db_url = server_db("postgres", tmp_path, request, seeded_template)
    admin_token = admin(db_url, "token", "add", "--admin").strip().splitlines()[-1]
    front = free_port()
    with running_server(db_url) as a, running_server(db_url) as b:
        haproxy = _balancer(tmp_path, front, [a.port, b.port])
        stations = []
        try:
            via_a = Station(tmp_path / "self-1", "self-1", a.url, add_station(db_url, "self-1"), wait_seconds=25)
            via_b = Station(tmp_path / "self-2", "self-2", b.url, add_station(db_url, "self-2"), wait_seconds=25)
            balanced = Station(tmp_path / "self-3", "self-3", f"http://127.0.0.1:{front}",
                               add_station(db_url, "self-3"), wait_seconds=25, timeout_seconds=3)
            stations = [via_a, via_b, balanced]
            for st in stations:
                st.sync_once()
                st.start_sync()
            time.sleep(1.5)   # the daemons are up and long-polling
            first, second, *later = _ticket_pupils(school, 8)

            # a change made through B reaches the station long-polling A within a second
            day = _book(b.url, admin_token, first)
            took = via_a.wait_for("SELECT count(*) FROM reservation WHERE person_id = ? AND date = ?", 1,
                                  params=(first, day), timeout=10)
            assert took < 1.0

            # a meal taken at a station of A is refused at a station of B two seconds later
            at = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)
            answer = json.loads(via_a.passage(school.cards[second], at.isoformat()).stdout)
            assert answer["accepted"], answer
            via_b.wait_for("SELECT count(*) FROM passage WHERE id = ?", 1, params=(answer["passage_id"],),
                           timeout=5)
            again = json.loads(via_b.passage(school.cards[second], (at + timedelta(seconds=2)).isoformat()).stdout)
            assert again["reason"] == "already_served"

            # process A dies (SIGKILL, mid long-poll): the balanced station fails over to B, nothing lost
            a.proc.kill()
            a.proc.wait(10)
            ids = []
            for i, pupil in enumerate(later):
                done = json.loads(balanced.passage(
                    school.cards[pupil], (at + timedelta(minutes=5, seconds=20 * i)).isoformat()).stdout)
                ids.append(done["passage_id"])
            balanced.wait_for("SELECT count(*) FROM outbox", 0, timeout=20)
            stored = server_passages(db_url)
            assert set(ids) <= set(stored) and answer["passage_id"] in stored
            # and the station of B hears of them (its long-poll was never on A)
            for pid in ids:
                via_b.wait_for("SELECT count(*) FROM passage WHERE id = ?", 1, params=(pid,), timeout=10)
        finally:
            for st in stations:
                st.stop_all()
            haproxy.terminate()
            haproxy.wait(10)
