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
from plateau.server.wording import Said

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
        raise ImportRejected(Said("card_format_unknown", fmt=default_fmt, formats=", ".join(FORMATS)))
    _names, rows = csv_rows(data, "cards", REQUIRED, OPTIONAL, ALIASES)
    out: list[CardLine] = []
    seen: dict[str, CardLine] = {}
    for row in rows:
        try:
            ref = row.get("person")
            if not ref:
                raise ValueProblem(Said("person_column_empty"))
            fmt = (row.get("format") or default_fmt).lower()
            if fmt not in FORMATS:
                raise ValueProblem(Said("card_format_unknown_line", fmt=fmt, formats=", ".join(FORMATS)))
            raw = row.get("uid")
            if not raw:
                raise ValueProblem(Said("uid_column_empty"))
            try:
                uid = normalize_uid(raw, fmt)
            except UidError as exc:
                raise ValueProblem(Said("uid_invalid", detail=str(exc), fmt=fmt)) from None
            status = STATUSES.get(fold(row.get("status") or "active"))
            if status is None:
                raise ValueProblem(Said("card_status_unknown", text=row.get("status")))
            if uid in seen:
                first = seen[uid]
                if first.ref == ref and first.status == status:
                    report.note(row.line, Said("card_repeated", uid=uid, line=first.line))
                    continue
                raise ValueProblem(Said("card_twice_other", uid=uid, raw=raw, line=first.line, ref=first.ref)
                                   if first.ref != ref else Said("card_twice", uid=uid, raw=raw, line=first.line))
        except ValueProblem as exc:
            report.error(row.line, exc)
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
            new = f"{person.first_name} {person.last_name}"
            report.note(ln.line, Said("card_moved", uid=ln.uid, old=f"{old.first_name} {old.last_name}", new=new)
                        if old else Said("card_moved_from_id", uid=ln.uid, old=card.person_id, new=new))
        created = card is None
        cards[ln.uid] = store.upsert_card(session, site, ln.uid, person.id, ln.status)
        if created:
            report.created += 1
        else:
            report.updated += 1
