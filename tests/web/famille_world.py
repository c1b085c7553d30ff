"""The Espace Famille's tests: a real `plateau server` on loopback over the office tests' demo
school, with two families from the guardians import and the eopayment `dummy` provider:

- the Test family (famille.test@example.org): a pupil on the reservation plan who has a card
  (the one booked in the browser and checked at a station) and a second pupil;
- the Autre family (autre@example.org): one other pupil, whom the Test family must never reach.

The server runs on the real clock: the tests book the first day the calendar offers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests

from tests.support.server import running_server
from tests.web.conftest import UAI, csrf_of, seed

TEST_FAMILY, OTHER_FAMILY = "famille.test@example.org", "autre@example.org"
PASSWORD = "une phrase de passe"


@dataclass
class FamilleEnv:
    url: str
    db_url: str
    school: object
    booked_pupil: int        # reservation plan, with a card
    second_pupil: int
    other_pupil: int         # the other family's

    def session(self, email: str = TEST_FAMILY, password: str = PASSWORD) -> requests.Session:
        http = requests.Session()
        answer = sign_in(http, self.url, email, password)
        assert answer.status_code == 200 and answer.url.endswith("/famille/"), answer.text[:500]
        return http


def sign_in(http: requests.Session, url: str, email: str, password: str) -> requests.Response:
    page = http.get(url + "/famille/login", timeout=30)
    return http.post(url + "/famille/login", data={"csrf": csrf_of(page.text), "email": email,
                                                   "password": password, "next": "/famille/"}, timeout=30)


def browser_sign_in(driver, url: str) -> None:
    """The test family signs in through the portal's form, in the browser."""
    from tests.support.browser import sign_in_as

    sign_in_as(driver, url, "famille", TEST_FAMILY, PASSWORD)


def bookable_days(html: str) -> list[str]:
    return re.findall(r'data-date="([0-9-]+)" data-state="bookable"', html)


def _pupils(school) -> tuple[int, int, int]:
    fit = [p for p, d in sorted(school.persons.items()) if d["status"] == "active" and d["leaving_date"] is None
           and d["category"].startswith("eleve") and d["class_name"]]
    booked = next(p for p in fit if school.persons[p]["plan"] == "reservation" and p in school.cards)
    second, other = [p for p in fit if p != booked][:2]
    return booked, second, other


def build(db_url: str):
    from plateau.server import feed, store
    from plateau.server.db import Database, open_database
    from plateau.server.family import accounts, payments
    from plateau.server.imports.runner import run_import
    from plateau.server.web.office.roles import ROLES

    school, _users = seed(db_url, ROLES)
    booked, second, other = _pupils(school)
    ext = {p: school.persons[p]["external_id"] for p in (booked, second, other)}
    csv = ("guardian;email;last_name;first_name;person;financial\n"
           f"G-T;{TEST_FAMILY};TEST;Camille;{ext[booked]};1\nG-T;{TEST_FAMILY};TEST;Camille;{ext[second]};1\n"
           f"G-A;{OTHER_FAMILY};AUTRE;Sam;{ext[other]};1\n")
    db = Database(open_database(db_url))
    report = run_import(db, UAI, "guardians", csv.encode())
    assert report.applied, report.to_text()
    with db.write() as s:
        for email in (TEST_FAMILY, OTHER_FAMILY):
            accounts.set_password(s, accounts.account_for(s, email, feed.now()), PASSWORD, feed.now())
        payments.set_provider(s, store.get_site(s, UAI), "dummy", {"origin": "Plateau tests"})
    db.engine.dispose()
    return school, booked, second, other


@pytest.fixture(scope="module")
def famille(tmp_path_factory):
    db_url = str(tmp_path_factory.mktemp("famille") / "server.db")
    school, booked, second, other = build(db_url)
    with running_server(db_url) as srv:
        yield FamilleEnv(srv.url, db_url, school, booked, second, other)
