"""A small school with families, served over real HTTP on loopback, for the family API tests.

The app runs under uvicorn in a thread of the test process (a real server on 127.0.0.1) so that
the test can hold its clock: `world.clock.set(...)` moves the instant the family routes read.
Site A (Europe/Paris) has the lunch on mon, tue, thu and fri, bookings until the day before
at 18:00, a horizon of 60 days; families come in through the guardians import:

- the Martin family (martin@example.org): Léa and Tom, both on the reservation plan;
- Léa's other parent, the Durand father (durand@example.org), who may see her but not pay;
- the Petit family (petit@example.org): Zoé, whom the others must never reach;
- a pupil of site B, whose guardian also has the Martin e-mail (an account spans sites).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.server import free_port

PARIS = ZoneInfo("Europe/Paris")
SITE_A, SITE_B = "0691234X", "0699999Z"
PASSWORD = "correct horse battery"


class Clock:
    """The instant the family routes read; set by the test thread, read by the server's."""

    def __init__(self, at: datetime):
        self.at = at
        self._lock = threading.Lock()

    def set(self, at: datetime) -> None:
        assert at.tzinfo is not None
        with self._lock:
            self.at = at

    def __call__(self) -> datetime:
        with self._lock:
            return self.at.astimezone(timezone.utc)


@dataclass
class World:
    url: str
    db_url: str
    db: object
    clock: Clock
    app: object
    ids: dict[str, int]
    admin_token: str
    station_token: str
    tokens: dict[str, str] = field(default_factory=dict)

    def get(self, path, token=None, **kw):
        return requests.get(self.url + path, headers=_auth(token), timeout=30, **kw)

    def post(self, path, json=None, token=None, headers=None, **kw):
        return requests.post(self.url + path, json=json, headers={**_auth(token), **(headers or {})}, timeout=30,
                             **kw)

    def put(self, path, token=None, **kw):
        return requests.put(self.url + path, headers=_auth(token), timeout=30, **kw)

    def delete(self, path, token=None, **kw):
        return requests.delete(self.url + path, headers=_auth(token), timeout=30, **kw)

    def sign_in(self, email: str, password: str = PASSWORD) -> str:
        r = self.post("/api/v1/family/session", {"email": email, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def settings(self, **pairs) -> None:
        from plateau.server import store

        with self.db.write() as s:
            store.set_settings(s, store.get_site(s, SITE_A), {k: str(v) for k, v in pairs.items()})


def _auth(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


GUARDIANS_CSV = """guardian;email;last_name;first_name;person;financial
G-MARTIN;martin@example.org;MARTIN;Claire;P-LEA;1
G-MARTIN;martin@example.org;MARTIN;Claire;P-TOM;1
G-DURAND;durand@example.org;DURAND;Marc;P-LEA;0
G-PETIT;petit@example.org;PETIT;Nina;P-ZOE;1
"""


def build(db_url: str):
    from plateau.server import feed, store
    from plateau.server import models as m
    from plateau.server.db import Database, open_database
    from plateau.server.family import accounts
    from plateau.server.imports.runner import run_import
    from plateau.server.tokens import PREFIX_ADMIN, PREFIX_STATION, hash_token, new_token

    db = Database(open_database(db_url))
    admin, station = new_token(PREFIX_ADMIN), new_token(PREFIX_STATION)
    ids = {}
    with db.write() as s:
        a = store.create_site(s, SITE_A, "Collège Jean Moulin", "Europe/Paris", "Zone A",
                              settings={"cutoff_mode": "day_before", "cutoff_time": "18:00",
                                        "booking_horizon_days": "60", "topup_min_cents": "500"})
        store.upsert_service(s, a, "dejeuner", "Déjeuner", "11:15", "13:45", "mon,tue,thu,fri")
        store.upsert_tariff(s, a, "eleve", 400)
        for key, first in (("P-LEA", "Léa"), ("P-TOM", "Tom"), ("P-ZOE", "Zoé")):
            p = store.upsert_person(s, a, external_id=key, last_name="MARTIN" if key != "P-ZOE" else "PETIT",
                                    first_name=first, category="eleve", plan="reservation", class_name="6A")
            ids[key] = p.id
        b = store.create_site(s, SITE_B, "Lycée B", "Europe/Paris", "Zone C")
        store.upsert_service(s, b, "dejeuner", "Déjeuner", "11:30", "13:30", "mon,tue,wed,thu,fri")
        ids["P-BOB"] = store.upsert_person(s, b, external_id="P-BOB", last_name="MARTIN", first_name="Bob",
                                           plan="reservation").id
        s.add(m.ApiToken(token_hash=hash_token(admin), label="tests", is_admin=True, revoked=False,
                         created_at=feed.now()))
        s.add(m.Station(site_id=a.id, station_id="self-1", token_hash=hash_token(station), revoked=False,
                        created_at=feed.now()))
    report = run_import(db, SITE_A, "guardians", GUARDIANS_CSV.encode())
    assert report.applied, report.to_text()
    report = run_import(db, SITE_B, "guardians", b"guardian;email;last_name;first_name;person\n"
                                                 b"B-1;Martin@Example.org;MARTIN;Claire;P-BOB\n")
    assert report.applied, report.to_text()
    with db.write() as s:
        for email in ("martin@example.org", "durand@example.org", "petit@example.org"):
            accounts.set_password(s, accounts.account_for(s, email, feed.now()), PASSWORD, feed.now())
    return db, ids, admin, station


class ThreadServer:
    """uvicorn serving `app` on a free loopback port, in a daemon thread."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    log_config=None))
        self.thread = threading.Thread(target=self.server.run, name="family-test-server", daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the test server did not start"
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    from plateau.server.app import ServerSettings, create_app

    if request.param == "sqlite":
        db_url = str(tmp_path_factory.mktemp("family") / "server.db")
    else:  # the session's throwaway cluster (tests/integration/server/conftest.py)
        db_url = request.getfixturevalue("pg_cluster").create_database(f"family_{uuid.uuid4().hex[:8]}")
    db, ids, admin, station = build(db_url)
    app = create_app(ServerSettings(db_url=db_url), database=db)
    clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))  # a Monday morning
    app.state.family_clock = clock
    with ThreadServer(app) as url:
        yield World(url=url, db_url=db_url, db=db, clock=clock, app=app, ids=ids, admin_token=admin, station_token=station)
    db.engine.dispose()


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) keeping what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook (its own thread)
        from email import message_from_bytes, policy

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def settings(self, public_url: str = "https://famille.example.org"):
        from plateau.server.family.mail import MailSettings

        return MailSettings(host="127.0.0.1", port=self.port, sender="cantine@example.org", public_url=public_url)

    def env(self) -> dict:
        return {"PLATEAU_SMTP_HOST": "127.0.0.1", "PLATEAU_SMTP_PORT": str(self.port),
                "PLATEAU_SMTP_FROM": "cantine@example.org", "PLATEAU_PUBLIC_URL": "https://famille.example.org"}
