"""`plateau server` as a real subprocess on a free loopback port, for tests and benchmarks.

    with running_server(db_url) as srv:          # waits for /api/v1/health
        requests.get(srv.url + "/api/v1/health")
        token = srv.admin("station", "add", "0691234X", "self-1").splitlines()[-1]

`admin(db_url, *args)` runs `plateau admin --db URL ...` and returns its stdout (raises with
its stderr on failure). Every wait is bounded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from typing import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plateau_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "plateau.cli", *args]


def admin(db_url: str, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
    done = subprocess.run(plateau_cmd("admin", "--db", db_url, *args), input=stdin, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"plateau admin {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


class ServerProcess:
    """A `plateau server` child process. Start/stop from one thread (the test's)."""

    def __init__(self, db_url: str, *, port: int | None = None, extra_args: tuple[str, ...] = (),
                 env: dict | None = None):
        self.db_url = db_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.log_path: str | None = None

    def start(self, timeout: float = 30) -> "ServerProcess":
        import tempfile

        log = tempfile.NamedTemporaryFile(prefix="plateau-server-", suffix=".log", delete=False)
        self.log_path = log.name
        self.proc = subprocess.Popen(
            plateau_cmd("server", "--db", self.db_url, "--host", "127.0.0.1", "--port", str(self.port),
                        "--log-level", "warning", *self.extra_args),
            stdout=log, stderr=subprocess.STDOUT, env=self.env)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"plateau server exited with {self.proc.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"plateau server did not answer /api/v1/health within {timeout} s: {self.log()}")

    def log(self) -> str:
        try:
            with open(self.log_path or "", encoding="utf-8", errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def admin(self, *args: str, stdin: str | None = None) -> str:
        return admin(self.db_url, *args, stdin=stdin)

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout)


@contextmanager
def running_server(db_url: str, **kwargs) -> Iterator[ServerProcess]:
    srv = ServerProcess(db_url, **kwargs).start()
    try:
        yield srv
    finally:
        srv.stop()
        if srv.log_path:
            try:
                os.unlink(srv.log_path)
            except OSError:
                pass
