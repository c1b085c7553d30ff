"""The auth matrix: every route of the app's route table × every kind of token.

The routes are read from `create_app()`'s own table (its OpenAPI document, which lists every
API route whatever FastAPI's internal route objects, plus the plain routes of the app), so a
new route cannot be forgotten: a path
parameter this test has no value for fails it, and a route not listed as public or as a
station's is expected to take an admin token only. A station token reaches exactly what its
sync daemon calls (`plateau.sync.client`): the change feed, the snapshot and the two pushes. Another site's
resources answer a station exactly like resources that do not exist (same status, same body).
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from plateau.server.app import create_app
from plateau.server.settings import ServerSettings
from tests.integration.server.conftest import SITE_A, SITE_B, ticket_persons

PREFIX = "/api/v1"
PUBLIC = {("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect")}
# the family API's doors that take no token by design: signing in, activating, resetting a
# password, and the payment provider's notification and the family's return from its page (each
# checked on its own terms in test_family_*); every other family route takes a family token
FAMILY_DOORS = {("POST", "/family/session"), ("POST", "/family/activation"), ("POST", "/family/password-reset"),
                ("POST", "/family/password-reset/confirm"), ("GET", "/family/top-ups/{site}/notify"),
                ("POST", "/family/top-ups/{site}/notify"), ("GET", "/family/top-ups/{site}/return"),
                ("POST", "/family/top-ups/{site}/return"), ("GET", "/family/top-ups/{site}/pay/{reference}")}
UNPREFIXED = {"/docs/oauth2-redirect"}  # FastAPI serves Swagger's OAuth2 redirect outside the prefix
STATION = {("GET", "/sync/changes"), ("GET", "/sync/snapshot"), ("POST", "/sync/passages"),
           ("POST", "/sync/card-events")}
STATION_ONLY = {("POST", "/sync/passages"), ("POST", "/sync/card-events")}  # an admin pushes nothing
NOWHERE = "0000000X"
# the web pages and their static files answer to sessions, not tokens: their own access table is
# tested page by page and role by role in tests/web
WEB = ("/office", "/famille", "/static")
WRONG = "pst_not-a-token-anybody-was-given"


def route_table() -> list[tuple[str, str]]:
    """(method, path template without the prefix) of every route the server serves."""
    app = create_app(ServerSettings())
    out = set()
    for path, operations in app.openapi()["paths"].items():
        assert path.startswith(PREFIX), path
        out.update((method.upper(), path[len(PREFIX):]) for method in operations)
    for route in app.routes:  # the plain routes (documentation), which the document does not list
        if isinstance(route, APIRoute) or not hasattr(route, "path") or route.path.startswith(WEB):
            continue
        path = route.path[len(PREFIX):] if route.path.startswith(PREFIX) else route.path
        for method in route.methods or ():
            if method != "HEAD":
                assert (method, path) in PUBLIC, f"{method} {route.path}: a route outside the API routers"
                out.add((method, path))
    return sorted(out)


def concrete(path: str, values: dict) -> str:
    def value(match):
        name = match.group(1)
        assert name in values, f"the auth matrix has no value for the path parameter {{{name}}} of {path}"
        return str(values[name])

    return PREFIX + re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def _values(site: str, person: int) -> dict:
    return {"site": site, "person_id": person, "day": "2030-01-07", "service": "dejeuner", "uid": "0102030405",
            "opposition_id": "nope", "closure_id": "nope", "what": "daily", "kind": "persons",
            "child_id": person, "reference": "nope", "message_id": 1}


def _query(method: str, path: str, site: str) -> str:
    if path == "/sync/changes":
        return f"?since=0&site={site}"
    if path == "/sync/snapshot":
        return f"?site={site}"
    if path.startswith("/admin/imports/"):
        return f"?site={site}"
    return ""


def _call(env, method, path, token, site, person):
    url = (path if path in UNPREFIXED else concrete(path, _values(site, person))) + _query(method, path, site)
    body = {"passages": []} if path == "/sync/passages" else {"events": []} if path == "/sync/card-events" \
        else {}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if path.startswith("/admin/imports/"):
        return env.api().http.request(method, env.url + url, data=b"person;last_name\n", headers=headers,
                                      timeout=30)
    return env.api().http.request(method, env.url + url, json=body if method in ("POST", "PUT") else None,
                                  headers=headers, timeout=30)


def test_the_route_table_is_read(env):
    table = route_table()
    assert STATION <= set(table) and ("GET", "/sites/{site}/persons") in set(table)
    assert len(table) > 20


@pytest.mark.parametrize("who", ["none", "wrong", "revoked station", "revoked admin"])
def test_every_route_but_the_public_ones_refuses_a_missing_wrong_or_revoked_token(env, who):
    token = {"none": None, "wrong": WRONG, "revoked station": env.revoked_station,
             "revoked admin": env.revoked_admin}[who]
    pid = ticket_persons(env.school, 1, offset=72)[0]
    for method, path in route_table():
        if (method, path) in FAMILY_DOORS:
            continue
        r = _call(env, method, path, token, SITE_A, pid)
        if (method, path) in PUBLIC:
            assert r.status_code == 200, (method, path, r.status_code)
            continue
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.json()["error"] == "unauthorized"


@pytest.mark.parametrize("station", ["site A", "site B"])
def test_a_station_token_reaches_only_the_sync_routes_of_its_own_site(env, station):
    if station == "site A":
        token, site, pid = env.stations["self-1"], SITE_A, ticket_persons(env.school, 1, offset=72)[0]
    else:
        token, site, pid = env.station_b, SITE_B, env.person_b
    for method, path in route_table():
        if (method, path) in PUBLIC or (method, path) in FAMILY_DOORS:
            continue
        r = _call(env, method, path, token, site, pid)
        if (method, path) in STATION:
            assert r.status_code == 200, (method, path, r.status_code, r.text)
        elif path.startswith("/family/"):
            assert r.status_code == 403 and r.json()["error"] == "forbidden", (method, path, r.status_code)
        else:
            assert r.status_code == 403, (method, path, r.status_code, r.text)
            assert r.json() == {"error": "forbidden", "reason": "this needs an administration token"}


def test_another_sites_resources_answer_a_station_like_nonexistent_ones(env):
    token = env.stations["self-1"]
    for method, path in route_table():
        if (method, path) in PUBLIC or (method, path) in STATION_ONLY or (method, path) in FAMILY_DOORS:
            continue
        other = _call(env, method, path, token, SITE_B, env.person_b)
        nothing = _call(env, method, path, token, NOWHERE, 2**31 - 2)
        assert (other.status_code, other.json()) == (nothing.status_code, nothing.json()), (method, path)
        assert other.status_code in (403, 404), (method, path, other.status_code)
    r = _call(env, "GET", "/sync/changes", token, SITE_B, 0)
    assert r.status_code == 404 and r.json() == {"error": "not_found", "reason": "no such site"}


def test_an_admin_token_reaches_every_route_but_the_station_pushes_and_the_family_api(env):
    pid = ticket_persons(env.school, 1, offset=73)[0]
    for method, path in route_table():
        if (method, path) in PUBLIC or (method, path) in FAMILY_DOORS:
            continue
        r = _call(env, method, path, env.admin_token, SITE_A, pid)
        if (method, path) in STATION_ONLY or path.startswith("/family/"):
            assert r.status_code == 403, (method, path, r.status_code)
        else:
            assert r.status_code not in (401, 403), (method, path, r.status_code, r.text)
