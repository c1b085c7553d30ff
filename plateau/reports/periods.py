"""Views over several days: the kitchen forecast and the manager's week and month.

Pure functions over `DayData` / `DayHeadcount` (see `headcount.py`); the sources load the days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Sequence

from plateau.reports.headcount import DayData, DayHeadcount, closed_label, expected_persons

WEEKDAY_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
            "novembre", "décembre")


@dataclass(frozen=True)
class ForecastRow:
    """Expected meals of one service on one day, for the kitchen's production planning. A plain value."""

    day: date
    service: str
    label: str
    expected: int
    forfait: int
    reservation: int
    closed: str | None

    def to_json(self) -> dict:
        return {"date": self.day.isoformat(), "weekday": WEEKDAY_FR[self.day.weekday()], "service": self.service,
                "label": self.label, "expected": self.expected, "forfait": self.forfait,
                "reservation": self.reservation, "closed": self.closed}


def forecast(days: Sequence[DayData]) -> list[ForecastRow]:
    """Expected meals per day and service (reservations and forfaits, minus closures, oppositions
    already known and inactive persons). Days where no service opens produce no row."""
    rows = []
    for data in days:
        closed = closed_label(data)
        for svc in sorted(data.services, key=lambda s: s.start):
            if data.day.weekday() not in svc.weekdays:
                continue
            expected, _ = expected_persons(data, svc)
            bases = list(expected.values())
            rows.append(ForecastRow(data.day, svc.code, svc.label, len(expected), bases.count("forfait"),
                                    bases.count("reservation"), closed))
    return rows


def week_bounds(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week of `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


@dataclass
class PeriodView:
    """Served (and expected) meals per day and service over a week or a month. A plain value."""

    title: str
    first: date
    last: date
    services: list[tuple[str, str]]                       # (code, label), in order
    rows: list[dict] = field(default_factory=list)         # one per day with a service or a passage

    def totals(self) -> dict[str, dict[str, int]]:
        out = {code: {"expected": 0, "served": 0, "no_shows": 0} for code, _ in self.services}
        for row in self.rows:
            for code, figures in row["services"].items():
                for k in out[code]:
                    out[code][k] += figures[k] or 0  # None: a day still to come
        return out

    def to_json(self) -> dict:
        return {"title": self.title, "first": self.first.isoformat(), "last": self.last.isoformat(),
                "services": [{"code": c, "label": l} for c, l in self.services], "days": self.rows,
                "totals": self.totals()}


def period_view(title: str, headcounts: Sequence[DayHeadcount], today: date | None = None) -> PeriodView:
    """The served-per-day-and-service table of the given days (in order). Days after `today`
    without any passage have not happened: their served and no-show figures are None."""
    if not headcounts:
        raise ValueError("a period needs at least one day")
    services: dict[str, str] = {}
    for hc in headcounts:
        for s in hc.services:
            if s.code:
                services.setdefault(s.code, s.label)
    view = PeriodView(title, headcounts[0].day, headcounts[-1].day, list(services.items()))
    for hc in headcounts:
        if not hc.services:
            continue
        figures = {code: {"expected": 0, "served": 0, "no_shows": 0} for code in services}
        # a day after today with no passage yet has not happened (a day with passages has, whatever
        # the clock of the machine producing the report says)
        future = today is not None and hc.day > today and not any(
            s.totals.served or s.totals.refusals or s.cancelled for s in hc.services)
        for s in hc.services:
            if s.code:
                figures[s.code] = {"expected": s.totals.expected, "served": None if future else s.totals.served,
                                   "no_shows": None if future else s.totals.no_shows}
        if future:
            for f in figures.values():
                f["served"] = f["no_shows"] = None
        view.rows.append({"date": hc.day.isoformat(), "weekday": WEEKDAY_FR[hc.day.weekday()],
                          "closed": hc.closed, "future": future, "services": figures})
    return view


def period_title(kind: str, first: date, last: date) -> str:
    if kind == "month":
        return f"{MONTH_FR[first.month - 1]} {first.year}"
    return f"semaine du {first.day} {MONTH_FR[first.month - 1]} au {last.day} {MONTH_FR[last.month - 1]} {last.year}"
