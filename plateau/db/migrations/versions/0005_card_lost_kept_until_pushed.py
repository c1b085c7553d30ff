"""a card declared lost at the station stays lost until the server has the event

Staff declare a card lost at the kiosk (`card_event`, migration 0002): the replica blocks it at
once. Until the sync daemon has pushed that event, the change feed may still carry the card as
`active` (the server does not know yet); applying it would silently unblock a lost card. These
triggers put `lost` back whenever an unsent `lost` event exists for the uid. Once the event is
acknowledged (`sent = 1`), the server's word wins again (it may have re-activated a found card).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_KEEP = ("BEGIN UPDATE card SET status = 'lost' WHERE uid = NEW.uid; END")
_WHEN = ("WHEN NEW.status != 'lost' AND EXISTS (SELECT 1 FROM card_event e "
         "WHERE e.uid = NEW.uid AND e.status = 'lost' AND e.sent = 0)")


def upgrade() -> None:
    op.execute(f"CREATE TRIGGER IF NOT EXISTS card_lost_kept_on_update AFTER UPDATE OF status ON card "
               f"{_WHEN} {_KEEP}")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS card_lost_kept_on_insert AFTER INSERT ON card {_WHEN} {_KEEP}")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS card_lost_kept_on_update")
    op.execute("DROP TRIGGER IF EXISTS card_lost_kept_on_insert")
