"""`cards`: card UID <-> person, from a CSV file.

Columns: ``person;uid``, optional ``format`` (hex, hex-reversed, decimal, decimal-reversed,
em4100, wiegand26; the file's default comes from ``--format``, else hex) and ``status``
(active, lost, blocked). Every spelling is normalised to the canonical UID, so the same card
read by two kinds of reader is one card. A UID given to another person moves (the old link
is gone: one UID names one person at a site); a lost card stays known, and refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from plateau.domain.uid import FORMATS, UidError, normalize_uid
from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportRejected, ImportReport
from plateau.server.imports.source import csv_rows, fold
from plateau.server.imports.values import ValueProblem

REQUIRED = ("person", "uid")
OPTIONAL = ("format", "status")
ALIASES = {"badge": "uid", "carte": "uid", "card": "uid", "statut": "status"}
STATUSES = {"active": "active", "actif": "active", "lost": "lost", "perdu": "lost", "perdue": "lost",
            "stolen": "lost", "vole": "lost", "blocked": "blocked", "bloque": "blocked"}


@dataclass
class CardLine:
    line: int
    ref: str
    uid: str
    status: str


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[CardLine]:
    default_fmt = (ctx.options.get("format") or "hex").lower()
    if default_fmt not in FORMATS:
        raise ImportRejected(f"unknown UID format {default_fmt!r} (expected one of {', '.join(FORMATS)})")
    _names, rows = csv_rows(data, "cards", REQUIRED, OPTIONAL, ALIASES)
    out: list[CardLine] = []
    seen: dict[str, CardLine] = {}
    for row in rows:
        try:
            ref = row.get("person")
            if not ref:
                raise ValueProblem("the person column is empty")
            fmt = (row.get("format") or default_fmt).lower()
            if fmt not in FORMATS:
                raise ValueProblem(f"UID format {fmt!r} is unknown (expected one of {', '.join(FORMATS)})")
            raw = row.get("uid")
            if not raw:
                raise ValueProblem("the uid column is empty")
            try:
                uid = normalize_uid(raw, fmt)
            except UidError as exc:
                raise ValueProblem(f"{exc} (format {fmt})") from None
            status = STATUSES.get(fold(row.get("status") or "active"))
            if status is None:
                raise ValueProblem(f"card status {row.get('status')!r} is unknown (active, lost or blocked)")
            if uid in seen:
                first = seen[uid]
                if first.ref == ref and first.status == status:
                    report.note(row.line, f"card {uid} repeats line {first.line}")
                    continue
                raise ValueProblem(f"card {uid} (written {raw!r}) is already on line {first.line}"
                                   + (f" for person {first.ref}" if first.ref != ref else ""))
        except ValueProblem as exc:
            report.error(row.line, str(exc))
            continue
        seen[uid] = CardLine(row.line, ref, uid, status)
        out.append(seen[uid])
    report.records = len(out)
    return out


def apply(session, site, lines: list[CardLine], ctx: ImportContext, report: ImportReport) -> None:
    from plateau.server import models as m
    from plateau.server import store
    from plateau.server.imports.people import PersonIndex, unknown_person

    index = PersonIndex.load(session, site)
    cards = {c.uid: c for c in session.execute(select(m.Card).where(m.Card.site_id == site.id)).scalars()}
    names = {}
    for ln in lines:
        person = index.find(ln.ref)
        if person is None:
            report.error(ln.line, unknown_person(ln.ref))
            continue
        card = cards.get(ln.uid)
        if card is not None and (card.person_id, card.status) == (person.id, ln.status):
            report.unchanged += 1
            continue
        if card is not None and card.person_id != person.id:
            if not names:
                names.update({p.id: p for p in index.by_external.values()})
            old = names.get(card.person_id)
            who = f"{old.first_name} {old.last_name}" if old else f"person {card.person_id}"
            report.note(ln.line, f"card {ln.uid} moved from {who} to {person.first_name} {person.last_name}")
        created = card is None
        cards[ln.uid] = store.upsert_card(session, site, ln.uid, person.id, ln.status)
        if created:
            report.created += 1
        else:
            report.updated += 1
