"""A real server database (SQLite file in a temp dir) with the demo site, for import tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

DATA = Path(__file__).resolve().parents[2] / "data" / "imports"
# the official calendar dataset (fr-en-calendrier-scolaire, CSV export) as shipped with the demo school
OFFICIAL_CSV = Path(__file__).resolve().parents[3] / "plateau" / "demo" / "data" / "fr-en-calendrier-scolaire.csv"
SITE = "0691234X"
TODAY = date(2026, 11, 23)  # a Monday, as in the demo school


@pytest.fixture
def server_db(tmp_path):
    from plateau.server import store
    from plateau.server.db import Database, open_database

    db = Database(open_database(str(tmp_path / "server.db")))
    with db.write() as s:
        site = store.create_site(s, SITE, "Collège Jean Moulin", "Europe/Paris", "Zone A")
        store.upsert_service(s, site, "dejeuner", "Déjeuner", "11:15", "13:45", "mon,tue,thu,fri")
        store.upsert_tariff(s, site, "eleve", 395)
        store.upsert_tariff(s, site, "commensal", 520)
        store.upsert_tariff(s, site, "passager", 750)
    yield db
    db.engine.dispose()


def persons(db) -> dict:
    """Plain copies of the persons by external id (a read session expires its objects at its end)."""
    from types import SimpleNamespace

    from plateau.server import models as m

    cols = [c.name for c in m.Person.__table__.columns]
    with db.read() as s:
        return {p.external_id: SimpleNamespace(**{c: getattr(p, c) for c in cols})
                for p in s.execute(select(m.Person)).scalars()}


def feed_length(db) -> int:
    from plateau.server import models as m

    with db.read() as s:
        return s.execute(select(func.count()).select_from(m.Change)).scalar_one()


def table_counts(db) -> dict[str, int]:
    from plateau.server import models as m

    out = {}
    with db.read() as s:
        for model in (m.Person, m.Card, m.Reservation, m.Opposition, m.Closure, m.LedgerEntry, m.Change):
            out[model.__tablename__] = s.execute(select(func.count()).select_from(model)).scalar_one()
    return out


def run(db, kind: str, data: bytes | str, **options):
    from plateau.server.imports.runner import run_import

    if isinstance(data, str):
        data = data.encode("utf-8")
    return run_import(db, SITE, kind, data, options, today=TODAY)
