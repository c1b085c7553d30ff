"""`plateau station` as a real process: a simulated reader on loopback, a real replica, SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send(port: int, line: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(line.encode() + b"\n")
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def station_files(tmp_path, demo_school):
    from plateau.db.engine import open_replica
    from plateau.demo.school import seed_replica

    engine = open_replica(tmp_path / "station.db")
    seed_replica(engine, demo_school)
    engine.dispose()
    port = _free_port()
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\nid = "self-9"\nsite = "0691234X"\n[db]\npath = "{tmp_path / "station.db"}"\n'
                      f'[reader]\nkind = "simulated"\nsimulated_source = "tcp:127.0.0.1:{port}"\n'
                      f'debounce_ms = 0\n', encoding="utf-8")
    return config, tmp_path / "station.db", port


def test_the_kiosk_process_records_a_badge_from_its_reader_and_stops_on_sigterm(station_files, demo_school):
    config, db, port = station_files
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "plateau.cli", "station", "--windowed", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    try:
        deadline = time.monotonic() + 20
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "idle screen shown" in line or not line:
                break
        assert any("idle screen shown" in line for line in lines), "".join(lines)
        _send(port, demo_school.cards[1])
        found = None
        for _ in range(100):
            with sqlite3.connect(db) as con:
                found = con.execute("SELECT station, card_uid FROM passage").fetchall()
            if found:
                break
            time.sleep(0.1)
        assert found == [("self-9", demo_school.cards[1])]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()


def test_the_kiosk_tells_systemd_it_is_ready_and_feeds_the_watchdog(station_files, tmp_path):
    """plateau-kiosk.service is Type=notify with WatchdogSec=: without READY=1 and regular WATCHDOG=1
    from the GUI thread, systemd would kill the kiosk. A real notify socket listens here."""
    config, _db, _port = station_files
    sock_path = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(sock_path))
    listener.settimeout(0.5)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NOTIFY_SOCKET=str(sock_path), WATCHDOG_USEC="600000")
    proc = subprocess.Popen([sys.executable, "-m", "plateau.cli", "station", "--windowed", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    messages: list[str] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (any(m.startswith("READY=1") for m in messages)
                                                   and messages.count("WATCHDOG=1") >= 3):
            try:
                messages.append(listener.recv(4096).decode())
            except socket.timeout:
                pass
        assert any(m.startswith("READY=1") for m in messages), messages
        assert messages.count("WATCHDOG=1") >= 3, messages
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        listener.settimeout(2)
        tail = []
        try:
            while True:
                tail.append(listener.recv(4096).decode())
        except socket.timeout:
            pass
        assert "STOPPING=1" in tail + messages
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        listener.close()
