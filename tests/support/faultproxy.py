"""A loopback HTTP proxy that breaks answers on purpose (fault injection for the sync tests).

`FaultProxy(upstream_port)` listens on 127.0.0.1 and forwards each request to the upstream
server on a fresh connection (``Connection: close``), then, according to its current
`mode` (or a random draw for ``mode="random"``), does to the answer one of:

- ``pass``      forward it untouched;
- ``refuse``    close the client's connection before the request reaches the server
                (a cut network: nothing happened on the server);
- ``drop``      forward the request, let the server act on it, then close the client's
                connection without an answer (the lost acknowledgement);
- ``stall``     forward the request, then hold the client's connection silent for
                `stall_seconds` (the client times out) and close it;
- ``truncate``  send only a part of the answer, then close;
- ``corrupt``   send the answer with bytes of its body replaced by 0xFF (same length). Always
                invalid: on a real network TCP checksums and TLS stop silent changes; what the
                daemon must show is that it never applies an answer it cannot read;
- ``fail``      forward the request, let the server act on it, answer 500 instead (a server
                that committed and then crashed while answering);
- ``unavailable`` answer 503 without forwarding (an overloaded or restarting server);
- ``rewrite``   send ``rewriter(body)`` instead of the body (valid HTTP, fitted Content-Length):
                for answers that parse but break the protocol;
- ``answer``    answer `canned` (status, headers, body: see `answer()`) without forwarding: what a
                misconfigured or rate-limiting reverse proxy says (404 page, 429, HTML 502, 413).

`by_path` maps a path prefix to a canned answer given, whatever the mode, to requests for it (a
proxy that does not route one endpoint). `max_body` (bytes, 0 = none) makes the proxy answer 413
to any request whose body is larger, without forwarding it, like nginx's `client_max_body_size`.

Runs its own threads (one accept thread, one per connection); `counts` tells what it did.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter

MODES = ("pass", "refuse", "drop", "stall", "truncate", "corrupt", "fail", "unavailable", "rewrite", "answer")

_ERROR = ("HTTP/1.1 {code} {text}\r\ncontent-type: application/json\r\ncontent-length: {n}\r\n"
          "connection: close\r\n\r\n{body}")


def _error(code: int, text: str) -> bytes:
    body = '{"error": "injected", "reason": "fault proxy"}'
    return _ERROR.format(code=code, text=text, n=len(body), body=body).encode()


def _canned(status: int, body: str, content_type: str = "text/html",
            headers: dict[str, str] | None = None) -> bytes:
    data = body.encode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (f"HTTP/1.1 {status} Whatever\r\ncontent-type: {content_type}\r\ncontent-length: {len(data)}\r\n"
            f"{extra}connection: close\r\n\r\n").encode() + data


def _read_request(conn: socket.socket, deadline: float) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = _recv(conn, deadline)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = _recv(conn, deadline)
        if not chunk:
            return None
        body += chunk
    lines = [line for line in head.split(b"\r\n")
             if not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body


def _recv(conn: socket.socket, deadline: float) -> bytes:
    conn.settimeout(max(0.05, deadline - time.monotonic()))
    try:
        return conn.recv(65536)
    except (socket.timeout, OSError):
        return b""


class FaultProxy:
    """Loopback proxy with switchable faults. Thread-safe setters; runs its own threads."""

    def __init__(self, upstream_port: int, *, upstream_host: str = "127.0.0.1", mode: str = "pass",
                 weights: dict[str, float] | None = None, stall_seconds: float = 3.0, seed: int = 1):
        self.upstream = (upstream_host, upstream_port)
        self.mode = mode
        self.weights = weights or {"pass": 0.6, "refuse": 0.08, "drop": 0.08, "stall": 0.08,
                                   "truncate": 0.08, "corrupt": 0.08}
        self.stall_seconds = stall_seconds
        self.rewriter = lambda body: body
        self.script: list[str] = []   # modes for the next connections, in order, before `mode`
        self.date_offset = 0.0        # seconds added to the server's `Date` header (a server clock ahead)
        self.canned = _canned(404, "<html><body><h1>404 Not Found</h1></body></html>")
        self.max_body = 0             # bytes; larger request bodies are answered 413 (0: no limit)
        self.by_path: dict[str, bytes] = {}   # path prefix -> canned answer (see `_canned`)
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="faultproxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, mode: str, **weights: float) -> None:
        assert mode in MODES + ("random",), mode
        with self._lock:
            self.mode = mode
            if weights:
                self.weights = weights

    def answer(self, status: int, body: str = "", content_type: str = "text/html",
               headers: dict[str, str] | None = None, *, mode: bool = True) -> None:
        """Set the canned answer (and, with `mode`, switch to answering it to every request)."""
        with self._lock:
            self.canned = _canned(status, body, content_type, headers)
        if mode:
            self.set("answer")

    def close(self) -> None:
        self._closed.set()
        try:
            self._sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- internals ----------------------------------------------------------------------------
    def _pick(self) -> str:
        with self._lock:
            if self.script:
                return self.script.pop(0)
            if self.mode != "random":
                return self.mode
            names, weights = zip(*self.weights.items())
            return self.rng.choices(names, weights)[0]

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                if self._closed.is_set():
                    return
                continue  # a client that died before we accepted it (ECONNABORTED): keep serving
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            fault = self._pick()
            request = _read_request(conn, time.monotonic() + 30)
            if request is None:
                return
            with self._lock:
                self.counts[fault] += 1
            if fault == "refuse":
                return
            if fault == "unavailable":
                conn.sendall(_error(503, "Service Unavailable"))
                return
            path = request.split(b" ", 2)[1].decode(errors="replace") if request.count(b" ") >= 2 else ""
            routed = next((answer for prefix, answer in self.by_path.items() if path.startswith(prefix)), None)
            if routed is not None:
                with self._lock:
                    self.counts["by_path"] += 1
                conn.sendall(routed)
                return
            if fault == "answer":
                conn.sendall(self.canned)
                return
            if self.max_body and len(request.partition(b"\r\n\r\n")[2]) > self.max_body:
                with self._lock:
                    self.counts["too_large"] += 1
                conn.sendall(_canned(413, "<html><body>413 Request Entity Too Large</body></html>"))
                return
            answer = self._forward(request)
            if answer is None:  # upstream down: like a refused connection
                with self._lock:
                    self.counts["upstream_down"] += 1
                return
            if fault == "pass":
                conn.sendall(self._shift_date(answer) if self.date_offset else answer)
            elif fault == "drop":
                return
            elif fault == "fail":
                conn.sendall(_error(500, "Internal Server Error"))
            elif fault == "stall":
                self._closed.wait(self.stall_seconds)
            elif fault == "truncate":
                cut = max(1, len(answer) * 2 // 3 if b"\r\n\r\n" in answer[: len(answer) * 2 // 3]
                          else len(answer) // 2)
                conn.sendall(answer[:cut])
            elif fault == "corrupt":
                conn.sendall(self._corrupt(answer))
            elif fault == "rewrite":
                conn.sendall(self._rewrite(answer))
        except OSError:
            pass
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _forward(self, request: bytes) -> bytes | None:
        try:
            up = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            return None
        try:
            up.sendall(request)
            up.settimeout(60)
            chunks = []
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError:
            return None
        finally:
            up.close()

    def _corrupt(self, answer: bytes) -> bytes:
        head, sep, body = answer.partition(b"\r\n\r\n")
        if not body:
            return answer
        data = bytearray(body)
        with self._lock:
            positions = [self.rng.randrange(len(data)) for _ in range(max(1, len(data) // 50))]
        for i in positions:
            data[i] = 0xFF
        return head + sep + bytes(data)

    def _shift_date(self, answer: bytes) -> bytes:
        from email.utils import formatdate, parsedate_to_datetime

        head, sep, body = answer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        for i, line in enumerate(lines):
            if line.lower().startswith(b"date:"):
                when = parsedate_to_datetime(line[5:].strip().decode()).timestamp() + self.date_offset
                lines[i] = b"date: " + formatdate(when, usegmt=True).encode()
        return b"\r\n".join(lines) + sep + body

    def _rewrite(self, answer: bytes) -> bytes:
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if any(line.lower().startswith(b"transfer-encoding:") for line in lines):
            raise AssertionError("rewrite needs a Content-Length answer")
        body = self.rewriter(body)
        lines = [line for line in lines if not line.lower().startswith(b"content-length:")]
        return b"\r\n".join(lines) + f"\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body
