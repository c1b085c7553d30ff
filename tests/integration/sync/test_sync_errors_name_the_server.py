"""Every sync error says which server failed: the daemon's stderr line and the status staff read
(a station configured with a wrong URL is then found at a glance)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from plateau.db.engine import open_replica
from plateau.sync import status
from plateau.sync.daemon import run_once
from plateau.sync.loops import SyncLoops, SyncOptions
from tests.support.server import free_port


class _Failing(BaseHTTPRequestHandler):
    """A real HTTP server on loopback that answers every request with `code`."""

    code = 503

    def do_GET(self):  # noqa: N802 (http.server API)
        body = b'{"error": "down", "reason": "maintenance"}' if self.code != 401 else \
            b'{"error": "unauthorized", "reason": "unknown token"}'
        self.send_response(self.code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_server():
    servers = []

    def start(code: int) -> str:
        handler = type("Handler", (_Failing,), {"code": code})
        srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _once(tmp_path, url, capsys):
    engine = open_replica(tmp_path / "station.db")
    try:
        code = run_once(SyncLoops(engine, SyncOptions(url=url, token="tok", timeout=2, wait=0)))
        shown = status.status_of(engine).last_error
    finally:
        engine.dispose()
    return code, capsys.readouterr().err, shown


def test_an_unreachable_server_is_named(tmp_path, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    code, err, shown = _once(tmp_path, url, capsys)
    assert code == 1 and f"cannot reach the server at {url}" in err, err
    assert url in shown, shown


@pytest.mark.parametrize("http, words", [(503, "HTTP 503 from"), (401, "station token refused")])
def test_a_failing_or_refusing_server_is_named(tmp_path, capsys, failing_server, http, words):
    url = failing_server(http)
    code, err, shown = _once(tmp_path, url, capsys)
    assert code in (1, 2) and words in err and url in err, err
    assert url in shown, shown
