"""HTTP with bounds, for the sync client: an answer is never read past a maximum size, and a
request has an overall deadline that a server dripping one byte at a time cannot stretch.

A socket timeout alone does not bound a request: it restarts at every byte received. So each
request gets a watchdog thread that, at the deadline, shuts down the sockets the request uses;
the thread blocked reading them wakes up at once with an error (`DeadlinePassed`). The sockets
are found through the connection pool: `BoundedAdapter` mounts pools whose connections tell the
current request's watch about their socket (a reused one when handed out, a new one when it
connects; http.client drops its reference once the answer owns the socket, so it is kept here).

Used by one thread per `requests.Session` (the sync client's rule); the watchdog threads are
short-lived and only ever shut sockets down.
"""

from __future__ import annotations

import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection

CHUNK = 64 * 1024


class AnswerTooLarge(Exception):
    """The answer is larger than the maximum: it was not read past it."""


class DeadlinePassed(Exception):
    """The request did not finish (answer read whole) within its deadline."""


_current = threading.local()   # the watch of the request running on this thread


class _Watch:
    """The connections one request uses, shut down at its deadline (from the watchdog thread)."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.expired = False
        self.finished = threading.Event()
        self._socks: list = []
        self._lock = threading.Lock()

    def add(self, sock) -> None:
        if sock is not None:
            with self._lock:
                self._socks.append(sock)

    def run(self) -> None:
        if self.finished.wait(max(0.0, self.deadline - time.monotonic())):
            return
        # past the deadline: shut the sockets down, again every quarter second in case one was
        # still connecting (its socket did not exist yet) and goes on to read after all
        while True:
            with self._lock:
                if self.finished.is_set():
                    return
                self.expired = True
                for sock in self._socks:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            if self.finished.wait(0.25):
                return

    def finish(self) -> None:
        with self._lock:
            self.finished.set()


def _watch_socket(sock) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.add(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self):
        super().connect()
        _watch_socket(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self):
        super().connect()
        _watch_socket(self.sock)


class _Watched:
    def _get_conn(self, timeout=None):
        conn = super()._get_conn(timeout)
        _watch_socket(getattr(conn, "sock", None))   # a kept-alive connection: no connect() this time
        return conn


class _HTTPPool(_Watched, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(_Watched, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class BoundedAdapter(HTTPAdapter):
    """requests' adapter with pools that report their connections to the request's watch."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy, **kwargs):
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are urllib3's own: socket timeouts only
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def bounded_session() -> requests.Session:
    session = requests.Session()
    adapter = BoundedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch(session: requests.Session, method: str, url: str, *, timeout: tuple[float, float], deadline: float,
          max_bytes: int, **kwargs) -> tuple[requests.Response, bytes]:
    """Send one request and read its answer whole, within `deadline` seconds and `max_bytes`.

    Raises AnswerTooLarge, DeadlinePassed, or requests' own exceptions (connection, timeout)."""
    watch = _Watch(time.monotonic() + deadline)
    _current.watch = watch
    threading.Thread(target=watch.run, name="sync-deadline", daemon=True).start()
    try:
        resp = session.request(method, url, timeout=timeout, stream=True, **kwargs)
        try:
            length = resp.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise AnswerTooLarge(f"{int(length)} bytes announced")
            chunks, total = [], 0
            for chunk in resp.iter_content(CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise AnswerTooLarge(f"more than {max_bytes} bytes")
                chunks.append(chunk)
        finally:
            resp.close()
        if watch.expired:  # an answer without a length ends at EOF: a shut socket looks like one
            raise DeadlinePassed()
        return resp, b"".join(chunks)
    except requests.RequestException as exc:
        if watch.expired:
            raise DeadlinePassed() from exc
        raise
    finally:
        watch.finish()
        _current.watch = None
