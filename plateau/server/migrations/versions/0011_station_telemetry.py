"""What each station says of itself on its sync requests: last contact, software version, badge
reader state, passages waiting and parked, clock skew (the office's Today page).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = (
    ('contact_at', sa.String(length=32)),
    ('version', sa.String(length=40)),
    ('reader_state', sa.String(length=16)),
    ('reader_detail', sa.String(length=80)),
    ('waiting', sa.Integer()),
    ('parked', sa.Integer()),
    ('clock_skew_seconds', sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table('station') as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('station') as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
