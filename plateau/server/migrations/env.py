"""Alembic environment for the central server (configured in code by plateau.server.db)."""

from alembic import context

from plateau.server import family_models, message_models, office_models  # noqa: F401  (their tables join Base.metadata)
from plateau.server.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # offline SQL generation
    context.configure(url=config.get_main_option("sqlalchemy.url") or "sqlite://",
                      target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      transaction_per_migration=False)
    context.run_migrations()
