"""Services (meal sittings) and the site's local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WeekdaysError(ValueError):
    """An unknown weekday in a list; `part` is the word (the office words the message itself)."""

    def __init__(self, part: str):
        self.part = part
        super().__init__(f"unknown weekday {part!r} (expected mon,tue,wed,thu,fri,sat,sun)")


def service_code(text: str) -> str:
    """A service code as Plateau stores it: lower case, without surrounding blanks. Other
    systems' files and people write `DEJ` or `Dejeuner` for `dej` / `dejeuner`: every edge
    (imports, command line, API) folds the code here instead of refusing capitals."""
    return text.strip().lower() if isinstance(text, str) else text


def parse_weekdays(text: str) -> frozenset[int]:
    """'mon,tue,thu,fri' -> {0, 1, 3, 4}. Accepts French abbreviations too (lun, mar, ...)."""
    french = {"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6}
    days: set[int] = set()
    for part in (text or "").replace(" ", "").lower().split(","):
        if not part:
            continue
        if part in WEEKDAYS:
            days.add(WEEKDAYS.index(part))
        elif part[:3] in french:
            days.add(french[part[:3]])
        else:
            raise WeekdaysError(part)
    return frozenset(days)


def format_weekdays(days: frozenset[int] | set[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in sorted(days))


@dataclass(frozen=True)
class ServiceInfo:
    """A meal sitting: open on `weekdays` from `start` (inclusive) to `end` (exclusive), local time."""

    code: str
    label: str
    start: time
    end: time
    weekdays: frozenset[int] = frozenset(range(5))

    def is_open(self, local: datetime) -> bool:
        return local.weekday() in self.weekdays and self.start <= local.time().replace(tzinfo=None) < self.end


def local_time(at: datetime, tz: str | ZoneInfo) -> datetime:
    """The instant `at` (aware) in the site's zone. Naive instants are refused: they are bugs."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("instants must carry a time zone")
    return at.astimezone(tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz))


def open_service(services: list[ServiceInfo] | tuple[ServiceInfo, ...], local: datetime) -> ServiceInfo | None:
    for svc in services:
        if svc.is_open(local):
            return svc
    return None


def next_service(services, local: datetime) -> ServiceInfo | None:
    """The next service opening later today, or None."""
    later = [s for s in services if local.weekday() in s.weekdays and s.start > local.time().replace(tzinfo=None)]
    return min(later, key=lambda s: s.start, default=None)


def parse_hhmm(text: str) -> time:
    try:
        h, m = text.strip().split(":")
        return time(int(h), int(m))
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"expected HH:MM, got {text!r}") from exc


def to_local_date(at: datetime, tz: str) -> date:
    return local_time(at, tz).date()
