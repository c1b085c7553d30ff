"""initial replica

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('balance',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('server_cents', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('card',
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('uid')
    )
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_person_id'), ['person_id'], unique=False)

    op.create_table('closure',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('first_day', sa.String(length=10), nullable=False),
    sa.Column('last_day', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closure_first_day'), ['first_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_closure_last_day'), ['last_day'], unique=False)

    op.create_table('menu',
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('date', 'service')
    )
    op.create_table('opposition',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.String(length=32), nullable=False),
    sa.Column('ends_at', sa.String(length=32), nullable=False),
    sa.Column('motive', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('opposition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opposition_person_id'), ['person_id'], unique=False)

    op.create_table('passage',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('local_date', sa.String(length=10), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=True),
    sa.Column('card_uid', sa.String(length=32), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('balance_after_cents', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('motive', sa.String(length=200), nullable=True),
    sa.Column('ref', sa.String(length=36), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.create_index('ix_passage_day', ['local_date', 'service'], unique=False)
        batch_op.create_index('ix_passage_person_day', ['person_id', 'local_date', 'service'], unique=False)
        batch_op.create_index(batch_op.f('ix_passage_ref'), ['ref'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('class_name', sa.String(length=40), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('regime', sa.String(length=8), nullable=True),
    sa.Column('plan', sa.String(length=16), nullable=False),
    sa.Column('forfait_days', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('arrival_date', sa.String(length=10), nullable=True),
    sa.Column('leaving_date', sa.String(length=10), nullable=True),
    sa.Column('photo', sa.String(length=200), nullable=True),
    sa.Column('search_key', sa.String(length=220), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_search_key'), ['search_key'], unique=False)

    op.create_table('reservation',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'date', 'service')
    )
    op.create_table('service',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.Column('weekdays', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('site',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('badge_uid', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_badge_uid'), ['badge_uid'], unique=False)

    op.create_table('sync_state',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('tariff',
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('category')
    )
    op.create_table('outbox',
    sa.Column('passage_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('parked', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['passage_id'], ['passage.id'], ),
    sa.PrimaryKeyConstraint('passage_id'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_person_id'), ['person_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_person_id'))

    op.drop_table('outbox')
    op.drop_table('tariff')
    op.drop_table('sync_state')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_badge_uid'))

    op.drop_table('staff')
    op.drop_table('site')
    op.drop_table('service')
    op.drop_table('reservation')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_search_key'))

    op.drop_table('person')
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passage_ref'))
        batch_op.drop_index('ix_passage_person_day')
        batch_op.drop_index('ix_passage_day')

    op.drop_table('passage')
    with op.batch_alter_table('opposition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opposition_person_id'))

    op.drop_table('opposition')
    op.drop_table('menu')
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closure_last_day'))
        batch_op.drop_index(batch_op.f('ix_closure_first_day'))

    op.drop_table('closure')
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_person_id'))

    op.drop_table('card')
    op.drop_table('balance')

