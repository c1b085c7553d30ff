"""`make demo` sets up one office user per role with the sign-ins it prints."""

from __future__ import annotations


def test_the_demo_school_has_one_office_user_per_role_with_its_printed_password(tmp_path):
    from plateau.demo.loading import DEMO_OFFICE_USERS, load_school
    from plateau.demo.school import generate
    from plateau.server import accounts
    from plateau.server.db import Database, open_database
    from plateau.server.web.office.roles import ROLES

    said: list[str] = []
    load_school(tmp_path / "server.db", generate(pupils=20, commensals=5), ("self-1",), say=said.append)
    assert set(DEMO_OFFICE_USERS) == set(ROLES)
    db = Database(open_database(str(tmp_path / "server.db")))
    try:
        with db.read() as s:
            for role, (email, password) in DEMO_OFFICE_USERS.items():
                user = accounts.check_sign_in(s, email, password)
                assert user is not None and user.role == role
                assert [site.code for site in accounts.user_sites(s, user.id)] == ["0691234X"]
    finally:
        db.engine.dispose()
    assert any("office users" in line for line in said)
