"""The phone badge on a person's page, over real HTTP: the office sees that a pupil uses one (since
when, turned on by whom) and turns it off; the change feed then tells the stations."""

from __future__ import annotations

from sqlalchemy import select

from tests.integration.sync.harness import UAI
from tests.web.conftest import csrf_of


def _turn_on(db_url: str, person_id: int) -> None:
    from plateau.server import feed, store
    from plateau.server import models as m
    from plateau.server.db import Database, open_database
    from plateau.server.family import phone_badge

    db = Database(open_database(db_url))
    try:
        with db.write() as s:
            site = store.get_site(s, UAI)
            store.set_settings(s, site, {"phone_badge": "true"})
            phone_badge.turn_on(s, site, s.get(m.Person, person_id), "famille@example.org", feed.now())
    finally:
        db.engine.dispose()


def _feed_kinds(db_url: str) -> list[tuple[str, str]]:
    from plateau.server import models as m
    from plateau.server.db import Database, open_database

    db = Database(open_database(db_url))
    try:
        with db.read() as s:
            return [(c.op, c.key) for c in s.scalars(select(m.Change).where(m.Change.kind == "phone_badge")
                                                     .order_by(m.Change.seq))]
    finally:
        db.engine.dispose()


def test_the_office_sees_a_phone_badge_and_turns_it_off(office):
    pupil = sorted(office.school.persons)[3]
    _turn_on(office.db_url, pupil)
    http = office.session("gestionnaire")
    page = http.get(f"{office.url}/office/persons/{pupil}", timeout=30).text
    assert "Badge téléphone" in page and "par famille@example.org" in page
    cook = office.session("cuisine")
    own = csrf_of(cook.get(f"{office.url}/office/", timeout=30).text)
    refused = cook.post(f"{office.url}/office/persons/{pupil}/phone-badge/off", data={"csrf": own}, timeout=30)
    assert refused.status_code == 403
    off = http.post(f"{office.url}/office/persons/{pupil}/phone-badge/off", data={"csrf": csrf_of(page)}, timeout=30)
    assert off.status_code == 200 and "Badge téléphone désactivé" in off.text
    assert '<dd id="phone-badge">Désactivé</dd>' in off.text
    assert _feed_kinds(office.db_url)[-2:] == [("upsert", str(pupil)), ("delete", str(pupil))]
    assert "phone_badge.off" in http.get(f"{office.url}/office/persons/{pupil}", timeout=30).text
