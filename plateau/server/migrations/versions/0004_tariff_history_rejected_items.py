"""The tariff history (prices a pushed passage is checked against) and the rejected items.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Each existing tariff gets one history row, valid since its site was created: the server has
no record of earlier prices, and passages already stored are not checked again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tariff_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('price_cents', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.String(length=32), nullable=False),
        sa.Column('valid_until', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_tariff_history_site_category', 'tariff_history', ['site_id', 'category'])
    op.execute("INSERT INTO tariff_history (site_id, category, price_cents, valid_from, valid_until) "
               "SELECT tariff.site_id, tariff.category, tariff.price_cents, site.created_at, NULL "
               "FROM tariff JOIN site ON site.id = tariff.site_id")
    op.create_table(
        'rejected_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('item_kind', sa.String(length=16), nullable=False),
        sa.Column('item_id', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('received_at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_rejected_item_site_received', 'rejected_item', ['site_id', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_rejected_item_site_received', table_name='rejected_item')
    op.drop_table('rejected_item')
    op.drop_index('ix_tariff_history_site_category', table_name='tariff_history')
    op.drop_table('tariff_history')
