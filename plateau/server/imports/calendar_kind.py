"""`calendar`: the official school calendar (CSV or ICS export) -> the site's closures.

The traps of the dataset live in `plateau.domain.school_calendar`; this module picks the
format, reports what it could not use, and writes closures with `source="calendar"` and a
key made of their days (`cal:FIRST:LAST`), so re-importing the same file changes nothing.
An earlier calendar closure overlapped by a new one with other dates (the ministry moved the
period) is replaced; others stay (a defective record skipped here must not erase a sound one);
local closures are never touched.
"""

from __future__ import annotations

from sqlalchemy import select

from plateau.domain.school_calendar import (CalendarFormatError, Holiday, normalize_zone, parse_ics,
                                            parse_official_csv)
from plateau.server import models as m
from plateau.server import store_days
from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.source import check_content, decode_text
from plateau.server.wording import Said

SOURCE = "calendar"


def closure_id(site_code: str, h: Holiday) -> str:
    return f"{site_code}-{h.key}"


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[Holiday]:
    check_content(data)
    text = decode_text(data)
    zone = ctx.options.get("zone") or ctx.zone
    if not zone:
        raise ImportRejected(Said("calendar_no_zone"))
    fmt = (ctx.options.get("format") or "").lower()
    head = text.lstrip("\ufeff \r\n")[:200]
    if not fmt:
        fmt = "ics" if head.upper().startswith("BEGIN:VCALENDAR") else "csv"
    if head.startswith("<"):
        raise ImportRejected(Said("calendar_xml"))
    try:
        if fmt == "ics":
            read = parse_ics(text, zone, ctx.tz)
        elif fmt == "csv":
            read = parse_official_csv(text, zone, ctx.options.get("population") or "Élèves", ctx.tz)
        else:
            raise ImportRejected(Said("calendar_format_unknown", fmt=fmt))
    except CalendarFormatError as exc:
        raise ImportRejected(Said(exc.code, **exc.params)) from None
    for e in read.errors:
        report.error(e.line, Said(e.code, **e.params))
    for n in read.notes:
        report.note(n.line, Said(n.code, **n.params))
    if not read.holidays and not read.errors:
        raise ImportRejected(Said("calendar_no_day", zone=normalize_zone(zone)))
    report.records = len(read.holidays)
    return read.holidays


def apply(session, site: m.Site, holidays: list[Holiday], ctx: ImportContext, report: ImportReport) -> None:
    existing = {c.id: c for c in session.execute(
        select(m.Closure).where(m.Closure.site_id == site.id, m.Closure.source == SOURCE)).scalars()}
    wanted = {}
    for h in holidays:
        cid = closure_id(site.code, h)
        wanted[cid] = h
        c = existing.get(cid)
        if c is not None and (c.first_day, c.last_day, c.label) == (h.first_day, h.last_day, h.label):
            report.unchanged += 1
            continue
        store_days.upsert_closure(session, site, h.first_day, h.last_day, h.label, SOURCE, id=cid)
        if c is None:
            report.created += 1
        else:
            report.updated += 1
    if not holidays:
        return
    for cid, c in existing.items():
        # replaced: an older calendar closure that a new one overlaps (the ministry moved the
        # dates). One that nothing overlaps stays: this file may simply have skipped it as unsound.
        if cid not in wanted and any(h.first_day <= c.last_day and c.first_day <= h.last_day for h in holidays):
            store_days.delete_closure(session, site, cid)
            report.note(None, Said("calendar_closure_removed", label=c.label, first=c.first_day.isoformat(),
                                   last=c.last_day.isoformat()))
            report.updated += 1
