"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from plateau.server import family_models, message_models, office_models  # noqa: F401  (their tables join Base.metadata)
from plateau.server.models import Base


def test_the_migrated_schema_matches_the_models(env):
    with env.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_instants_read_back_aware_and_utc(env):
    from sqlalchemy import select

    from plateau.server import models as m

    with env.db.read() as s:
        starts_at = s.execute(select(m.Opposition.starts_at).limit(1)).scalar_one()
    assert starts_at.utcoffset().total_seconds() == 0


def test_upgrading_to_mailed_messages_keeps_only_the_messages_to_come_waiting_for_their_day(tmp_path):
    """Revision 0016: a message whose first day came before the upgrade is not e-mailed after it."""
    from sqlalchemy import text

    from plateau.server.db import make_engine, upgrade

    engine = make_engine(str(tmp_path / "old.db"))
    try:
        upgrade(engine, "0015")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO site (id, code, name, timezone, zone, settings, feed_seq, created_at) "
                              "VALUES (1, '0691234X', 'Collège', 'Europe/Paris', 'A', '{}', 0, "
                              "'2026-11-02T08:00:00+00:00')"))
            for n, first in ((1, "2026-11-02"), (2, "2099-01-04")):
                conn.execute(text(
                    "INSERT INTO school_message (id, site_id, title, body, audience, publish_on, author_name, "
                    "created_at, updated_at) VALUES (:n, 1, 't', 'b', 'site', :first, 'Secrétariat', "
                    "'2026-11-02T08:00:00+00:00', '2026-11-02T08:00:00+00:00')"), {"n": n, "first": first})
        upgrade(engine)
        with engine.connect() as conn:
            mailed = dict(conn.execute(text("SELECT id, mailed_at FROM school_message")).all())
        assert mailed == {1: "2026-11-02T08:00:00+00:00", 2: None}
    finally:
        engine.dispose()
