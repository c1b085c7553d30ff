"""The phone as a badge: each pupil's one-time-code secret, and the medium of every passage.

`phone_badge` holds the secret of the pupils whose phone badge is on (no row: off); the
stations receive it through the change feed (kind `phone_badge`). `passage.medium` says how
the pupil was identified: "card" (every passage before this revision) or "phone".

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'phone_badge',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('digits', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.String(length=32), nullable=False),
        sa.Column('issued_by', sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('person_id'),
    )
    op.create_index('ix_phone_badge_site_id', 'phone_badge', ['site_id'])
    with op.batch_alter_table('passage') as batch:
        batch.add_column(sa.Column('medium', sa.String(length=8), nullable=False, server_default='card'))


def downgrade() -> None:
    with op.batch_alter_table('passage') as batch:
        batch.drop_column('medium')
    op.drop_index('ix_phone_badge_site_id', table_name='phone_badge')
    op.drop_table('phone_badge')
