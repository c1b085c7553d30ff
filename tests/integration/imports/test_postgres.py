"""The whole chain of imports on PostgreSQL (the production database), as on SQLite."""

from __future__ import annotations

import uuid

import pytest


from .conftest import DATA, OFFICIAL_CSV, SITE, persons, run, table_counts

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_db(pg_cluster):
    from plateau.server import store
    from plateau.server.db import Database, open_database

    db = Database(open_database(pg_cluster.create_database(f"imports_{uuid.uuid4().hex[:6]}")))
    with db.write() as s:
        site = store.create_site(s, SITE, "Collège Jean Moulin", "Europe/Paris", "Zone A")
        store.upsert_service(s, site, "dejeuner", "Déjeuner", "11:15", "13:45", "mon,tue,thu,fri")
        store.upsert_tariff(s, site, "passager", 750)
    yield db
    db.engine.dispose()


def test_every_kind_applies_then_reimports_unchanged(pg_db):
    files = [("siecle", DATA / "siecle_iso8859-15.xml"), ("calendar", OFFICIAL_CSV), ("persons", DATA / "persons.csv"),
             ("cards", DATA / "cards.csv"), ("payments", DATA / "payments.csv"),
             ("oppositions", DATA / "oppositions.csv"), ("reservations", DATA / "reservations.csv")]
    for kind, path in files:
        report = run(pg_db, kind, path.read_bytes())
        assert report.applied and report.created, report.to_text()
    counts = table_counts(pg_db)
    for kind, path in files:
        report = run(pg_db, kind, path.read_bytes())
        assert report.applied and (report.created, report.updated) == (0, 0), report.to_text()
    assert table_counts(pg_db) == counts
    p = persons(pg_db)
    assert p["4102"].last_name == "MARTIN-ŒUVRARD" and p["ADULT-001"].id > 0


def test_a_bad_line_rolls_back_on_postgres(pg_db):
    assert run(pg_db, "persons", (DATA / "persons.csv").read_bytes()).applied  # idempotent
    before = table_counts(pg_db)
    report = run(pg_db, "reservations", (DATA / "reservations_bad_line.csv").read_bytes())
    assert not report.applied and [e.line for e in report.errors] == [3]
    assert table_counts(pg_db) == before
