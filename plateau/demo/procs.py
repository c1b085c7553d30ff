"""The demo's child processes: started in their own process group with a log file each, and
stopped in order (SIGTERM to the group, a bounded wait, then SIGKILL for stragglers).

Each child gets its own session so a Ctrl-C in the terminal reaches only the conductor, which
then stops the children in the right order (kiosk, sync daemons, server) and leaves no orphan.
Used from the conductor's main thread only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def plateau_argv(*args: str) -> list[str]:
    """The `plateau` console script of this interpreter (works from a venv without activating it)."""
    return [sys.executable, "-m", "plateau.cli", *args]


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Children:
    """Every process the demo started, newest last."""

    logs: Path
    items: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict | None = None) -> Child:
        log = self.logs / f"{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env={**os.environ, **(env or {})}, start_new_session=True)
        child = Child(name, proc, log)
        self.items.append(child)
        return child

    def stop(self, child: Child, timeout: float = 10.0) -> int | None:
        """SIGTERM its process group, wait up to `timeout`, then SIGKILL the group."""
        if child.alive():
            _signal_group(child.proc, signal.SIGTERM)
            try:
                child.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(child.proc, signal.SIGKILL)
                child.proc.wait(5)
        else:
            _signal_group(child.proc, signal.SIGKILL)  # grandchildren left behind by a dead child
        return child.proc.returncode

    def stop_all(self, timeout: float = 10.0) -> dict[str, int | None]:
        """Newest first: the kiosk before the daemons, the daemons before the server."""
        codes = {}
        for child in reversed(self.items):
            codes[child.name] = self.stop(child, timeout)
        return codes

    def dead(self) -> list[Child]:
        return [c for c in self.items if not c.alive()]


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_until(predicate, timeout: float, step: float = 0.1) -> bool:
    """Poll `predicate()` until true or `timeout` seconds; exceptions count as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except Exception:
            pass
        time.sleep(step)
    return False
