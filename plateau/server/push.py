"""Storing the passages a station pushes: exactly once, with their money, in one transaction.

Each item is answered on its own: `stored` (new), `duplicate` (this id was already stored, by
this or an earlier push: nothing happens twice) or `rejected` with an error and a reason `code`
(malformed, naming a person the site does not have, or something the station cannot have
decided: a price no tariff had, a cancel of nothing, a second cancel... see `trust.py`). A
rejected item changes no balance; it is kept in `rejected_item` for the office. The batch is one
unit of work: either every stored item, its ledger entry (a passage debits its price; a cancel's
negative price credits it back), its feed items (the passage, so the other stations of the site
see it, and each touched balance once) and the kept rejections commit together, or nothing does
and the station sends the batch again. Runs on a request thread.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.domain.reasons import PassageKind, Reason
from plateau.server import feed, ledger
from plateau.server import models as m
from plateau.server.trust import ItemRejected, PassageJudge, record_rejections
from plateau.sync.protocol import ProtocolError, check_passage

MAX_BATCH = 5000
_INT32 = 2**31 - 1
_MAX_LEN = {"station": 64, "service": 32, "card_uid": 32, "motive": 200, "ref": 36, "reason": 32, "kind": 16}
_KINDS = frozenset(k.value for k in PassageKind)
_REASONS = frozenset(r.value for r in Reason)


def _malformed(reason: str) -> ItemRejected:
    return ItemRejected("malformed", reason)


def _check_item(raw: Any, station_id: str) -> dict:
    try:
        p = check_passage(raw)
    except ProtocolError as exc:
        raise _malformed(str(exc)) from None
    try:
        if str(uuid.UUID(p["id"])) != p["id"].lower() or len(p["id"]) != 36:
            raise ValueError
    except ValueError:
        raise _malformed("passage: id must be a UUID") from None
    p["id"] = p["id"].lower()
    if p["station"] != station_id:
        raise ItemRejected("wrong_station", f"passage: station {p['station']!r} is not the pushing station")
    for name, limit in _MAX_LEN.items():
        value = p[name]
        if value is not None and (len(value) > limit or "\x00" in value):
            raise _malformed(f"passage: {name} is too long or not text")
    if p["kind"] not in _KINDS:
        raise _malformed(f"passage: unknown kind {p['kind']!r}")
    if p["reason"] not in _REASONS:
        raise _malformed(f"passage: unknown reason {p['reason']!r}")
    if len(p["warnings"]) > 10 or any(len(w) > 40 or "\x00" in w for w in p["warnings"]):
        raise _malformed("passage: bad warnings")
    if abs(p["price_cents"]) > 100_000:
        raise ItemRejected("price_out_of_range", "passage: price out of range")
    for name in ("person_id", "staff_id"):
        if p[name] is not None and not 0 < p[name] <= _INT32:
            raise _malformed(f"passage: {name} out of range")
    if p["balance_after_cents"] is not None and abs(p["balance_after_cents"]) > _INT32:
        raise _malformed("passage: balance_after_cents out of range")
    at = datetime.fromisoformat(p["at"])
    local = date.fromisoformat(p["local_date"])
    if not 2000 <= at.year <= 2100 or not 2000 <= local.year <= 2100 or abs((at.date() - local).days) > 1:
        raise _malformed("passage: at and local_date are not a plausible instant and its local day")
    if p["kind"] == PassageKind.CANCEL and not p["ref"]:
        raise _malformed("passage: a cancel must name the passage it cancels (ref)")
    p["at"], p["local_date"] = at, local
    p["ref"] = p["ref"].lower() if p["ref"] else p["ref"]
    return p


def push(session: Session, site: m.Site, station_id: str, items: list[Any]) -> tuple[list[dict], list[dict]]:
    """Store a station's batch; return (per-item results, balances of the persons involved)."""
    feed.lock_site(session, site.id)
    results: list[dict] = []
    valid: list[tuple[int, dict]] = []
    for index, raw in enumerate(items):
        pid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        try:
            valid.append((index, _check_item(raw, station_id)))
            results.append({"id": pid.lower() if pid else pid, "status": "stored"})
        except ItemRejected as exc:
            results.append(exc.result((pid or "")[:64]))

    ids = [p["id"] for _, p in valid]
    person_ids = {p["person_id"] for _, p in valid if p["person_id"] is not None}
    existing = {}
    for chunk in range(0, len(ids), 500):
        existing.update(session.execute(select(m.Passage.id, m.Passage.site_id)
                                        .where(m.Passage.id.in_(ids[chunk:chunk + 500]))).all())
    known: dict[int, str] = {}   # the site's persons named by the batch: id -> category
    for chunk_ids in _chunks(sorted(person_ids), 500):
        known.update(session.execute(select(m.Person.id, m.Person.category).where(
            m.Person.site_id == site.id, m.Person.id.in_(chunk_ids))).all())

    received = feed.now()
    new_rows: list[dict] = []
    seen: set[str] = set()
    involved: set[int] = set()
    judge = PassageJudge(session, site, [p for _, p in valid if p["id"] not in existing], known)
    for index, p in valid:
        pid = p["id"]
        if pid in existing or pid in seen:
            if existing.get(pid, site.id) != site.id:
                results[index] = ItemRejected("id_used_elsewhere", "passage id already used elsewhere").result(pid)
                continue
            results[index] = {"id": pid, "status": "duplicate"}
            if p["person_id"] in known:
                involved.add(p["person_id"])
            continue
        try:
            if p["person_id"] is not None and p["person_id"] not in known:
                raise ItemRejected("unknown_person",
                                   f"passage: person {p['person_id']} is not a person of site {site.code}")
            judge.check(p)
        except ItemRejected as exc:
            results[index] = exc.result(pid)
            continue
        seen.add(pid)
        new_rows.append({**p, "site_id": site.id, "received_at": received})
        if p["person_id"] is not None:
            involved.add(p["person_id"])

    if new_rows:
        session.execute(m.Passage.__table__.insert(), new_rows)
        charges = [{"person_id": row["person_id"], "amount_cents": -row["price_cents"], "kind": "passage",
                    "cause": row["id"], "at": row["at"],
                    "label": f"{row['kind']} {row['local_date'].isoformat()} {row['service'] or ''}".strip()}
                   for row in new_rows if row["person_id"] is not None and row["price_cents"]]
        ledger.post_many(session, site.id, charges, emit_balance=False)
        feed.emit_many(session, site.id, [("passage", "upsert", _wire(row), None) for row in new_rows])
        ledger.emit_balances(session, site.id, {c["person_id"] for c in charges})
    record_rejections(session, site.id, station_id, "passage", items, results)
    return results, ledger.balances_of(session, involved)


def _wire(row: dict) -> dict:
    out = {k: row[k] for k in ("id", "station", "service", "card_uid", "person_id", "kind", "accepted", "reason",
                               "price_cents", "balance_after_cents", "staff_id", "motive", "ref", "medium")}
    out["at"] = row["at"].isoformat()
    out["local_date"] = row["local_date"].isoformat()
    out["warnings"] = list(row["warnings"])
    return out


def _chunks(seq: list, size: int):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
