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

from sqlalchemy import bindparam, func, select, update
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


def post_many(session: Session, entries: list[dict], *, emit_balance: bool = True,
              read_also: Iterable[int] = ()) -> tuple[list[bool], dict[int, tuple[int, int]]]:
    """Post many movements at once, of one site or several (a group commit of pushes, an
    import): the same rules as `post`, in a handful of statements whatever their number. Each
    entry is a dict with site_id, person_id, amount_cents, kind, cause and optionally label and
    at. Returns, per entry, whether it was posted (False: already was), and the balance and
    version after them of each person they name and of each person of `read_also` (persons
    without entries: 0, 0), read in the same statement."""
    for e in entries:
        if e["kind"] not in m.LEDGER_KINDS:
            raise LedgerError(f"unknown ledger kind {e['kind']!r}")
        if not isinstance(e["amount_cents"], int) or abs(e["amount_cents"]) > MAX_AMOUNT_CENTS:
            raise LedgerError(f"amount out of range: {e['amount_cents']!r}")
        if not e["cause"] or len(e["cause"]) > 100:
            raise LedgerError("a ledger entry needs a cause reference of at most 100 characters")
    person_ids = sorted({e["person_id"] for e in entries} | set(read_also))
    if not person_ids:
        return [], {}
    sites = {e["site_id"] for e in entries}
    unlocked = sites - session.info.get("locked_sites", set())
    if unlocked:
        feed.lock_sites(session, unlocked)
    session.flush()
    conn = session.connection()
    done: set[tuple[int, str, str]] = set()
    for kind in sorted({e["kind"] for e in entries}):
        causes = sorted({e["cause"] for e in entries if e["kind"] == kind})
        for chunk in _chunks(causes):
            done.update((site_id, kind, cause) for site_id, cause in conn.execute(
                select(m.LedgerEntry.site_id, m.LedgerEntry.cause).where(
                    m.LedgerEntry.site_id.in_(sites), m.LedgerEntry.kind == kind, m.LedgerEntry.cause.in_(chunk))))
    balances: dict[int, list[int]] = {}
    for chunk in _chunks(person_ids):
        for row in conn.execute(select(m.Balance.person_id, m.Balance.balance_cents, m.Balance.version)
                                .where(m.Balance.person_id.in_(chunk))):
            balances[row.person_id] = [int(row.balance_cents), row.version]
    known = set(balances)
    rows, posted, at = [], [], feed.now()
    touched: dict[int, int] = {}   # person -> site
    for e in entries:
        key = (e["site_id"], e["kind"], e["cause"])
        if key in done:
            posted.append(False)
            continue
        done.add(key)
        bal = balances.setdefault(e["person_id"], [0, 0])
        bal[0] += e["amount_cents"]
        bal[1] += 1
        touched[e["person_id"]] = e["site_id"]
        rows.append({"site_id": e["site_id"], "person_id": e["person_id"], "amount_cents": e["amount_cents"],
                     "kind": e["kind"], "cause": e["cause"], "label": (e.get("label") or "")[:200],
                     "at": e.get("at") or at, "version": bal[1]})
        posted.append(True)
    after = {p: (balances[p][0], balances[p][1]) if p in balances else (0, 0) for p in person_ids}
    if not rows:
        return posted, after
    conn.execute(m.LedgerEntry.__table__.insert(), rows)
    updates = [{"pid": p, "b": balances[p][0], "v": balances[p][1]} for p in sorted(touched) if p in known]
    if updates:
        conn.execute(update(m.Balance.__table__).where(m.Balance.__table__.c.person_id == bindparam("pid"))
                     .values(balance_cents=bindparam("b"), version=bindparam("v")), updates)
    inserts = [{"person_id": p, "site_id": touched[p], "balance_cents": balances[p][0], "version": balances[p][1]}
               for p in sorted(touched) if p not in known]
    if inserts:
        conn.execute(m.Balance.__table__.insert(), inserts)
    for obj in list(session.identity_map.values()):  # ORM copies of these balances are now stale
        if isinstance(obj, m.Balance) and obj.person_id in touched:
            session.expire(obj)
    if emit_balance:
        for site_id in sorted(set(touched.values())):
            feed.emit_many(session, site_id, [
                ("balance", "upsert", {"person_id": p, "balance_cents": after[p][0], "version": after[p][1]}, None)
                for p in sorted(touched) if touched[p] == site_id])
    return posted, after


# As many values in one IN (...) as both databases take in a statement (SQLite 3.32+: 32,766
# variables; PostgreSQL: 65,535), so a whole pushed batch (push.MAX_BATCH) is one query.
IN_CHUNK = 5000


def _chunks(seq: list, size: int = IN_CHUNK):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


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
