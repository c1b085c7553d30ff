"""The station's local replica: SQLAlchemy models, the query layer, the passage log, migrations."""
