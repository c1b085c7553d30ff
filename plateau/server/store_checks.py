"""What every store helper checks and how it emits: the errors, text checks, change-only emits.

Shared by `store` (sites, services, tariffs, persons, cards, staff, payments) and `store_days`
(reservations, oppositions, closures, menus), which both import it and not each other's
internals. Pure helpers over the caller's session; any thread.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateau.errors import UserError
from plateau.server import feed
from plateau.server.wording import Said


class StoreError(UserError):
    """Bad data for a write (message for a person: English words, or a `Said` the office words in
    its page's language); nothing of the unit of work is kept."""

    def __init__(self, message: "str | Said"):
        self.said = message if isinstance(message, Said) else None
        super().__init__(str(message))


class NotFound(StoreError):
    """The named site, person, service... does not exist (at this site)."""


def check_text(name: str, value, max_len: int, *, required: bool = True) -> str | None:
    """`value` as stripped text of at most `max_len` characters (None when optional and empty)."""
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise StoreError(Said("value_required", name=name))
        return None
    if not isinstance(value, str):
        raise StoreError(Said("value_not_text", name=name))
    value = value.strip()
    if required and not value:
        raise StoreError(Said("value_empty", name=name))
    if len(value) > max_len:
        raise StoreError(Said("value_too_long", name=name, max=max_len))
    if "\x00" in value:
        raise StoreError(Said("value_nul", name=name))
    return value


def emit_if_changed(session: Session, site_id: int, kind: str, data: dict, before: dict | None) -> None:
    """Emit the row's change only when its wire data changed (re-imports do not churn the feed)."""
    if data != before:
        feed.emit(session, site_id, kind, "upsert", data)
