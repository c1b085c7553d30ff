"""Column types shared by the station replica and the server: instants always carry a zone."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware instant stored as ISO 8601 UTC text (sorts correctly, survives SQLite).

    Naive datetimes are refused on the way in: an instant without a zone is a bug.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: instants must carry a time zone")
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return datetime.fromisoformat(value)


class ISODate(TypeDecorator):
    """A local calendar date stored as 'YYYY-MM-DD' text (identical on SQLite and PostgreSQL)."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return value.isoformat()

    def process_result_value(self, value, dialect):
        return None if value is None else date.fromisoformat(value)


def utc_text(at: datetime) -> str:
    """The stored text of an aware instant, for raw SQL comparisons against UTCDateTime columns."""
    return UTCDateTime().process_bind_param(at, None)
