"""Building `DayData` from a station's replica (SQLite), for `plateau report` on a station and the
kiosk's manager view.

The replica holds the site's reference data and the passages of this station plus those the
sync daemon brought from the other stations of the site, so its headcount is the site's as far
as this station knows. Reads only; runs on whatever thread owns `conn`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from plateau.db.queries import load_site
from plateau.db.types import utc_text
from plateau.reports.headcount import DayData
from plateau.sync.protocol import KINDS, passage_to_wire

_PERSON_FIELDS = list(KINDS["person"].fields)
_PERSONS = text("SELECT " + ", ".join(_PERSON_FIELDS) + " FROM person")
_RESERVATIONS = text("SELECT person_id, date, service FROM reservation WHERE date >= :first AND date <= :last")
_OPPOSITIONS = text("SELECT id, person_id, starts_at, ends_at, motive, source FROM opposition "
                    "WHERE starts_at < :end AND ends_at > :start")
_CLOSURES = text("SELECT id, first_day, last_day, label, source FROM closure "
                 "WHERE first_day <= :last AND last_day >= :first")
_PASSAGES = text("SELECT * FROM passage WHERE local_date >= :first AND local_date <= :last")
_STAFF = text("SELECT id, name FROM staff")


def _day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[str, str]:
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    return utc_text(start), utc_text(end)


def load_days(conn: Connection, first: date, last: date, *, passages: bool = True) -> list[DayData]:
    """One `DayData` per day from `first` to `last` (inclusive), sharing the persons read once.

    `passages=False` skips the passage log (the kitchen forecast looks ahead only)."""
    if last < first:
        raise ValueError("the last day is before the first day")
    site = load_site(conn)
    tz = ZoneInfo(site.timezone)
    persons = {row.id: dict(row._mapping) for row in conn.execute(_PERSONS)}
    span = {"first": first.isoformat(), "last": last.isoformat()}
    reservations = [dict(r._mapping) for r in conn.execute(_RESERVATIONS, span)]
    start, end = _day_bounds(first, last, tz)
    oppositions = [dict(r._mapping) for r in conn.execute(_OPPOSITIONS, {"start": start, "end": end})]
    closures = [dict(r._mapping) for r in conn.execute(_CLOSURES, span)]
    rows = [passage_to_wire(r._mapping) for r in conn.execute(_PASSAGES, span)] if passages else []
    staff = {r.id: r.name for r in conn.execute(_STAFF)}
    out = []
    day = first
    while day <= last:
        iso = day.isoformat()
        d_start, d_end = _day_bounds(day, day, tz)
        out.append(DayData(
            site_code=site.code, site_name=site.name, timezone=site.timezone, day=day,
            services=site.services, policy=site.policy, persons=persons,
            reservations=[r for r in reservations if r["date"] == iso],
            oppositions=[o for o in oppositions
                         if utc_text(datetime.fromisoformat(o["starts_at"])) < d_end
                         and utc_text(datetime.fromisoformat(o["ends_at"])) > d_start],
            closures=[c for c in closures if c["first_day"] <= iso <= c["last_day"]],
            passages=[p for p in rows if p["local_date"] == iso],
            staff=staff))
        day += timedelta(days=1)
    return out


def load_day(conn: Connection, day: date) -> DayData:
    """The `DayData` of `day` (the site's local date) from this station's replica."""
    return load_days(conn, day, day)[0]

