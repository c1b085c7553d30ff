"""un-park the passages (and card events) parked by earlier versions, so they are sent again

Up to this version the sync daemon parked every passage of a push that failed as a whole
with a 4xx (a reverse proxy's 404 page while misconfigured, its 429 rate limit, a 408 or 413,
an HTML error page), and nothing ever sent a parked passage again: those meals never reached
the server. From now on only the server's per-item rejection parks an item, so every item
parked before is put back in the queue. All of them, not only those whose stored error text
looks like a whole-request failure: guessing from free text could leave a lost meal behind,
while sending a truly rejected passage once more costs one request, is idempotent by passage
id, and parks it again with the server's current reason. Card events get the same treatment
(they were parked the same way by a proxy's 429 or 413).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE outbox SET parked = 0, error = NULL WHERE parked = 1")
    op.execute("UPDATE card_event SET sent = 0, error = NULL WHERE error IS NOT NULL")


def downgrade() -> None:
    pass  # nothing to undo: the items are in the queue, as a fresh station would have them
