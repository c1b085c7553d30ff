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

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from plateau.domain.reasons import PassageKind, Reason
from plateau.server import feed, ledger
from plateau.server import models as m
from plateau.server.trust import ItemRejected, PassageJudge, prices_of, rejection_rows
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
    return push_many(session, [(site.id, station_id, items)])[0]


def push_many(session: Session, jobs: list[tuple[int, str, list[Any]]]) -> list[tuple[list[dict], list[dict]]]:
    """Store the batches of several pushes, (site id, station id, items) each, in this unit of
    work; answer each as `push` would, in order. The database work does not grow with the number
    of items or of pushes: one statement for each step, for them all (lock the sites, find the
    ids already stored, the persons named, the tariffs, insert the passages, post the ledger,
    keep the rejections, note the stations seen; then the feed's hook at commit). The sites are
    locked in id order, so two groups of overlapping sites never deadlock."""
    sites = feed.lock_sites(session, {site_id for site_id, _, _ in jobs})
    missing = {site_id for site_id, _, _ in jobs} - set(sites)
    if missing:   # deleted since its station's token was checked: that push fails (alone: group_commit)
        raise KeyError(f"no site with id {sorted(missing)[0]}")
    checked: list[tuple[list[dict], list[tuple[int, dict]]]] = []
    for _site_id, station_id, items in jobs:
        results: list[dict] = []
        valid: list[tuple[int, dict]] = []
        for index, raw in enumerate(items):
            pid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            try:
                valid.append((index, _check_item(raw, station_id)))
                results.append({"id": pid.lower() if pid else pid, "status": "stored"})
            except ItemRejected as exc:
                results.append(exc.result((pid or "")[:64]))
        checked.append((results, valid))

    every = [p for _, valid in checked for _, p in valid]
    existing: dict[str, int] = {}   # passage id -> its site
    for chunk in _chunks(sorted({p["id"] for p in every})):
        existing.update(session.execute(select(m.Passage.id, m.Passage.site_id)
                                        .where(m.Passage.id.in_(chunk))).all())
    known: dict[int, dict[int, str]] = {site_id: {} for site_id in sites}   # site -> person -> category
    for chunk in _chunks(sorted({p["person_id"] for p in every if p["person_id"] is not None})):
        for person_id, site_id, category in session.execute(select(m.Person.id, m.Person.site_id, m.Person.category)
                                                            .where(m.Person.id.in_(chunk))):
            if site_id in known:
                known[site_id][person_id] = category
    prices = prices_of(session, list(sites.values()), feed.now())
    judges: dict[int, PassageJudge] = {}
    for site_id, site in sites.items():
        fresh = [p for (job_site, _, _), (_, valid) in zip(jobs, checked) if job_site == site_id
                 for _, p in valid if p["id"] not in existing]
        judges[site_id] = PassageJudge(session, site, fresh, known[site_id], prices[site_id])

    received = feed.now()
    new_rows: list[dict] = []
    seen: dict[str, int] = {}   # passage id -> site, stored earlier in this group
    involved: list[set[int]] = []
    for (site_id, station_id, items), (results, valid) in zip(jobs, checked):
        site, persons, mine = sites[site_id], known[site_id], set()
        involved.append(mine)
        for index, p in valid:
            pid = p["id"]
            if pid in existing or pid in seen:
                if existing.get(pid, seen.get(pid)) != site_id:
                    results[index] = ItemRejected("id_used_elsewhere", "passage id already used elsewhere").result(pid)
                    continue
                results[index] = {"id": pid, "status": "duplicate"}
                if p["person_id"] in persons:
                    mine.add(p["person_id"])
                continue
            try:
                if p["person_id"] is not None and p["person_id"] not in persons:
                    raise ItemRejected("unknown_person",
                                       f"passage: person {p['person_id']} is not a person of site {site.code}")
                judges[site_id].check(p)
            except ItemRejected as exc:
                results[index] = exc.result(pid)
                continue
            seen[pid] = site_id
            new_rows.append({**p, "site_id": site_id, "received_at": received})
            if p["person_id"] is not None:
                mine.add(p["person_id"])

    if new_rows:
        session.execute(m.Passage.__table__.insert(), new_rows)
    refunded = _refunded_by_office(session, new_rows)
    charges = [{"site_id": row["site_id"], "person_id": row["person_id"],
                "amount_cents": -row["price_cents"] - refunded.get((row["ref"] or "").lower(), 0),
                "kind": "passage", "cause": row["id"], "at": row["at"],
                "label": f"{row['kind']} {row['local_date'].isoformat()} {row['service'] or ''}".strip()}
               for row in new_rows if row["person_id"] is not None and row["price_cents"]]
    charges = [c for c in charges if c["amount_cents"]]
    for site_id in sorted({row["site_id"] for row in new_rows}):
        feed.emit_many(session, site_id, [("passage", "upsert", _wire(row), None)
                                          for row in new_rows if row["site_id"] == site_id])
    _posted, balances = ledger.post_many(session, charges, read_also=set().union(*involved))
    rejected = [row for (site_id, station_id, items), (results, _) in zip(jobs, checked)
                for row in rejection_rows(site_id, station_id, "passage", items, results)]
    if rejected:
        session.execute(m.RejectedItem.__table__.insert(), rejected)
    seen_at = [{"site": site_id, "station": station_id, "at": received}
               for site_id, station_id in sorted({(site_id, station_id) for site_id, station_id, _ in jobs})]
    station = m.Station.__table__
    session.execute(update(station).where(station.c.site_id == bindparam("site"),
                                          station.c.station_id == bindparam("station"))
                    .values(last_seen_at=bindparam("at")), seen_at)
    return [(results, [{"person": p, "balance_cents": balances[p][0], "version": balances[p][1]}
                       for p in sorted(mine)])
            for (results, _), mine in zip(checked, involved)]


def _refunded_by_office(session: Session, new_rows: list[dict]) -> dict[str, int]:
    """What the office already refunded of each meal a new cancel names (the extra passage of a
    double, refunded from the person's page before the kiosk's cancel reached the server): the
    cancel is stored as the station decided it, but credits only what was not refunded yet, so a
    meal is never refunded twice. One read, and only when the push holds a cancel."""
    refs = sorted({row["ref"].lower() for row in new_rows
                   if row["kind"] == PassageKind.CANCEL.value and row["ref"] and row["price_cents"]})
    refunded: dict[str, int] = {}
    for chunk in _chunks(refs):
        refunded.update(session.execute(
            select(m.LedgerEntry.cause, func.sum(m.LedgerEntry.amount_cents))
            .where(m.LedgerEntry.kind == "refund", m.LedgerEntry.cause.in_(chunk))
            .group_by(m.LedgerEntry.cause)).all())
    return refunded


def _wire(row: dict) -> dict:
    out = {k: row[k] for k in ("id", "station", "service", "card_uid", "person_id", "kind", "accepted", "reason",
                               "price_cents", "balance_after_cents", "staff_id", "motive", "ref", "medium")}
    out["at"] = row["at"].isoformat()
    out["local_date"] = row["local_date"].isoformat()
    out["warnings"] = list(row["warnings"])
    return out


def _chunks(seq: list, size: int = ledger.IN_CHUNK):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
