"""the passage log is append-only: SQLite refuses any UPDATE or DELETE of a passage

The rules already never edit a passage (overrides and cancellations are new linked rows);
these triggers make it a property of the file itself, so that no future code path, script or
hand-made repair can rewrite what the station recorded before the server has it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TRIGGER IF NOT EXISTS passage_no_update BEFORE UPDATE ON passage "
               "BEGIN SELECT RAISE(ABORT, 'the passage log is append-only: passages are never updated'); END")
    op.execute("CREATE TRIGGER IF NOT EXISTS passage_no_delete BEFORE DELETE ON passage "
               "BEGIN SELECT RAISE(ABORT, 'the passage log is append-only: passages are never deleted'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS passage_no_delete")
    op.execute("DROP TRIGGER IF EXISTS passage_no_update")
