"""indexes on the tails of 125 kHz card UIDs (one tag, whatever part of it a reader reports)

A 125 kHz EM4100 tag has 5 bytes. A full reader reports them all ("0A00466A6A"); a reader
that types 10 decimal digits, and the number card suppliers print on the card ("0004613482"),
give the low four ("00466A6A"); a Wiegand-26 reader the low three ("466A6A"). A card may be
enrolled in one spelling and read in another, so a badge lookup also compares these tails,
and must see every card sharing a tail to refuse an ambiguous one. These partial expression
indexes make each of those comparisons an index probe instead of a scan of the card table.
Indexes only: no row is touched.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the expressions and WHERE clauses must stay word for word those of plateau/db/queries.py
    # (SQLite uses a partial expression index only for the same expression and condition)
    op.execute("CREATE INDEX IF NOT EXISTS ix_card_tail8 ON card (substr(uid, -8)) WHERE length(uid) = 10")
    op.execute("CREATE INDEX IF NOT EXISTS ix_card_tail6 ON card (substr(uid, -6)) WHERE length(uid) IN (8, 10)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_card_tail6")
    op.execute("DROP INDEX IF EXISTS ix_card_tail8")
