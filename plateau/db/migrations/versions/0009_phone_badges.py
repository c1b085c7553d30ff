"""The phone as a badge at the station: the pupils' one-time-code secrets, and each passage's medium.

`phone_badge` is written by the sync daemon from the change feed (kind `phone_badge`), except
`last_step`: the time step of the last code accepted for the pupil, updated by the badge's
unit of work in the same transaction as its passage, so a code is accepted once (a screenshot
replayed in the queue is refused). The feed's upserts leave `last_step` as it is (they set only
the wire fields). `passage.medium`: "card" (every earlier passage) or "phone". A plain ADD
COLUMN: the passage log's append-only triggers (0003) stay as they are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'phone_badge',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('digits', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('last_step', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('person_id'),
    )
    op.execute("ALTER TABLE passage ADD COLUMN medium VARCHAR(8) NOT NULL DEFAULT 'card'")


def downgrade() -> None:
    op.execute("ALTER TABLE passage DROP COLUMN medium")
    op.drop_table('phone_badge')
