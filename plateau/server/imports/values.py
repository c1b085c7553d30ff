"""Cell values of import files: dates, instants, plans, with messages a secretary understands."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plateau.domain.services import WEEKDAYS, WeekdaysError, format_weekdays, parse_weekdays
from plateau.server.wording import Said

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

PLANS = ("none", "ticket", "reservation", "forfait")


class ValueProblem(ValueError):
    """A cell that cannot be read; its text is shown to the person with the line number.
    Made from a `Said` (worded in the reader's language by the office) or English words."""

    def __init__(self, message: "str | Said"):
        self.said = message if isinstance(message, Said) else None
        super().__init__(str(message))


def _weekdays_problem(exc: WeekdaysError) -> ValueProblem:
    return ValueProblem(Said("weekday_unknown", text=exc.part))


YEARS = range(1900, 2201)  # beyond: a typo, and date arithmetic near year 9999 would overflow


def _plausible(d: date, what: str, text: str) -> date:
    if d.year not in YEARS:
        raise ValueProblem(Said("date_implausible", what=what, text=text, year=d.year))
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
        raise ValueProblem(Said("date_nonexistent", what=what, text=t)) from None
    if not t:
        raise ValueProblem(Said("value_missing", what=what))
    raise ValueProblem(Said("date_invalid", what=what, text=t))


def parse_optional_date(text: str, what: str = "date") -> date | None:
    return parse_date(text, what) if (text or "").strip() else None


def parse_bound(text: str, tz: ZoneInfo, *, end: bool, what: str) -> datetime:
    """A `from`/`to` cell: a date (local midnight; an end date is inclusive, so the next
    midnight) or an instant (with an offset, or local time of the site when it has none).
    Returns an aware UTC instant."""
    t = (text or "").strip()
    if not t:
        raise ValueProblem(Said("value_missing", what=what))
    if _ISO_DATE.match(t) or _FR_DATE.match(t):
        d = parse_date(t, what)
        if end:
            d += timedelta(days=1)
        return datetime.combine(d, time(0), tz).astimezone(ZoneInfo("UTC"))
    try:
        at = datetime.fromisoformat(t.replace(" ", "T", 1) if "T" not in t else t)
    except ValueError:
        raise ValueProblem(Said("instant_invalid", what=what, text=t)) from None
    _plausible(at.date(), what, t)
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    return at.astimezone(ZoneInfo("UTC"))


def parse_plan(text: str) -> tuple[str, str | None]:
    """'ticket' | 'reservation' | 'none' | 'forfait:mon,tue,thu,fri' -> (plan, forfait_days)."""
    t = (text or "").strip().lower().replace(" ", "")
    if not t:
        raise ValueProblem(Said("plan_missing"))
    name, _, days = t.partition(":")
    if name not in PLANS:
        raise ValueProblem(Said("plan_unknown", text=text.strip()))
    if name != "forfait":
        if days:
            raise ValueProblem(Said("plan_days_not_forfait", text=text.strip()))
        return name, None
    if not days:
        raise ValueProblem(Said("forfait_days_missing"))
    try:
        parsed = parse_weekdays(days)
    except WeekdaysError as exc:
        raise _weekdays_problem(exc) from None
    if not parsed:
        raise ValueProblem(Said("forfait_no_weekday"))
    return name, format_weekdays(parsed)


def parse_weekday_list(text: str) -> frozenset[int]:
    try:
        days = parse_weekdays(text.replace("/", ",").replace(";", ","))
    except WeekdaysError as exc:
        raise _weekdays_problem(exc) from None
    if not days:
        raise ValueProblem(Said("weekdays_none", text=text))
    return days


__all__ = ["ValueProblem", "parse_date", "parse_optional_date", "parse_bound", "parse_plan",
           "parse_weekday_list", "WEEKDAYS", "PLANS"]
