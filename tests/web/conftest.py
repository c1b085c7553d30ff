"""The office's tests: a real `plateau server` on loopback over a SQLite file seeded with a small
demo school, one office user per role, and (for the browser tests) one headless chromium per
module. A module's tests share its server, so they use distinct persons."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

import pytest
import requests

from tests.support.server import running_server

UAI = "0691234X"
PUPILS = 80
PASSWORD = "bureau-{role}-2026"


@dataclass
class OfficeEnv:
    url: str
    db_url: str
    school: object
    users: dict[str, str] = field(default_factory=dict)   # role -> e-mail
    srv: object = None

    def password(self, role: str) -> str:
        return PASSWORD.format(role=role)

    def session(self, role: str, *, password: str | None = None) -> requests.Session:
        """A requests session signed in through the sign-in form as the user of `role`."""
        http = requests.Session()
        answer = sign_in(http, self.url, self.users[role], password or self.password(role))
        assert answer.status_code == 200 and answer.url.endswith("/office/"), answer.text[:500]
        return http


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(http: requests.Session, url: str, email: str, password: str, **kw) -> requests.Response:
    page = http.get(url + "/office/login", timeout=30)
    return http.post(url + "/office/login", data={"csrf": csrf_of(page.text), "email": email,
                                                  "password": password, "next": "/office/"}, timeout=30, **kw)


def seed(db_url: str, roles: tuple[str, ...]) -> tuple[object, dict[str, str]]:
    from plateau.demo.school import generate
    from plateau.server import accounts, audit
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes

    school = generate(pupils=PUPILS)
    db = Database(open_database(db_url))
    users = {}
    with db.write() as s:
        seed_changes(s, school.changes)
        for role in roles:
            users[role] = f"{role.replace('_', '.')}@college.example.org"
            accounts.add_user(s, audit.CLI, users[role], f"Test {role}", role, [UAI], PASSWORD.format(role=role))
    db.engine.dispose()
    return school, users



@pytest.fixture(scope="module")
def office(request, tmp_path_factory):
    """The office on SQLite, or on PostgreSQL for a module parametrised with `indirect=True`."""
    from plateau.server.web.office.roles import ROLES

    if getattr(request, "param", "sqlite") == "postgres":
        db_url = request.getfixturevalue("pg_cluster").create_database(f"office_{uuid.uuid4().hex[:8]}")
    else:
        db_url = str(tmp_path_factory.mktemp("office") / "server.db")
    school, users = seed(db_url, ROLES)
    with running_server(db_url) as srv:
        yield OfficeEnv(srv.url, db_url, school, users, srv)


@pytest.fixture(scope="module")
def browser():
    from tests.support.browser import chromium_or_skip

    driver = chromium_or_skip("desktop")
    yield driver
    driver.quit()
