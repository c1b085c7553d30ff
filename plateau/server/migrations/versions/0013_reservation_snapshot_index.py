"""Reservations indexed in the snapshot's order: a new station's first sync reads a site's
reservations from a day on, by (date, service, person), page by page (plateau/server/snapshot.py).
The index replaces ix_reservation_site_day, its prefix (headcounts and forecasts by day and service).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reservation_site_day_person", "reservation", ["site_id", "date", "service", "person_id"])
    op.drop_index("ix_reservation_site_day", table_name="reservation")


def downgrade() -> None:
    op.create_index("ix_reservation_site_day", "reservation", ["site_id", "date", "service"])
    op.drop_index("ix_reservation_site_day_person", table_name="reservation")
