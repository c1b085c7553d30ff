"""Families (the Espace Famille): guardians and their pupils, family accounts, one-time codes,
family tokens, the log of reservation changes, payment providers and online top-ups.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'guardian',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('last_name', sa.String(length=100), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'external_id', name='uq_guardian_site_external'),
    )
    op.create_index('ix_guardian_email', 'guardian', ['email'])
    op.create_table(
        'guardian_link',
        sa.Column('guardian_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('legal', sa.Boolean(), nullable=False),
        sa.Column('financial', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('guardian_id', 'person_id'),
    )
    op.create_index('ix_guardian_link_person_id', 'guardian_link', ['person_id'])
    op.create_table(
        'family_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('password_set_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'),
    )
    op.create_table(
        'family_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('guardian_id', sa.Integer(), nullable=True),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.Column('used_at', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['family_account.id']),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_family_code_account_id', 'family_code', ['account_id'])
    op.create_table(
        'family_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.Column('revoked', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['family_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_family_token_account_id', 'family_token', ['account_id'])
    op.create_table(
        'reservation_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.String(length=10), nullable=False),
        sa.Column('service', sa.String(length=32), nullable=False),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('actor_kind', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reservation_change_person', 'reservation_change', ['person_id', 'at'])
    op.create_table(
        'payment_provider',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('backend', sa.String(length=32), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('site_id'),
    )
    op.create_table(
        'top_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=False),
        sa.Column('backend', sa.String(length=32), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('payment_form', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('settled_at', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['family_account.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_top_up_person_id', 'top_up', ['person_id'])


def downgrade() -> None:
    for index, table in (('ix_top_up_person_id', 'top_up'), ('ix_reservation_change_person', 'reservation_change'),
                         ('ix_family_token_account_id', 'family_token'), ('ix_family_code_account_id', 'family_code'),
                         ('ix_guardian_link_person_id', 'guardian_link'), ('ix_guardian_email', 'guardian')):
        op.drop_index(index, table_name=table)
    for table in ('top_up', 'payment_provider', 'reservation_change', 'family_token', 'family_code',
                  'family_account', 'guardian_link', 'guardian'):
        op.drop_table(table)
