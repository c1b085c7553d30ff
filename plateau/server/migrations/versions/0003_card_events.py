"""Card events pushed by stations (a card declared lost at the kiosk).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'card_event',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_card_event_site_uid', 'card_event', ['site_id', 'uid'])


def downgrade() -> None:
    op.drop_index('ix_card_event_site_uid', table_name='card_event')
    op.drop_table('card_event')
