"""What every parser is told about the site it imports into (pure data, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ImportContext:
    """The site an import is for: its code, time zone, calendar zone, local today and settings.

    `options` carries per-import choices (`format` of card UIDs, calendar `population`, ...).
    Immutable plain data: made on the request's thread, read by the parser and the apply step.
    """

    site: str
    timezone: str = "Europe/Paris"
    zone: str | None = None
    today: date | None = None
    settings: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_today(self) -> date:
        return self.today or datetime.now(self.tz).date()
