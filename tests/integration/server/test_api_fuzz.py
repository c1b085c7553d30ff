"""Error bodies for every status, request limits, and property-based fuzzing of the served OpenAPI.

The fuzzing (schemathesis 3.x) loads `/api/v1/openapi.json` from the running server and, for
every operation, sends generated requests with a token allowed to call it; every answer must
be documented, match its schema and never be a 5xx. Bounded: a few examples per operation.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlparse

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.integration.server.conftest import SITE_A


def _error(r, status, code=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "reason"} and body["reason"]
    if code:
        assert body["error"] == code


def test_every_error_has_the_error_and_reason_body(env):
    _error(env.admin.get("/api/v1/no/such/thing"), 404, "not_found")
    _error(env.admin.post("/api/v1/health"), 405, "method_not_allowed")
    _error(env.admin.get("/api/v1/sync/changes?since=-1", params={"site": SITE_A}), 422, "invalid_request")
    _error(env.station().get("/api/v1/sync/changes?limit=abc"), 422)
    _error(env.station().post("/api/v1/sync/passages", {"nope": []}), 422)
    _error(env.admin.get("/api/v1/persons/999999"), 404, "not_found")
    _error(env.admin.get("/api/v1/persons/99999999999"), 422)
    _error(env.admin.get("/api/v1/sites/0000000Z"), 404)
    _error(env.admin.put("/api/v1/persons/1/reservations/2026-02-30/dejeuner"), 422)
    _error(env.admin.get(f"/api/v1/sites/{SITE_A}/persons?q=a%00b"), 422)
    r = env.station().http.post(env.url + "/api/v1/sync/passages", data=b"{not json",
                                headers={"Authorization": f"Bearer {env.stations['self-1']}",
                                         "Content-Type": "application/json"}, timeout=10)
    _error(r, 422)
    _error(env.admin.put(f"/api/v1/sites/{SITE_A}/settings", {"settings": {"cutoff_mode": "whenever"}}), 422)
    _error(env.admin.put(f"/api/v1/sites/{SITE_A}/settings", {"settings": {"colour": "blue"}}), 422)


def test_a_body_over_the_limit_is_refused_with_413(env):
    big = {"passages": [{"id": "x" * 1000}] * 9000}  # about 9 MB, over the 8 MiB default
    _error(env.station().post("/api/v1/sync/passages", big), 413, "request_too_large")
    # a body streamed without a declared length is counted as it arrives
    url = urlparse(env.url)
    chunk = b"x" * 65536
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        sock.sendall((f"POST /api/v1/sync/passages HTTP/1.1\r\nHost: {url.netloc}\r\n"
                      f"Authorization: Bearer {env.stations['self-1']}\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n").encode())
        answer = b""
        try:
            for _ in range(140):  # 140 x 64 KiB > 8 MiB
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except OSError:
            pass  # the server may close as soon as it answered
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1].split(b"\r\n")[-1] or b"{}").get("error") in (
        "request_too_large", None)


@pytest.fixture(scope="module")
def served_schema(env):
    # FastAPI serves OpenAPI 3.1, which schemathesis 3.x reads as 3.0 when told to
    return schemathesis.from_uri(env.url + "/api/v1/openapi.json", base_url=env.url, force_schema_version="30")


schema = schemathesis.from_pytest_fixture("served_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_fuzz_the_openapi_document_no_500_no_schema_violation(case, env):
    token = env.stations["self-1"] if case.path == "/api/v1/sync/passages" else env.admin_token
    if case.path == "/api/v1/sync/changes":
        case.query = {**(case.query or {}), "wait": 0}  # fuzzing is not about long polls
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, timeout=30)
