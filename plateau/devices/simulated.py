"""A simulated reader for demos and tests: one UID per line from stdin, a FIFO or a loopback TCP port.

    simulated_source = "stdin"
    simulated_source = "fifo:/run/plateau/badges"      # echo 04A1B2C3D4E5F6 > /run/plateau/badges
    simulated_source = "tcp:127.0.0.1:7000"           # echo 04A1B2C3D4E5F6 | nc -q0 127.0.0.1 7000

Lines go through the same parser as a line-based serial reader (uid_format, prefix, suffix),
so a demo exercises the real normalisation and debounce.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import selectors
import socket
import stat
import sys

from plateau.devices.base import ReaderUnavailable
from plateau.devices.frames import LineParser
from plateau.devices.worker import ThreadedReader

log = logging.getLogger(__name__)

POLL_S = 0.1


def parse_source(source: str) -> tuple[str, str | tuple[str, int]]:
    """'stdin' | 'fifo:PATH' | 'tcp:HOST:PORT' → (kind, where); ValueError with a clear message."""
    if source in ("", "stdin", "-"):
        return "stdin", ""
    kind, _, rest = source.partition(":")
    if kind == "fifo" and rest:
        return "fifo", rest
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        try:
            number = int(port)
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            raise ValueError(f"simulated source {source!r}: expected tcp:127.0.0.1:PORT") from None
        if not 0 <= number <= 65535:
            raise ValueError(f"simulated source {source!r}: port must be 0-65535")
        if not loopback:
            raise ValueError(f"simulated source {source!r}: the simulator listens on loopback only "
                             f"(anyone on the network could badge)")
        return "tcp", (host, number)
    raise ValueError(f"simulated source {source!r}: expected stdin, fifo:/path or tcp:127.0.0.1:PORT")


class SimulatedReader(ThreadedReader):
    """Reads UIDs, one per line, from `source`; runs on its own `threading.Thread`.

    For TCP, `address` gives the bound (host, port) once READY (port 0 picks a free port).
    """

    kind = "simulated"

    def __init__(self, source: str = "stdin", *, uid_format: str = "hex", prefix: str = "", suffix: str = "",
                 name: str = "reader", debounce_ms: int = 1500, **kwargs) -> None:
        super().__init__(name, debounce_ms=debounce_ms, **kwargs)
        self.source = source
        self._kind, self._where = parse_source(source)
        self._line_args = (uid_format, prefix, suffix)
        self._selector: selectors.BaseSelector | None = None
        self._listener: socket.socket | None = None
        self._fifo_fd: int | None = None
        self.address: tuple[str, int] | None = None

    def describe(self) -> str:
        return self.source or "stdin"

    def _open(self) -> None:
        selector = selectors.DefaultSelector()
        if self._kind == "stdin":
            if sys.stdin is None or sys.stdin.closed:
                raise ReaderUnavailable("stdin is closed", unplugged=True)
            selector.register(sys.stdin.fileno(), selectors.EVENT_READ, LineParser(*self._line_args))
        elif self._kind == "fifo":
            path = str(self._where)
            try:
                if not os.path.exists(path):
                    os.mkfifo(path, 0o660)
                elif not stat.S_ISFIFO(os.stat(path).st_mode):
                    raise ReaderUnavailable(f"{path} exists and is not a FIFO")
                # O_RDWR: we are a writer too, so the FIFO never reports end-of-file between writers
                self._fifo_fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
            except OSError as exc:
                raise ReaderUnavailable(f"{path}: cannot open FIFO: {exc.strerror}") from exc
            selector.register(self._fifo_fd, selectors.EVENT_READ, LineParser(*self._line_args))
        else:
            host, port = self._where  # type: ignore[misc]
            try:
                listener = socket.create_server((host, port), reuse_port=False)
            except OSError as exc:
                raise ReaderUnavailable(f"tcp:{host}:{port}: cannot listen: {exc.strerror}") from exc
            listener.setblocking(False)
            self._listener = listener
            self.address = listener.getsockname()[:2]
            log.info("reader=%s event=listening address=tcp:%s:%d", self.name, *self.address)
            selector.register(listener, selectors.EVENT_READ, None)
        self._selector = selector

    def _session(self) -> None:
        selector = self._selector
        assert selector is not None
        while not self.stopping.is_set():
            if not selector.get_map():
                self.stopping.wait(POLL_S)
                continue
            for key, _ in selector.select(POLL_S):
                if key.fileobj is self._listener:
                    conn, peer = self._listener.accept()  # type: ignore[union-attr]
                    conn.setblocking(False)
                    log.info("reader=%s event=client_connected peer=%s", self.name, peer)
                    selector.register(conn, selectors.EVENT_READ, LineParser(*self._line_args))
                    continue
                fd = key.fd
                try:
                    data = os.read(fd, 4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    if isinstance(key.fileobj, socket.socket):
                        key.fileobj.close()
                        continue
                    if self._kind == "stdin":
                        # end of a piped script: stay READY and idle until stopped
                        log.info("reader=%s event=stdin_closed", self.name)
                    continue
                log.debug("reader=%s raw=%s", self.name, data.hex())
                self._handle(key.data.feed(data))

    def _close(self) -> None:
        selector, self._selector = self._selector, None
        if selector is not None:
            for key in list(selector.get_map().values()):
                if isinstance(key.fileobj, socket.socket):
                    key.fileobj.close()
            selector.close()
        if self._fifo_fd is not None:
            os.close(self._fifo_fd)
            self._fifo_fd = None
        self._listener = None
