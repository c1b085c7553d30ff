"""Sign-in throttling in the database: failed sign-ins counted for every server process.

`sign_in_throttle` holds, per key (an account or a client address, of the office or of the
Espace Famille), the failures of the current window and the lock it earned; before this
revision each process counted them in memory, so N processes gave an attacker N times the tries.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_throttle',
        sa.Column('key', sa.String(length=320), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.String(length=32), nullable=False),
        sa.Column('locked_until', sa.String(length=32), nullable=True),
        sa.Column('locks', sa.Integer(), nullable=False),
        sa.Column('touched_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_sign_in_throttle_touched_at', 'sign_in_throttle', ['touched_at'])


def downgrade() -> None:
    op.drop_index('ix_sign_in_throttle_touched_at', table_name='sign_in_throttle')
    op.drop_table('sign_in_throttle')
