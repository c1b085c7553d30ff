"""`oppositions`: absences and blocks (person, from, to, motive), e.g. today's absent pupils.

`from`/`to` are dates or instants. A date `to` is inclusive (absent on 2026-11-23 to
2026-11-24 means both days); dates are local midnights of the site's time zone, stored as UTC
instants (the end is the next midnight). An instant without an offset is site-local time.
Optional columns: ``id`` (a stable id from the sender), ``source`` (absence, unpaid,
discipline, manual; default absence). Without an id, a line's id is derived from the person
and the period, so the same file twice changes nothing and a changed motive updates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportReport
from plateau.server.imports.source import csv_rows
from plateau.server.imports.values import ValueProblem, parse_bound
from plateau.server.wording import Said

REQUIRED = ("person", "from", "to", "motive")
OPTIONAL = ("id", "source")
ALIASES = {"du": "from", "au": "to", "debut": "from", "fin": "to", "motif": "motive", "start": "from",
           "end": "to", "reason": "motive"}
SOURCES = ("absence", "unpaid", "discipline", "manual")


@dataclass
class OppositionLine:
    line: int
    ref: str
    starts_at: datetime
    ends_at: datetime
    motive: str
    source: str
    given_id: str | None


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[OppositionLine]:
    _names, rows = csv_rows(data, "oppositions", REQUIRED, OPTIONAL, ALIASES)
    default_source = ctx.options.get("source") or "absence"
    out: list[OppositionLine] = []
    for row in rows:
        try:
            ref = row.get("person")
            if not ref:
                raise ValueProblem(Said("person_column_empty"))
            start = parse_bound(row.get("from"), ctx.tz, end=False, what="start (from)")
            to = row.get("to")
            if not to and ("T" in row.get("from") or ":" in row.get("from")):
                raise ValueProblem(Said("end_missing"))
            end = parse_bound(to or row.get("from"), ctx.tz, end=True, what="end (to)")  # no end: that day
            if end <= start:
                raise ValueProblem(Said("end_before_start", end=row.get("to"), start=row.get("from")))
            motive = row.get("motive") or "Opposition"
            if len(motive) > 200:
                raise ValueProblem(Said("motive_too_long"))
            source = (row.get("source") or default_source).lower()
            if source not in SOURCES:
                raise ValueProblem(Said("source_unknown", source=source))
            given = row.get("id") or None
            if given and len(given) > 40:
                raise ValueProblem(Said("id_too_long_40"))
        except ValueProblem as exc:
            report.error(row.line, exc)
            continue
        out.append(OppositionLine(row.line, ref, start, end, motive, source, given))
    report.records = len(out)
    return out


def opposition_id(site_code: str, ln: OppositionLine, person_id: int) -> str:
    if ln.given_id:
        return f"{site_code}-{ln.given_id}"
    digest = hashlib.sha1(f"{person_id}|{ln.starts_at.isoformat()}|{ln.ends_at.isoformat()}|{ln.source}"
                          .encode()).hexdigest()[:20]
    return f"{site_code}-imp-{digest}"


def apply(session, site, lines: list[OppositionLine], ctx: ImportContext, report: ImportReport) -> None:
    from plateau.server import models as m
    from plateau.server import store_days
    from plateau.server.imports.people import PersonIndex, unknown_person

    index = PersonIndex.load(session, site)
    ids = []
    resolved = []
    for ln in lines:
        person = index.find(ln.ref)
        if person is None:
            report.error(ln.line, unknown_person(ln.ref))
            continue
        oid = opposition_id(site.code, ln, person.id)
        ids.append(oid)
        resolved.append((ln, person, oid))
    existing = {o.id: o for o in session.execute(select(m.Opposition).where(m.Opposition.id.in_(ids))).scalars()} \
        if ids else {}
    seen: dict[str, int] = {}
    for ln, person, oid in resolved:
        if oid in seen:
            report.error(ln.line, Said("opposition_repeated", line=seen[oid]))
            continue
        seen[oid] = ln.line
        o = existing.get(oid)
        if o is not None and o.site_id != site.id:
            report.error(ln.line, Said("opposition_id_elsewhere", id=ln.given_id))
            continue
        if o is not None and (o.person_id, o.starts_at, o.ends_at, o.motive, o.source) == (
                person.id, ln.starts_at, ln.ends_at, ln.motive, ln.source):
            report.unchanged += 1
            continue
        store_days.upsert_opposition(session, site, person.id, ln.starts_at, ln.ends_at, ln.motive, ln.source, id=oid)
        if o is None:
            report.created += 1
        else:
            report.updated += 1
