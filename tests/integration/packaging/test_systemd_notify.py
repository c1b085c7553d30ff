"""sd_notify over a real AF_UNIX datagram socket, as systemd listens for it."""

from __future__ import annotations

import os
import socket

import pytest

from plateau import systemd


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield sock, {"NOTIFY_SOCKET": str(path)}
    sock.close()


def test_ready_watchdog_and_status_reach_the_socket(notify_socket):
    sock, env = notify_socket
    assert systemd.ready("kiosk shown", env=env)
    assert sock.recv(4096) == b"READY=1\nSTATUS=kiosk shown"
    assert systemd.watchdog(env=env)
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert systemd.status("offline since 11:52", env=env)
    assert sock.recv(4096) == "STATUS=offline since 11:52".encode()


def test_abstract_namespace_socket():
    name = f"plateau-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(2)
        assert systemd.watchdog(env={"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(64) == b"WATCHDOG=1"


def test_outside_systemd_or_with_a_dead_socket_nothing_happens(tmp_path):
    assert systemd.ready(env={}) is False
    assert systemd.watchdog(env={"NOTIFY_SOCKET": str(tmp_path / "gone")}) is False


def test_watchdog_interval_is_half_the_timeout_and_accepts_the_compositor_as_main_pid():
    assert systemd.watchdog_interval({}) is None
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    # under cage, systemd's main PID (WATCHDOG_PID) is the compositor, our parent
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getppid())}) == 15.0
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) in (None, 15.0)
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "999999999"}) is None
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "junk"}) is None
