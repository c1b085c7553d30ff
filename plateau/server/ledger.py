"""The money ledger: every credit and debit of a person, each traceable to its cause.

`post` is the only way money moves. It is idempotent by (site, kind, cause): posting the same
payment reference or passage id twice moves the money once and returns None the second time.
It keeps `Balance` (sum and per-person version) in the same transaction and, unless the
caller batches them (`emit_balance=False` then `emit_balances`), emits the new balance to the
site's feed. Callers hold the site lock (`feed.lock_site`), which `post` takes if needed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateau.server import feed
from plateau.server import models as m

MAX_AMOUNT_CENTS = 10_000_000  # 100,000 EUR: anything larger is a typo, not a canteen payment


class LedgerError(ValueError):
    """A movement that cannot be posted (message for a person)."""


def post(session: Session, site_id: int, person_id: int, amount_cents: int, kind: str, cause: str,
         *, label: str = "", at: datetime | None = None, emit_balance: bool = True) -> m.LedgerEntry | None:
    """Post one movement (> 0 credits, < 0 debits); None if this (kind, cause) was already posted."""
    if kind not in m.LEDGER_KINDS:
        raise LedgerError(f"unknown ledger kind {kind!r}")
    if not isinstance(amount_cents, int) or abs(amount_cents) > MAX_AMOUNT_CENTS:
        raise LedgerError(f"amount out of range: {amount_cents!r}")
    if not cause or len(cause) > 100:
        raise LedgerError("a ledger entry needs a cause reference of at most 100 characters")
    feed.lock_site(session, site_id)
    exists = session.execute(select(m.LedgerEntry.id).where(
        m.LedgerEntry.site_id == site_id, m.LedgerEntry.kind == kind, m.LedgerEntry.cause == cause)).first()
    if exists:
        return None
    balance = session.get(m.Balance, person_id)
    if balance is None:
        balance = m.Balance(person_id=person_id, site_id=site_id, balance_cents=0, version=0)
        session.add(balance)
    balance.balance_cents = int(balance.balance_cents) + amount_cents
    balance.version += 1
    entry = m.LedgerEntry(site_id=site_id, person_id=person_id, amount_cents=amount_cents, kind=kind,
                          cause=cause, label=label[:200], at=at or feed.now(), version=balance.version)
    session.add(entry)
    session.flush()
    if emit_balance:
        feed.emit(session, site_id, "balance", "upsert", feed.balance_data(balance))
    return entry


def emit_balances(session: Session, site_id: int, person_ids: Iterable[int]) -> None:
    """Emit the current balance of each person once (after a batch of `post(emit_balance=False)`)."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    rows = session.execute(select(m.Balance).where(m.Balance.person_id.in_(ids))).scalars().all()
    feed.emit_many(session, site_id, [("balance", "upsert", feed.balance_data(b), None) for b in rows])


def balances_of(session: Session, person_ids: Iterable[int]) -> list[dict]:
    """[{person, balance_cents, version}] as a push answers them (persons without entries: 0, 0)."""
    ids = sorted(set(person_ids))
    if not ids:
        return []
    found = {b.person_id: b for b in session.execute(
        select(m.Balance).where(m.Balance.person_id.in_(ids))).scalars()}
    return [{"person": pid, "balance_cents": int(found[pid].balance_cents) if pid in found else 0,
             "version": found[pid].version if pid in found else 0} for pid in ids]


def ledger_sum(session: Session, person_id: int) -> int:
    """The balance recomputed from the entries (what `Balance` must always equal)."""
    return int(session.execute(select(func.coalesce(func.sum(m.LedgerEntry.amount_cents), 0))
                               .where(m.LedgerEntry.person_id == person_id)).scalar_one())
