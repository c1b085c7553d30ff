"""Talking to systemd: readiness and the watchdog over ``$NOTIFY_SOCKET`` (stdlib only).

The kiosk unit is ``Type=notify`` with ``WatchdogSec=``: the kiosk sends ``READY=1`` once its
window shows, then ``WATCHDOG=1`` at `watchdog_interval()` from a timer *on the Qt main thread*,
so that a frozen screen stops the pings and systemd restarts the kiosk. Outside systemd (tests,
a developer's terminal) every function here does nothing and returns False.

The kiosk runs under the ``cage`` compositor, so systemd's main PID is cage and ``WATCHDOG_PID``
names it, not us: the unit sets ``NotifyAccess=all`` and we accept a WATCHDOG_PID that is our
parent. Functions are thread-safe (one datagram per call, no shared state).
"""

from __future__ import annotations

import os
import socket
from typing import Mapping


def _address(env: Mapping[str, str]) -> str | bytes | None:
    path = env.get("NOTIFY_SOCKET", "")
    if not path:
        return None
    if path.startswith("@"):  # Linux abstract namespace: a leading NUL byte
        return b"\0" + path[1:].encode()
    if path.startswith("/"):
        return path
    return None  # vsock and other schemes: not used by our units


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send one sd_notify datagram (``"READY=1"``, ``"WATCHDOG=1"``, ``"STATUS=..."``).

    Returns True when sent; False when not under systemd or when the socket is gone (a
    notification must never take the kiosk down).
    """
    address = _address(os.environ if env is None else env)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
        return True
    except OSError:
        return False


def ready(status: str | None = None, env: Mapping[str, str] | None = None) -> bool:
    """Tell systemd the service is up (``Type=notify`` units wait for this)."""
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""), env)


def watchdog(env: Mapping[str, str] | None = None) -> bool:
    """One watchdog ping: call it at `watchdog_interval()` from the thread that must stay alive."""
    return notify("WATCHDOG=1", env)


def status(text: str, env: Mapping[str, str] | None = None) -> bool:
    """A one-line status shown by ``systemctl status`` (e.g. "offline since 11:52")."""
    return notify(f"STATUS={text}", env)


def stopping(env: Mapping[str, str] | None = None) -> bool:
    return notify("STOPPING=1", env)


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings (half of ``WatchdogSec=``), or None when no watchdog watches us."""
    env = os.environ if env is None else env
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid not in (str(os.getpid()), str(os.getppid())):
        return None  # meant for another process (e.g. a child we started inherited it)
    return usec / 2_000_000
