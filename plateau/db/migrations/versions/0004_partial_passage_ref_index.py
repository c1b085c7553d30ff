"""index passage.ref only where it is set

`ref` links an override or a cancellation to the passage it acts on; nearly every passage has
none. A partial index keeps the lookups ("was this passage cancelled / overridden?") indexed
while an ordinary badge no longer writes an index page for a NULL: one page less in the WAL
per fsynced passage (benchmarks/bench_decision.py). Index only: no row is touched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_passage_ref")
    op.execute("CREATE INDEX ix_passage_ref ON passage (ref) WHERE ref IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_passage_ref")
    op.execute("CREATE INDEX ix_passage_ref ON passage (ref)")
