"""School holidays from the official calendar, as closed local days: the one place for its traps.

Sources: the `fr-en-calendrier-scolaire` dataset as CSV (`;`, UTF-8 with a BOM) and its ICS
export (all-day events, DTEND exclusive, LOCATION = zone). Traps handled here:

- start and end are Paris midnights written in UTC (2024-10-18T22:00:00+00:00 is Saturday
  19 October): every instant is converted to the site's local date;
- the end is the morning classes resume: exclusive, so the last closed day is the day before;
- one row per académie: de-duplicated per zone;
- `population` is `-`, `Élèves` or `Enseignants`: pupils' rows win, teachers' rows are used
  only for a period that has no pupils' row (teachers' summers end earlier: fewer closed days);
- zero-length records: a bridge day, a "journée vaquée/banalisée", Whit Monday in Corsica are
  that single day; the start of a summer whose end is not published ("Début des Vacances
  d'Été", or an empty end) is closed until 31 August, with a note to import again later;
- bridge days encoded differently across years (2023-2026: Thursday to Sunday, end exclusive;
  2027: a zero-length record on the Friday): both give the right closed days;
- ICS defects: an empty DTEND, an end before its start (skipped, reported), mojibake in
  summaries (repaired, reported), duplicated events (kept once, reported).

Public holidays are not here: `plateau.domain.holidays` computes them per year.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

from plateau.domain.calendar_words import english
from plateau.domain.holidays import public_holidays

PARIS = ZoneInfo("Europe/Paris")
PUPILS = "Élèves"
CSV_COLUMNS = ("description", "population", "start_date", "end_date", "zones")


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


@dataclass(frozen=True)
class CalendarMessage:
    """An error or a note about the file: a code of `calendar_words` and its parameters."""

    line: int | None
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return english(self.code, self.params)


@dataclass
class CalendarRead:
    """What a calendar file gave for one zone: holidays, errors (refuse the file), notes."""

    holidays: list[Holiday] = field(default_factory=list)
    errors: list[CalendarMessage] = field(default_factory=list)
    notes: list[CalendarMessage] = field(default_factory=list)
    records: int = 0


class CalendarFormatError(ValueError):
    """The text is not a calendar file of the expected format (message for a person: `code` and
    `params` of `calendar_words`, English words as the exception's text)."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(english(code, params))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def normalize_zone(zone: str) -> str:
    """'A', 'zone a', 'Zone A' -> 'Zone A'; other names ('Corse', 'Réunion') unchanged but trimmed."""
    z = (zone or "").strip()
    if re.fullmatch(r"(?i)(zone\s*)?[abc]", z):
        return f"Zone {z[-1].upper()}"
    return z


def _same_zone(a: str, b: str) -> bool:
    return _fold(normalize_zone(a)) == _fold(normalize_zone(b))


def _plausible(day: date) -> date:
    if not 1900 <= day.year <= 2200:  # a typo; and date arithmetic near year 9999 would overflow
        raise ValueError(f"implausible year {day.year}")
    return day


def _local_day(text: str, tz: ZoneInfo = PARIS) -> date:
    t = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        return _plausible(date.fromisoformat(t))
    at = datetime.fromisoformat(t)
    _plausible(at.date())
    if at.tzinfo is None:
        return at.date()
    return at.astimezone(tz).date()


_SINGLE_DAY_WORDS = ("pont", "journee", "pentecote", "vaquee", "banalisee")


def _is_summer(label: str) -> bool:
    return "ete" in _fold(label).replace("'", " ").split() or "vacances d'ete" in _fold(label)


def interpret(label: str, first: date, end_exclusive: date | None, school_year: str
              ) -> tuple[Holiday | None, tuple[str, dict] | None]:
    """One record as closed days, and a note (code, params) when it needed interpreting (or was skipped)."""
    if end_exclusive is not None and end_exclusive > first:
        return Holiday(label, first, end_exclusive - timedelta(days=1), school_year), None
    said = {"label": label, "first": first.isoformat()}
    if end_exclusive is not None and end_exclusive < first:
        return None, ("cal_ends_before_start", {**said, "end": end_exclusive.isoformat()})
    folded = _fold(label)
    if _is_summer(label):
        until = date(first.year, 8, 31)
        return Holiday(label, first, until, school_year), ("cal_summer_open_end", {**said, "until": until.isoformat()})
    if end_exclusive is None:
        return None, ("cal_no_end", said)
    if any(w in folded for w in _SINGLE_DAY_WORDS):
        return Holiday(label, first, first, school_year), ("cal_single_day", said)
    return None, ("cal_closes_nothing", said)


def row_to_holiday(description: str, start: str, end: str, school_year: str) -> Holiday | None:
    """One dataset row (Paris) as closed days, or None when it closes nothing we can know."""
    end_day = _local_day(end) if end.strip() else None
    return interpret(description, _local_day(start), end_day, school_year)[0]


def _finish(candidates: list[tuple[int, str, bool, Holiday]], read: CalendarRead) -> CalendarRead:
    """Pupils' rows over teachers', de-duplicate académies, sort."""
    periods_with_pupils = {(h.school_year, _fold(h.label)) for _l, _p, teachers, h in candidates if not teachers}
    seen: dict[tuple[date, date], Holiday] = {}
    for line, _pop, teachers, h in candidates:
        if teachers:
            if (h.school_year, _fold(h.label)) in periods_with_pupils:
                continue
            read.notes.append(CalendarMessage(line, "cal_teachers_row", {"label": h.label, "year": h.school_year}))
        seen.setdefault((h.first_day, h.last_day), h)
    read.holidays = sorted(seen.values(), key=lambda h: (h.first_day, h.last_day))
    return read


def parse_official_csv(text: str, zone: str, population: str = PUPILS, tz: ZoneInfo = PARIS) -> CalendarRead:
    """The dataset's CSV text -> holidays of `zone`, with line-numbered errors and notes."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_fold(h) for h in next(reader)]
    except StopIteration:
        raise CalendarFormatError("cal_empty") from None
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise CalendarFormatError("cal_not_official_csv", missing=", ".join(missing))
    col = {name: header.index(name) for name in header}
    read = CalendarRead()
    candidates: list[tuple[int, str, bool, Holiday]] = []
    wanted_pop, zones_seen = _fold(population), set()
    line = 2
    for fields in reader:
        start_line, line = line, reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue

        def cell(name: str) -> str:
            i = col.get(name)
            return fields[i].strip() if i is not None and i < len(fields) else ""

        zones_seen.add(cell("zones"))
        if not _same_zone(cell("zones"), zone):
            continue
        pop = _fold(cell("population") or "-")
        # `teachers` marks a fallback row: used only for a period without a row of the wanted population
        teachers = pop not in ("-", wanted_pop)
        if teachers and not (wanted_pop == _fold(PUPILS) and pop.startswith("enseignant")):
            continue
        read.records += 1
        label = cell("description")
        try:
            first = _local_day(cell("start_date"), tz)
            end = _local_day(cell("end_date"), tz) if cell("end_date") else None
        except ValueError:
            read.errors.append(CalendarMessage(start_line, "cal_dates_unreadable", {
                "label": label, "start": cell("start_date"), "end": cell("end_date")}))
            continue
        h, note = interpret(label, first, end, cell("annee_scolaire"))
        if note:
            read.notes.append(CalendarMessage(start_line, *note))
        if h is not None:
            candidates.append((start_line, pop, teachers, h))
    if read.records == 0 and not read.errors:
        known = ", ".join(sorted(z for z in zones_seen if z)[:20])
        raise CalendarFormatError("cal_no_record", zone=normalize_zone(zone), known=known or "none")
    # notes repeat once per académie: keep each once
    read.notes = list({n.message: n for n in reversed(read.notes)}.values())[::-1]
    return _finish(candidates, read)


def read_official_csv(source: str | Path, zone: str, population: str = PUPILS) -> list[Holiday]:
    """Closed days for `zone` ('Zone A', 'Corse', ...) for pupils; unreadable rows are left out."""
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, Path) or "\n" not in str(source) \
        else str(source)
    return parse_official_csv(text, zone, population).holidays


# -- ICS ---------------------------------------------------------------------------------------

def _unfold(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for n, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif raw.strip():
            out.append((n, raw))
    return out


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def repair_mojibake(text: str) -> str:
    """'Vacances de NoÃ«l' -> 'Vacances de Noël' (UTF-8 read as Windows-1252/Latin-1), else unchanged."""
    if not re.search("[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u017d\u017e\u0178]", text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return fixed
    return text


def _ics_day(value: str, params: dict[str, str], tz: ZoneInfo) -> date:
    v = value.strip()
    if re.fullmatch(r"\d{8}", v):
        return _plausible(date(int(v[:4]), int(v[4:6]), int(v[6:8])))
    m = re.fullmatch(r"(\d{8})T(\d{6})(Z?)", v)
    if not m:
        raise ValueError(v)
    at = datetime.strptime(m[1] + m[2], "%Y%m%d%H%M%S")
    _plausible(at.date())
    if m[3]:
        return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).date()
    if "TZID" in params:
        try:
            return at.replace(tzinfo=ZoneInfo(params["TZID"])).astimezone(tz).date()
        except (KeyError, ValueError):
            pass
    return at.date()


def _school_year(day: date) -> str:
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


def parse_ics(text: str, zone: str, tz: ZoneInfo = PARIS) -> CalendarRead:
    """An ICS export of the official calendar -> holidays of `zone` (LOCATION), with notes."""
    lines = _unfold(text.lstrip("\ufeff"))
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise CalendarFormatError("cal_not_ics")
    events: list[tuple[int, dict[str, tuple[str, dict[str, str], int]]]] = []
    current: dict[str, tuple[str, dict[str, str], int]] | None = None
    for n, raw in lines:
        name_params, sep, value = raw.partition(":")
        if not sep:
            continue
        name, *param_parts = name_params.split(";")
        name = name.strip().upper()
        params = {k.upper(): v.strip('"') for k, _, v in (p.partition("=") for p in param_parts)}
        if name == "BEGIN" and value.strip().upper() == "VEVENT":
            current = {}
            events.append((n, current))
        elif name == "END" and value.strip().upper() == "VEVENT":
            current = None
        elif current is not None:
            current.setdefault(name, (value, params, n))
    read = CalendarRead()
    if not events:
        raise CalendarFormatError("cal_ics_no_event")
    with_location = any("LOCATION" in ev for _n, ev in events)
    candidates: list[tuple[int, str, bool, Holiday]] = []
    seen_events: dict[tuple[str, date, date | None], int] = {}
    for line, ev in events:
        location = _unescape(ev.get("LOCATION", ("", {}, line))[0]).strip()
        if with_location and not any(_same_zone(part, zone) for part in re.split(r"[,;/]", location)):
            if not location:
                read.notes.append(CalendarMessage(line, "cal_event_no_location"))
            continue
        read.records += 1
        summary = _unescape(ev.get("SUMMARY", ("", {}, line))[0]).strip()
        fixed = repair_mojibake(summary)
        if fixed != summary:
            read.notes.append(CalendarMessage(line, "cal_summary_repaired", {"summary": summary, "fixed": fixed}))
            summary = fixed
        summary = summary or "Vacances scolaires"
        if "DTSTART" not in ev:
            read.errors.append(CalendarMessage(line, "cal_event_no_start", {"summary": summary}))
            continue
        start_value, start_params, start_line = ev["DTSTART"]
        try:
            first = _ics_day(start_value, start_params, tz)
        except ValueError:
            read.errors.append(CalendarMessage(start_line, "cal_event_bad_start", {"summary": summary,
                                                                                   "value": start_value}))
            continue
        end: date | None
        if "DTEND" in ev:
            end_value, end_params, end_line = ev["DTEND"]
            if not end_value.strip():
                read.notes.append(CalendarMessage(end_line, "cal_event_empty_end", {"summary": summary,
                                                                                    "first": first.isoformat()}))
                continue
            try:
                end = _ics_day(end_value, end_params, tz)
            except ValueError:
                read.errors.append(CalendarMessage(end_line, "cal_event_bad_end", {"summary": summary,
                                                                                   "value": end_value}))
                continue
        else:
            end = first + timedelta(days=1)  # RFC 5545: an all-day event without DTEND lasts one day
        identity = (_fold(summary), first, end)
        if identity in seen_events:
            read.notes.append(CalendarMessage(line, "cal_event_duplicate", {
                "summary": summary, "first": first.isoformat(), "line": seen_events[identity]}))
            continue
        seen_events[identity] = line
        h, note = interpret(summary, first, end, _school_year(first))
        if note:
            read.notes.append(CalendarMessage(line, *note))
        if h is not None:
            candidates.append((line, "-", False, h))
    if read.records == 0 and not read.errors:
        raise CalendarFormatError("cal_ics_no_event_zone", zone=normalize_zone(zone))
    return _finish(candidates, read)


# -- using the holidays ------------------------------------------------------------------------

def closed_days(holidays: Iterable[Holiday]) -> set[date]:
    out: set[date] = set()
    for h in holidays:
        d = h.first_day
        while d <= h.last_day:
            out.add(d)
            d += timedelta(days=1)
    return out


def is_school_day(day: date, holidays: Iterable[Holiday], *, alsace_moselle: bool = False,
                  weekdays: frozenset[int] = frozenset(range(5)), closed: set[date] | None = None) -> bool:
    closed = closed if closed is not None else closed_days(holidays)
    return (day.weekday() in weekdays and day not in closed
            and day not in public_holidays(day.year, alsace_moselle))


def first_school_day_after(day: date, holidays: Iterable[Holiday], *, alsace_moselle: bool = False,
                           weekdays: frozenset[int] = frozenset(range(5))) -> date:
    """The first day after `day` with classes (weekday, not closed, not a public holiday)."""
    closed = closed_days(holidays)
    d = day + timedelta(days=1)
    for _ in range(400):
        if is_school_day(d, (), alsace_moselle=alsace_moselle, weekdays=weekdays, closed=closed):
            return d
        d += timedelta(days=1)
    raise ValueError(f"no school day within a year after {day}")
