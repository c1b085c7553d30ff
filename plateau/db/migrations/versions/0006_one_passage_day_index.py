"""one index for the passages of a day: (local_date, service, person_id)

The replica had (person_id, local_date, service) for "was this person served in this service
today?" and (local_date, service) for the day's headcounts and reports. One index keyed
(local_date, service, person_id) answers both (equality on all three columns, or the
(local_date, service) prefix), and every passage now writes one index page less before its
fsync. Today's passages also land at the right-hand end of the index instead of at a random
person's place. Indexes only: no row is touched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_passage_day_person ON passage (local_date, service, person_id)")
    op.execute("DROP INDEX IF EXISTS ix_passage_person_day")
    op.execute("DROP INDEX IF EXISTS ix_passage_day")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_passage_day ON passage (local_date, service)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_passage_person_day ON passage (person_id, local_date, service)")
    op.execute("DROP INDEX IF EXISTS ix_passage_day_person")
