"""A hostile HTTP server on loopback, for the sync client's bounds: it answers every request
with what `behaviour` says, and counts the bytes it managed to send.

    with HostileServer() as hostile:
        hostile.huge(64 * 2**20)                  # a 64 MiB answer
        hostile.drip(b'{"changes": []...}', 0.1)  # one byte every 0.1 s
        hostile.page({"changes": [], "cursor": 10**30, "more": False})

One thread accepts, one thread per connection; `sent` is the body bytes written so far.
"""

from __future__ import annotations

import json
import socket
import threading
import time


class HostileServer:
    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.behaviour = ("page", {"changes": [], "cursor": 0, "more": False})
        self.sent = 0
        self.requests: list[str] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True, name="hostile").start()

    # -- what to answer --------------------------------------------------------------------------
    def page(self, body: dict) -> None:
        self.behaviour = ("raw", json.dumps(body).encode())

    def huge(self, size: int, *, announce: bool = True) -> None:
        """A valid change-feed page padded with `size` bytes of spaces (Content-Length announced,
        or not: then the body just keeps coming until the connection closes)."""
        self.behaviour = ("huge", (size, announce))

    def drip(self, body: bytes, interval: float, *, headers_too: bool = False) -> None:
        self.behaviour = ("drip", (body, interval, headers_too))

    def close(self) -> None:
        self._closed.set()
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- internals -------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.requests.append(data.split(b"\r\n", 1)[0].decode())
            kind, arg = self.behaviour
            if kind == "raw":
                conn.sendall(_head(len(arg)) + arg)
                self.sent += len(arg)
            elif kind == "huge":
                size, announce = arg
                start, end = b'{"changes": [], "cursor": 0, "more": false', b"}"
                conn.sendall(_head(len(start) + size + len(end) if announce else None) + start)
                block = b" " * 65536
                left = size
                while left > 0 and not self._closed.is_set():
                    n = min(left, len(block))
                    conn.sendall(block[:n])
                    self.sent += n
                    left -= n
                conn.sendall(end)
            elif kind == "drip":
                body, interval, headers_too = arg
                payload = _head(len(body)) + body if headers_too else body
                if not headers_too:
                    conn.sendall(_head(len(body)))
                for i in range(len(payload)):
                    if self._closed.is_set():
                        return
                    conn.sendall(payload[i:i + 1])
                    self.sent += 1
                    time.sleep(interval)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def _head(length: int | None) -> bytes:
    size = f"content-length: {length}\r\n" if length is not None else ""
    return (f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{size}connection: close\r\n\r\n").encode()
