"""When each message from the school had its turn to be e-mailed (`school_message.mailed_at`).

Before this revision a message was e-mailed only when it was written, if its first day had come:
one scheduled for a later day never was. Now a job e-mails each message once, on its first day
(`plateau.server.family.message_mail`), and `mailed_at` says that it has. The messages whose
first day has come by the upgrade count as done (they were e-mailed when written, or their day
passed unnoticed: families have seen them in the Espace Famille); later ones wait for their day.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('school_message') as batch:
        batch.add_column(sa.Column('mailed_at', sa.String(length=32), nullable=True))
    # today in UTC: a message of today that is still tomorrow there waits for the job, harmlessly
    today = datetime.now(timezone.utc).date().isoformat()
    op.execute(sa.text("UPDATE school_message SET mailed_at = created_at WHERE publish_on <= :today")
               .bindparams(today=today))


def downgrade() -> None:
    with op.batch_alter_table('school_message') as batch:
        batch.drop_column('mailed_at')
