"""card events (cards declared lost at the station) and the class index of the forgotten-badge search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'card_event',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('sent', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('seq'),
    )
    # the forgotten-badge search looks a class up case-insensitively: keep that an index lookup
    op.execute("CREATE INDEX IF NOT EXISTS ix_person_class_nocase ON person (class_name COLLATE NOCASE)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_person_class_nocase")
    op.drop_table('card_event')
