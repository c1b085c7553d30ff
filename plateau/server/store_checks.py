"""What every store helper checks and how it emits: the errors, text checks, change-only emits.

Shared by `store` (sites, services, tariffs, persons, cards, staff, payments) and `store_days`
(reservations, oppositions, closures, menus), which both import it and not each other's
internals. Pure helpers over the caller's session; any thread.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateau.errors import UserError
from plateau.server import feed


class StoreError(UserError):
    """Bad data for a write (message for a person); nothing of the unit of work is kept."""


class NotFound(StoreError):
    """The named site, person, service... does not exist (at this site)."""


def check_text(name: str, value, max_len: int, *, required: bool = True) -> str | None:
    """`value` as stripped text of at most `max_len` characters (None when optional and empty)."""
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise StoreError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise StoreError(f"{name} must be text")
    value = value.strip()
    if required and not value:
        raise StoreError(f"{name} must not be empty")
    if len(value) > max_len:
        raise StoreError(f"{name} is longer than {max_len} characters")
    if "\x00" in value:
        raise StoreError(f"{name} contains a NUL character")
    return value


def emit_if_changed(session: Session, site_id: int, kind: str, data: dict, before: dict | None) -> None:
    """Emit the row's change only when its wire data changed (re-imports do not churn the feed)."""
    if data != before:
        feed.emit(session, site_id, kind, "upsert", data)
