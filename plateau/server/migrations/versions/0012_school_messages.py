"""Messages from the school to families: the message, its classes or pupils, per-guardian reads.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'school_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('audience', sa.String(length=8), nullable=False),
        sa.Column('publish_on', sa.String(length=10), nullable=False),
        sa.Column('ends_on', sa.String(length=10), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.Column('withdrawn_at', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['office_user.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_school_message_site', 'school_message', ['site_id', 'publish_on'])
    op.create_table(
        'school_message_class',
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('class_name', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['school_message.id']),
        sa.PrimaryKeyConstraint('message_id', 'class_name'),
    )
    op.create_table(
        'school_message_pupil',
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['school_message.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('message_id', 'person_id'),
    )
    op.create_index('ix_school_message_pupil_person_id', 'school_message_pupil', ['person_id'])
    op.create_table(
        'school_message_read',
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('guardian_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id']),
        sa.ForeignKeyConstraint(['message_id'], ['school_message.id']),
        sa.PrimaryKeyConstraint('message_id', 'guardian_id'),
    )
    op.create_index('ix_school_message_read_guardian_id', 'school_message_read', ['guardian_id'])


def downgrade() -> None:
    op.drop_index('ix_school_message_read_guardian_id', table_name='school_message_read')
    op.drop_table('school_message_read')
    op.drop_index('ix_school_message_pupil_person_id', table_name='school_message_pupil')
    op.drop_table('school_message_pupil')
    op.drop_table('school_message_class')
    op.drop_index('ix_school_message_site', table_name='school_message')
    op.drop_table('school_message')
