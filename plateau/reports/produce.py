"""Producing a report from a source of days: shared by `plateau report` and the server's downloads.

A source gives `days(first, last, passages)` -> list of `DayData` and the site's identity; the
station reads its replica, the server its database (`SessionSource`). `build` returns the bytes
(CSV, JSON) or a function that writes the PDF to a path or a binary file object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from plateau.reports.headcount import DayData, compute

WHAT = ("daily", "no-shows", "forecast", "week", "month")
FORMATS = {"daily": ("pdf", "csv", "json"), "no-shows": ("csv", "json"), "forecast": ("csv", "json"),
           "week": ("pdf", "csv", "json"), "month": ("pdf", "csv", "json")}
MAX_FORECAST_DAYS = 62
MEDIA = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8", "json": "application/json"}


class Source:
    """Where the days come from, and the site's identity. Used from one thread (its session's)."""

    timezone: str = "Europe/Paris"
    site_code: str = ""
    site_name: str = ""

    def days(self, first: date, last: date, passages: bool = True) -> list[DayData]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SessionSource(Source):
    """The server's database through an open SQLAlchemy session (`plateau.server.headcount_source`)."""

    def __init__(self, session, site_code: str, site_name: str, timezone: str):
        from plateau.server import headcount_source

        self.load_day = headcount_source.load_day
        self.session = session
        self.site_code, self.site_name, self.timezone = site_code, site_name, timezone

    def days(self, first, last, passages=True):
        out, day = [], first
        while day <= last:
            out.append(self.load_day(self.session, self.site_code, day))
            day += timedelta(days=1)
        return out


@dataclass(frozen=True)
class Options:
    """What a report needs besides its source and day (a plain value)."""

    lang: str = "fr"
    days: int = 7               # forecast length
    today: date | None = None   # week/month: later days show only what is expected


def default_format(what: str) -> str:
    return "pdf" if what in ("daily", "week", "month") else "csv"


def _json(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def build(what: str, fmt: str, source: Source, day: date, args: Options) -> tuple[bytes | Callable, str]:
    """The report's bytes (or a function writing the PDF to a path) and its default file name."""
    from plateau.reports import csv_exports, periods

    stem = f"{source.site_code}-{day.isoformat()}"
    if what in ("daily", "no-shows"):
        [data] = source.days(day, day)
        hc = compute(data)
        if fmt == "json":
            return _json(hc.to_json()), f"effectifs-{stem}.json"
        if what == "no-shows":
            return csv_exports.no_shows_csv(hc), f"absents-{stem}.csv"
        if fmt == "csv":
            return csv_exports.passages_csv(data), f"passages-{stem}.csv"
        from plateau.reports.pdf import render_daily

        return (lambda path: render_daily(hc, path, lang=args.lang)), f"effectifs-{stem}.pdf"
    if what == "forecast":
        rows = periods.forecast(source.days(day, day + timedelta(days=args.days - 1), passages=False))
        if fmt == "json":
            return _json([r.to_json() for r in rows]), f"prevision-{stem}.json"
        return csv_exports.forecast_csv(rows), f"prevision-{stem}.csv"
    first, last = periods.week_bounds(day) if what == "week" else periods.month_bounds(day)
    view = periods.period_view(periods.period_title(what, first, last),
                               [compute(d) for d in source.days(first, last)], today=args.today)
    stem = f"{source.site_code}-{first.isoformat()}"
    word = "semaine" if what == "week" else "mois"
    if fmt == "json":
        return _json(view.to_json()), f"{word}-{stem}.json"
    if fmt == "csv":
        return csv_exports.period_csv(view), f"{word}-{stem}.csv"
    from plateau.reports.pdf import render_period

    return (lambda path: render_period(view, source.site_name, path, lang=args.lang)), f"{word}-{stem}.pdf"
