"""The demo school has families: every present pupil a guardian, and one demo family with a
known password, two children and online top-ups through the dummy provider."""

from __future__ import annotations

from sqlalchemy import func, select


def test_the_demo_school_loads_guardians_and_a_demo_family(tmp_path):
    from plateau.demo.families import DEMO_FAMILY_EMAIL, DEMO_FAMILY_PASSWORD
    from plateau.demo.loading import load_school
    from plateau.demo.school import generate
    from plateau.server import family_models as fm
    from plateau.server.db import Database, open_database
    from plateau.server import feed
    from plateau.server.family import accounts, messages

    school = generate(pupils=40, commensals=2)
    load_school(tmp_path / "server.db", school, ("self-1",), say=lambda *_: None)
    db = Database(open_database(str(tmp_path / "server.db")))
    try:
        with db.read() as s:
            pupils = [p for p in school.persons.values() if p["class_name"] and p["leaving_date"] is None]
            linked = s.execute(select(func.count(func.distinct(fm.GuardianLink.person_id)))).scalar_one()
            assert linked == len(pupils)
            kids = accounts.children(s, DEMO_FAMILY_EMAIL)
            assert len(kids) == 2 and all(k.financial for k in kids)
            assert {k.person.plan for k in kids} == {"reservation", "forfait"}
            account = accounts.find_account(s, DEMO_FAMILY_EMAIL)
            assert accounts.check_password(account.password_hash, DEMO_FAMILY_PASSWORD)
            assert s.get(fm.PaymentProvider, kids[0].site.id).backend == "dummy"
            # the school's two messages: one to everybody, one to the demo child's class
            shown = messages.for_family(s, DEMO_FAMILY_EMAIL, feed.now())
            assert [f.read for f in shown] == [False, False] and len({f.message.audience for f in shown}) == 2
            assert all(f.message.author_name == "Démo gestionnaire" for f in shown)
    finally:
        db.engine.dispose()
