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
