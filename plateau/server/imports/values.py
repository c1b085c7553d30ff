"""Cell values of import files: dates, instants, plans, with messages a secretary understands."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plateau.domain.services import WEEKDAYS, WeekdaysError, format_weekdays, parse_weekdays

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

PLANS = ("none", "ticket", "reservation", "forfait")


class ValueProblem(ValueError):
    """A cell that cannot be read; its text is shown to the person with the line number."""


YEARS = range(1900, 2201)  # beyond: a typo, and date arithmetic near year 9999 would overflow


def _plausible(d: date, what: str, text: str) -> date:
    if d.year not in YEARS:
        raise ValueProblem(f"{what} {text!r} is not a plausible date (year {d.year})")
    return d


def parse_date(text: str, what: str = "date") -> date:
    """'2026-11-23' or '23/11/2026' -> date."""
    t = (text or "").strip()
    m = _ISO_DATE.match(t)
    try:
        if m:
            return _plausible(date(int(m[1]), int(m[2]), int(m[3])), what, t)
        m = _FR_DATE.match(t)
        if m:
            return _plausible(date(int(m[3]), int(m[2]), int(m[1])), what, t)
    except ValueError as exc:
        if isinstance(exc, ValueProblem):
            raise
        raise ValueProblem(f"{what} {t!r} does not exist in the calendar") from None
    if not t:
        raise ValueProblem(f"the {what} is missing")
    raise ValueProblem(f"{what} {t!r} is not a date (write 2026-11-23 or 23/11/2026)")


def parse_optional_date(text: str, what: str = "date") -> date | None:
    return parse_date(text, what) if (text or "").strip() else None


def parse_bound(text: str, tz: ZoneInfo, *, end: bool, what: str) -> datetime:
    """A `from`/`to` cell: a date (local midnight; an end date is inclusive, so the next
    midnight) or an instant (with an offset, or local time of the site when it has none).
    Returns an aware UTC instant."""
    t = (text or "").strip()
    if not t:
        raise ValueProblem(f"the {what} is missing")
    if _ISO_DATE.match(t) or _FR_DATE.match(t):
        d = parse_date(t, what)
        if end:
            d += timedelta(days=1)
        return datetime.combine(d, time(0), tz).astimezone(ZoneInfo("UTC"))
    try:
        at = datetime.fromisoformat(t.replace(" ", "T", 1) if "T" not in t else t)
    except ValueError:
        raise ValueProblem(f"{what} {t!r} is neither a date (2026-11-23) nor a date and time "
                           "(2026-11-23T08:00)") from None
    _plausible(at.date(), what, t)
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(ZoneInfo("UTC"))


def parse_plan(text: str) -> tuple[str, str | None]:
    """'ticket' | 'reservation' | 'none' | 'forfait:mon,tue,thu,fri' -> (plan, forfait_days)."""
    t = (text or "").strip().lower().replace(" ", "")
    if not t:
        raise ValueProblem("the plan is missing (ticket, reservation, none or forfait:mon,tue,thu,fri)")
    name, _, days = t.partition(":")
    if name not in PLANS:
        raise ValueProblem(f"plan {text.strip()!r} is unknown (expected ticket, reservation, none or "
                           "forfait:mon,tue,thu,fri)")
    if name != "forfait":
        if days:
            raise ValueProblem(f"only a forfait has weekdays, not {text.strip()!r}")
        return name, None
    if not days:
        raise ValueProblem("a forfait needs its weekdays, e.g. forfait:mon,tue,thu,fri")
    try:
        parsed = parse_weekdays(days)
    except WeekdaysError as exc:
        raise ValueProblem(str(exc)) from None
    if not parsed:
        raise ValueProblem("a forfait needs at least one weekday")
    return name, format_weekdays(parsed)


def parse_weekday_list(text: str) -> frozenset[int]:
    try:
        days = parse_weekdays(text.replace("/", ",").replace(";", ","))
    except WeekdaysError as exc:
        raise ValueProblem(str(exc)) from None
    if not days:
        raise ValueProblem(f"no weekday in {text!r} (write mon,tue,thu,fri)")
    return days


__all__ = ["ValueProblem", "parse_date", "parse_optional_date", "parse_bound", "parse_plan",
           "parse_weekday_list", "WEEKDAYS", "PLANS"]
