"""School holidays from the official `fr-en-calendrier-scolaire` dataset, as closed local days.

The dataset's traps (DOMAIN.md): start and end are Paris midnights written in UTC, the end
is the morning classes resume (exclusive), one row per académie, pupils vs teachers rows,
zero-length records (a bridge day in 2027, the start of a summer whose end is unknown).
This module turns rows into closed-day ranges; the server's `calendar` importer adds the
file handling and the report of what it could not use.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Holiday:
    """Closed from `first_day` to `last_day`, both inclusive (local dates)."""

    label: str
    first_day: date
    last_day: date
    school_year: str

    @property
    def key(self) -> str:
        return f"cal:{self.first_day.isoformat()}:{self.last_day.isoformat()}"


def _local_day(text: str) -> date:
    return datetime.fromisoformat(text.strip()).astimezone(PARIS).date()


def row_to_holiday(description: str, start: str, end: str, school_year: str) -> Holiday | None:
    """One dataset row as closed days, or None when it closes nothing we can know."""
    first = _local_day(start)
    last_exclusive = _local_day(end) if end.strip() else first
    if last_exclusive > first:
        return Holiday(description, first, last_exclusive - timedelta(days=1), school_year)
    if "pont" in description.lower():
        # 2026-2027 encodes the Ascension bridge as a zero-length record on the bridge day itself
        return Holiday(description, first, first, school_year)
    if "été" in description.lower() or "ete" in description.lower():
        # a summer whose end is not published yet: closed until the end of August
        return Holiday(description, first, date(first.year, 8, 31), school_year)
    return None


def read_official_csv(source: str | Path, zone: str, population: str = "Élèves") -> list[Holiday]:
    """Closed days for `zone` ('Zone A', 'Corse', ...) for pupils, de-duplicated across académies."""
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, Path) or "\n" not in str(source) \
        else str(source)
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    seen: dict[tuple[date, date], Holiday] = {}
    for row in reader:
        if (row.get("zones") or "").strip() != zone:
            continue
        pop = (row.get("population") or "-").strip()
        if pop not in ("-", population):
            continue
        h = row_to_holiday(row["description"].strip(), row["start_date"], row["end_date"] or "",
                           (row.get("annee_scolaire") or "").strip())
        if h is not None:
            seen.setdefault((h.first_day, h.last_day), h)
    return sorted(seen.values(), key=lambda h: h.first_day)
