"""Server tests run against a real `plateau server` subprocess, on SQLite AND PostgreSQL.

`backend` is module-scoped and parametrised: each test module gets, per backend, a fresh
database seeded with a small demo school (site A, `0691234X`) and a minimal second site
(site B, `0699999Z`), tokens made for it, and a server process on a free loopback port.
Tests of one module share that server, so they use distinct persons and passage ids.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pytest
import requests

from tests.support.server import running_server

SITE_A = "0691234X"
SITE_B = "0699999Z"
_counter = itertools.count(1)



@dataclass
class Api:
    """A small HTTP client bound to the server's URL and one bearer token."""

    base: str
    token: str | None = None
    http: requests.Session = field(default_factory=requests.Session)

    def _headers(self, token):
        token = self.token if token is ... else token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, token=..., **kw):
        return self.http.get(self.base + path, headers=self._headers(token), timeout=kw.pop("timeout", 30), **kw)

    def post(self, path, json=None, token=..., **kw):
        return self.http.post(self.base + path, json=json, headers=self._headers(token),
                              timeout=kw.pop("timeout", 60), **kw)

    def put(self, path, json=None, token=..., **kw):
        return self.http.put(self.base + path, json=json, headers=self._headers(token), timeout=30, **kw)

    def delete(self, path, token=..., **kw):
        return self.http.delete(self.base + path, headers=self._headers(token), timeout=30, **kw)


@dataclass
class ServerEnv:
    """A running server with its database, tokens and demo data."""

    backend: str
    db_url: str
    url: str
    db: object                      # plateau.server.db.Database opened by the test process
    school: object                  # plateau.demo.school.DemoSchool (site A)
    admin_token: str
    stations: dict[str, str]        # station id -> token, site A
    station_b: str                  # a station of site B
    revoked_station: str
    revoked_admin: str
    person_b: int                   # a person of site B
    srv: object = None

    def api(self, token: str | None = None) -> Api:
        return Api(self.url, token)

    @property
    def admin(self) -> Api:
        return Api(self.url, self.admin_token)

    def station(self, name: str = "self-1") -> Api:
        return Api(self.url, self.stations[name])


def make_db_url(backend: str, tmp_path_factory, request) -> str:
    if backend == "sqlite":
        return str(tmp_path_factory.mktemp("server") / "server.db")
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{next(_counter)}_{uuid.uuid4().hex[:6]}")


def seed_env(db_url: str, pupils: int = 120):
    """Seed site A (demo school) and site B; return (db, school, tokens...)."""
    from plateau.demo.school import generate
    from plateau.server import feed, store
    from plateau.server import models as m
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes
    from plateau.server.tokens import PREFIX_ADMIN, PREFIX_STATION, hash_token, new_token

    db = Database(open_database(db_url))
    school = generate(pupils=pupils)
    tokens = {name: new_token(PREFIX_STATION) for name in ("self-1", "self-2", "b-1", "old")}
    admin, revoked_admin = new_token(PREFIX_ADMIN), new_token(PREFIX_ADMIN)
    with db.write() as s:
        # the demo school books every school day of the year: keep two weeks (seeding stays quick)
        near = [(k, d) for k, d in school.changes if k != "reservation"
                or abs((date.fromisoformat(d["date"]) - school.today).days) <= 7]
        site = seed_changes(s, near)
        b = store.create_site(s, SITE_B, "Lycée B", "Europe/Paris", "Zone C")
        store.upsert_service(s, b, "dejeuner", "Déjeuner", "11:30", "13:30", "mon,tue,wed,thu,fri,sat,sun")
        store.upsert_tariff(s, b, "eleve", 400)
        pb = store.upsert_person(s, b, external_id="B-1", last_name="BEE", first_name="Bob", plan="reservation")
        store.upsert_card(s, b, "0A0B0C0D", pb.id)
        for name, site_id, revoked in (("self-1", site.id, False), ("self-2", site.id, False),
                                       ("b-1", b.id, False), ("old", site.id, True)):
            s.add(m.Station(site_id=site_id, station_id=name, token_hash=hash_token(tokens[name]), revoked=revoked,
                            created_at=feed.now()))
        s.add(m.ApiToken(token_hash=hash_token(admin), label="tests", is_admin=True, revoked=False,
                         created_at=feed.now()))
        s.add(m.ApiToken(token_hash=hash_token(revoked_admin), label="old", is_admin=True, revoked=True,
                         created_at=feed.now()))
        person_b = pb.id
    return db, school, tokens, admin, revoked_admin, person_b


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request, tmp_path_factory):
    backend = request.param
    db_url = make_db_url(backend, tmp_path_factory, request)
    db, school, tokens, admin, revoked_admin, person_b = seed_env(db_url)
    with running_server(db_url) as srv:
        yield ServerEnv(backend=backend, db_url=db_url, url=srv.url, db=db, school=school, admin_token=admin,
                        stations={"self-1": tokens["self-1"], "self-2": tokens["self-2"]},
                        station_b=tokens["b-1"], revoked_station=tokens["old"], revoked_admin=revoked_admin,
                        person_b=person_b, srv=srv)
    db.engine.dispose()


def passage(person_id: int | None, *, station: str = "self-1", price: int = 0, at: datetime | None = None,
            kind: str = "badge", accepted: bool = True, reason: str = "ok", ref: str | None = None,
            card_uid: str | None = None, service: str | None = "dejeuner") -> dict:
    """A wire passage as a station pushes it."""
    at = at or datetime(2026, 11, 23, 11, 30, tzinfo=timezone.utc)
    return {"id": str(uuid.uuid4()), "station": station, "at": at.isoformat(), "local_date": at.date().isoformat(),
            "service": service, "card_uid": card_uid, "person_id": person_id, "kind": kind, "accepted": accepted,
            "reason": reason, "price_cents": price, "balance_after_cents": None, "staff_id": None,
            "motive": None, "ref": ref, "warnings": []}


def ticket_persons(school, n: int, offset: int = 0) -> list[int]:
    """Persons of the demo school on the ticket plan (distinct slices for distinct tests)."""
    ids = sorted(p for p, d in school.persons.items() if d["plan"] == "ticket" and d["leaving_date"] is None)
    return ids[offset:offset + n]


