"""`persons`: commensals and pupils not in SIÈCLE, from a CSV file.

Columns (docs/protocol.md): ``person;last_name;first_name;category;class;plan``; optional ``ine``,
``status`` (active | archived), ``arrival_date``, ``leaving_date``. `person` is the external id
the person is known by (created with it when new; an existing pupil may be named by INE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportReport
from plateau.server.imports.source import csv_rows
from plateau.server.imports.values import ValueProblem, parse_optional_date, parse_plan
from plateau.server.wording import Said

REQUIRED = ("person", "last_name", "first_name", "category", "class", "plan")
OPTIONAL = ("ine", "status", "arrival_date", "leaving_date")
ALIASES = {"nom": "last_name", "prenom": "first_name", "categorie": "category", "classe": "class",
           "external_id": "person", "id": "person", "formule": "plan"}


@dataclass
class PersonLine:
    line: int
    ref: str
    fields: dict


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[PersonLine]:
    _names, rows = csv_rows(data, "persons", REQUIRED, OPTIONAL, ALIASES)
    out: list[PersonLine] = []
    seen: dict[str, int] = {}
    for row in rows:
        ref = row.get("person")
        try:
            if not ref:
                raise ValueProblem(Said("person_ref_empty"))
            if len(ref) > 64:
                raise ValueProblem(Said("person_ref_too_long", ref=ref[:20]))
            if ref in seen:
                raise ValueProblem(Said("person_ref_repeated", ref=ref, line=seen[ref]))
            if not row.get("last_name") or not row.get("first_name"):
                raise ValueProblem(Said("names_required"))
            category = row.get("category")
            if not category:
                raise ValueProblem(Said("category_missing"))
            plan, days = parse_plan(row.get("plan"))
            fields = {"last_name": row.get("last_name"), "first_name": row.get("first_name"),
                      "category": category, "class_name": row.get("class") or None, "plan": plan,
                      "forfait_days": days}
            if row.get("ine"):
                fields["ine"] = row.get("ine").upper()
            if row.get("status"):
                status = row.get("status").lower()
                if status not in ("active", "archived"):
                    raise ValueProblem(Said("status_unknown", text=row.get("status")))
                fields["status"] = status
            for col in ("arrival_date", "leaving_date"):
                if col in row.values:
                    fields[col] = parse_optional_date(row.get(col), col.replace("_", " "))
            arrival, leaving = fields.get("arrival_date"), fields.get("leaving_date")
            if isinstance(arrival, date) and isinstance(leaving, date) and leaving < arrival:
                raise ValueProblem(Said("leaving_before_arrival"))
        except ValueProblem as exc:
            report.error(row.line, exc)
            continue
        seen[ref] = row.line
        out.append(PersonLine(row.line, ref, fields))
    report.records = len(out)
    return out


def apply(session, site, lines: list[PersonLine], ctx: ImportContext, report: ImportReport) -> None:
    from sqlalchemy import select

    from plateau.server import models as m
    from plateau.server.imports.people import PersonIndex, save_people

    index = PersonIndex.load(session, site)
    items = []
    for ln in lines:
        person = index.find(ln.ref)
        desired = dict(ln.fields)
        if person is None:
            desired["external_id"] = ln.ref
        items.append((ln.line, person, desired))
    save_people(session, site, index, items, report)
    priced = set(session.execute(select(m.Tariff.category).where(m.Tariff.site_id == site.id)).scalars())
    if "default" not in priced:
        for category in sorted({ln.fields["category"] for ln in lines} - priced):
            first = next(ln.line for ln in lines if ln.fields["category"] == category)
            report.note(first, Said("category_without_tariff", category=category, site=site.code))
