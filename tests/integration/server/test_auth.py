"""Authorisation of every endpoint: no token, wrong token, revoked token, other site, other station."""

from __future__ import annotations

import pytest

from tests.integration.server.conftest import SITE_A, SITE_B, passage, ticket_persons

WRONG = "pst_not-a-token-anybody-was-given"


def _endpoints(env):
    """(method, path, body) of every endpoint that needs a token."""
    pid = ticket_persons(env.school, 1, offset=70)[0]
    return [
        ("GET", "/api/v1/sync/changes?since=0", None),
        ("POST", "/api/v1/sync/passages", {"passages": [passage(pid)]}),
        ("PUT", f"/api/v1/persons/{pid}/reservations/2030-01-07/dejeuner", None),
        ("DELETE", f"/api/v1/persons/{pid}/reservations/2030-01-07/dejeuner", None),
        ("GET", f"/api/v1/sites/{SITE_A}", None),
        ("GET", f"/api/v1/sites/{SITE_A}/headcounts?date=2026-11-23", None),
        ("PUT", f"/api/v1/sites/{SITE_A}/settings", {"settings": {"cutoff_time": "10:00"}}),
        ("POST", f"/api/v1/sites/{SITE_A}/closures", {"first_day": "2030-01-01", "last_day": "2030-01-02"}),
        ("DELETE", f"/api/v1/sites/{SITE_A}/closures/nope", None),
        ("PUT", f"/api/v1/sites/{SITE_A}/menus/2030-01-07/dejeuner", {"text": "Frites"}),
        ("GET", f"/api/v1/sites/{SITE_A}/persons", None),
        ("POST", f"/api/v1/sites/{SITE_A}/persons", {"last_name": "X", "first_name": "Y"}),
        ("GET", f"/api/v1/persons/{pid}", None),
        ("GET", f"/api/v1/persons/{pid}/history", None),
        ("PUT", f"/api/v1/persons/{pid}/cards/0102030405", {"status": "lost"}),
        ("POST", f"/api/v1/persons/{pid}/payments", {"reference": "auth-1", "amount_cents": 100}),
        ("POST", f"/api/v1/persons/{pid}/oppositions",
         {"starts_at": "2030-01-01T00:00:00+01:00", "ends_at": "2030-01-02T00:00:00+01:00"}),
        ("DELETE", f"/api/v1/persons/{pid}/oppositions/nope", None),
    ]


def _call(env, method, path, body, token):
    api = env.api(token)
    if method == "GET":
        return api.get(path)
    if method == "DELETE":
        return api.delete(path)
    return (api.post if method == "POST" else api.put)(path, body)


def _is_error(r, status):
    assert r.status_code == status, (r.request.method, r.request.url, r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error", "reason"} and body["reason"], body


@pytest.mark.parametrize("who", ["none", "wrong", "revoked station", "revoked admin", "not bearer"])
def test_every_endpoint_refuses_a_missing_wrong_or_revoked_token_with_401(env, who):
    token = {"none": None, "wrong": WRONG, "revoked station": env.revoked_station,
             "revoked admin": env.revoked_admin, "not bearer": None}[who]
    for method, path, body in _endpoints(env):
        if who == "not bearer":
            r = env.api().http.request(method, env.url + path, json=body, timeout=30,
                                       headers={"Authorization": f"Basic {env.admin_token}"})
        else:
            r = _call(env, method, path, body, token)
        _is_error(r, 401)
        assert r.json()["error"] == "unauthorized"


def test_a_station_reads_no_person_list_no_ledger_and_no_other_site(env):
    b = SITE_B
    pid = ticket_persons(env.school, 1, offset=70)[0]
    for method, path, body in [("GET", f"/api/v1/sites/{b}", None),
                               ("GET", f"/api/v1/sites/{b}/headcounts", None),
                               ("GET", f"/api/v1/sites/{b}/persons", None),
                               ("GET", f"/api/v1/sites/{SITE_A}/persons", None),
                               ("GET", f"/api/v1/persons/{env.person_b}", None),
                               ("GET", f"/api/v1/persons/{pid}/history", None)]:
        _is_error(_call(env, method, path, body, env.stations["self-1"]), 403)
    _is_error(_call(env, "GET", f"/api/v1/sync/changes?site={b}", None, env.stations["self-1"]), 404)
    assert _call(env, "GET", f"/api/v1/sync/changes?site={SITE_A}", None, env.stations["self-1"]).status_code == 200


def test_a_station_may_not_administer(env):
    station_ok = {("GET", "/api/v1/sync/changes?since=0"), ("POST", "/api/v1/sync/passages")}
    for method, path, body in _endpoints(env):
        if (method, path) in station_ok:
            continue
        _is_error(_call(env, method, path, body, env.stations["self-1"]), 403)


def test_a_station_pushes_only_its_own_passages_and_an_admin_pushes_none(env):
    pid = ticket_persons(env.school, 1, offset=71)[0]
    forged = passage(pid, station="self-2", price=420)
    _is_error(env.station("self-1").post("/api/v1/sync/passages", {"passages": [forged]}), 403)
    _is_error(env.admin.post("/api/v1/sync/passages", {"passages": [passage(pid)]}), 403)
    # station B cannot push a passage naming a person of site A (rejected, nothing stored, no money moves)
    r = env.api(env.station_b).post("/api/v1/sync/passages", {"passages": [passage(pid, station="b-1", price=420)]})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "rejected"
    assert r.json()["balances"] == []


def test_an_admin_reads_every_site_and_health_needs_no_token(env):
    assert env.admin.get(f"/api/v1/sites/{SITE_B}").status_code == 200
    assert env.admin.get(f"/api/v1/persons/{env.person_b}").json()["site"] == SITE_B
    r = env.api().get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
