"""`payments`: the daily file of a payment provider, crediting the ledger idempotently.

Columns: ``reference;person;amount;date``; amounts in euros with a decimal comma or point
(``12,50``, ``12.5``, ``4,00 €``). The reference is the ledger entry's cause: the same file
twice (or the same payment in two daily files) credits once. A reference already credited
with another amount or to another person is an error, not a silent skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from plateau.domain.money import AmountError, parse_euros
from plateau.server.imports.context import ImportContext
from plateau.server.imports.report import ImportReport
from plateau.server.imports.source import csv_rows
from plateau.server.imports.values import ValueProblem, parse_date
from plateau.server.wording import Said

REQUIRED = ("reference", "person", "amount", "date")
OPTIONAL = ("label",)
ALIASES = {"ref": "reference", "montant": "amount", "reference_paiement": "reference"}
MAX_CENTS = 1_000_000  # 10,000 EUR: a canteen top-up above that is a typo


@dataclass
class PaymentLine:
    line: int
    reference: str
    ref: str
    cents: int
    day: date
    label: str


def parse(data: bytes, ctx: ImportContext, report: ImportReport) -> list[PaymentLine]:
    _names, rows = csv_rows(data, "payments", REQUIRED, OPTIONAL, ALIASES)
    out: list[PaymentLine] = []
    seen: dict[str, PaymentLine] = {}
    for row in rows:
        try:
            reference = row.get("reference")
            if not reference:
                raise ValueProblem(Said("reference_empty"))
            if len(reference) > 100:
                raise ValueProblem(Said("reference_too_long"))
            ref = row.get("person")
            if not ref:
                raise ValueProblem(Said("person_column_empty"))
            try:
                cents = parse_euros(row.get("amount"))
            except AmountError:
                raise ValueProblem(Said("amount_invalid", text=row.get("amount"))) from None
            if cents == 0:
                raise ValueProblem(Said("amount_zero"))
            if abs(cents) > MAX_CENTS:
                raise ValueProblem(Said("amount_too_large", text=row.get("amount")))
            day = parse_date(row.get("date"), "payment date")
            line = PaymentLine(row.line, reference, ref, cents, day, row.get("label"))
            if reference in seen:
                first = seen[reference]
                if (first.ref, first.cents) == (ref, cents):
                    report.note(row.line, Said("payment_repeated", reference=reference, line=first.line))
                    continue
                raise ValueProblem(Said("reference_twice", reference=reference, line=first.line))
        except ValueProblem as exc:
            report.error(row.line, exc)
            continue
        seen[reference] = line
        out.append(line)
    report.records = len(out)
    return out


def apply(session, site, lines: list[PaymentLine], ctx: ImportContext, report: ImportReport) -> None:
    from plateau.server import ledger
    from plateau.server import models as m
    from plateau.server.imports.people import PersonIndex, unknown_person

    index = PersonIndex.load(session, site)
    done = {e.cause: e for e in session.execute(select(m.LedgerEntry).where(
        m.LedgerEntry.site_id == site.id, m.LedgerEntry.kind == "payment",
        m.LedgerEntry.cause.in_([ln.reference for ln in lines]))).scalars()} if lines else {}
    credited: set[int] = set()
    for ln in lines:
        person = index.find(ln.ref)
        if person is None:
            report.error(ln.line, unknown_person(ln.ref))
            continue
        previous = done.get(ln.reference)
        if previous is not None:
            if (previous.person_id, previous.amount_cents) != (person.id, ln.cents):
                report.error(ln.line, Said("payment_already_credited", reference=ln.reference,
                                           day=f"{previous.at:%Y-%m-%d}"))
            else:
                report.unchanged += 1
            continue
        at = datetime.combine(ln.day, time(12), ctx.tz)
        try:
            ledger.post(session, site.id, person.id, ln.cents, "payment", ln.reference,
                        label=ln.label or f"paiement {ln.reference}", at=at, emit_balance=False)
        except ledger.LedgerError as exc:
            report.error(ln.line, str(exc))
            continue
        credited.add(person.id)
        report.created += 1
    if not report.errors:
        ledger.emit_balances(session, site.id, credited)
