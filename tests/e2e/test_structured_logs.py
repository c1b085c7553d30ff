"""`plateau server` and `plateau sync` log through `plateau.logs`: one key=value line per event
on stderr (real processes on loopback; their stderr read line by line)."""

from __future__ import annotations

import re
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.integration.sync.harness import PLATEAU, Station, add_station
from tests.support.server import free_port

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+ level=(DEBUG|INFO|WARNING|ERROR|CRITICAL) program=(\S+) ")


@pytest.fixture()
def server_db(tmp_path):
    from plateau.demo.school import generate
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    path = tmp_path / "server.db"
    db = Database(open_database(str(path)))
    with db.write() as s:
        seed_changes(s, generate(pupils=20).changes)
    db.engine.dispose()
    return str(path)


def _start_server(db: str, port: int, stderr_path, *extra: str) -> subprocess.Popen:
    err = open(stderr_path, "wb")
    proc = subprocess.Popen([PLATEAU, *extra, "server", "--db", db, "--port", str(port), "--log-level", "info"],
                            stdout=subprocess.DEVNULL, stderr=err)
    err.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, stderr_path.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("plateau server did not start")


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(15)
        # uvicorn re-raises the SIGTERM it handled once it has shut down cleanly
        return 0 if code == -signal.SIGTERM else code
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


def _lines(path) -> list[str]:
    return [line for line in path.read_text(errors="replace").splitlines() if line.strip()]


def _assert_structured(lines: list[str], program: str) -> None:
    assert lines, "nothing was logged"
    for line in lines:
        found = LINE.match(line)
        assert found and found.group(2) == program, f"not a {program} key=value line: {line!r}"
        assert " msg=" in line and "\x1b" not in line, line


def test_server_logs_one_key_value_line_per_event(server_db, tmp_path):
    port = free_port()
    proc = _start_server(server_db, port, tmp_path / "server.err")
    assert _stop(proc) == 0
    lines = _lines(tmp_path / "server.err")
    _assert_structured(lines, "server")
    # uvicorn's own start and stop go through the same format (not "INFO:     Started ...")
    assert any("logger=uvicorn.error" in line and "Started server process" in line for line in lines), lines
    assert any("Shutting down" in line for line in lines), lines


def test_server_debug_flag_logs_at_debug(server_db, tmp_path):
    proc = _start_server(server_db, free_port(), tmp_path / "server.err", "--debug")
    assert _stop(proc) == 0
    lines = _lines(tmp_path / "server.err")
    _assert_structured(lines, "server")
    assert any(" level=DEBUG " in line for line in lines), lines


def test_sync_daemon_logs_one_key_value_line_per_event(server_db, tmp_path):
    port = free_port()
    server = _start_server(server_db, port, tmp_path / "server.err")
    try:
        token = add_station(server_db, "self-1")
        station = Station(tmp_path / "self-1", "self-1", f"http://127.0.0.1:{port}", token, wait_seconds=2)
        err_path = tmp_path / "sync.err"
        err = open(err_path, "wb")
        daemon = subprocess.Popen([PLATEAU, "--debug", "sync", "--config", str(station.config)],
                                  stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        try:
            station.wait_for("SELECT value FROM sync_state WHERE key = 'first_sync_done'", "1", timeout=30)
            # a passage pushed: its acknowledgement is logged at DEBUG
            uid = station.scalar("SELECT c.uid FROM card c JOIN person p ON p.id = c.person_id "
                                 "WHERE c.status = 'active' AND p.plan = 'ticket' ORDER BY p.id")
            station.passage(uid, "2026-11-23T12:03:00")
            station.wait_for("SELECT count(*) FROM outbox", 0, timeout=10)
            time.sleep(0.3)
        finally:
            code = _stop(daemon)
        assert code == 0, err_path.read_text()
    finally:
        _stop(server)
    lines = _lines(err_path)
    _assert_structured(lines, "sync")
    assert all(" station=self-1 " in line for line in lines), lines
    # the first sync's snapshot pages ("rows applied"), then the feed's ("changes applied")
    assert any("pull:" in line and "snapshot taken at" in line and "rows applied" in line for line in lines), lines
    assert any(" level=DEBUG " in line for line in lines), lines   # --debug still works
