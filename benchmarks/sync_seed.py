"""Bulk seeding of a benchmark server database with the demo school at any size.

`plateau admin demo-seed` writes row by row through the server's store (a few ms a change);
the sync benchmark needs 3,000 persons with a year of reservations, so the bulky kinds
(person, card, reservation, balance) are written here in bulk — the same rows, ledger entries
and change-feed items the store would write — and the small kinds go through `seed_changes`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from sqlalchemy import insert, select, update

BULK = ("person", "card", "reservation", "balance")


def bulk_seed(db_url: str, school) -> int:
    """Seed `school` (plateau.demo.school.DemoSchool) into the server at `db_url`; return the feed head."""
    from plateau.server import models as m
    from plateau.server.db import Database, open_database
    from plateau.server.seed import seed_changes
    from plateau.sync.protocol import KINDS

    db = Database(open_database(db_url))
    small = [(k, d) for k, d in school.changes if k not in BULK and k != "opposition"]
    oppositions = [(k, d) for k, d in school.changes if k == "opposition"]
    now = datetime.now(timezone.utc)
    try:
        with db.write() as s:
            site = seed_changes(s, small)
            site_id = site.id
        with db.write() as s:
            site = s.get(m.Site, site_id)
            persons, cards, reservations, balances = ([d for k, d in school.changes if k == kind] for kind in BULK)
            s.execute(insert(m.Person), [dict(d, site_id=site_id, arrival_date=_d(d["arrival_date"]),
                                              leaving_date=_d(d["leaving_date"]), updated_at=now) for d in persons])
            s.execute(insert(m.Card), [dict(d, site_id=site_id) for d in cards])
            s.execute(insert(m.Reservation), [dict(d, site_id=site_id, date=_d(d["date"]), booking=str(uuid.uuid4()),
                                                   prepaid_cents=0, created_at=now) for d in reservations])
            money = [b for b in balances if b["balance_cents"]]
            s.execute(insert(m.LedgerEntry), [
                {"site_id": site_id, "person_id": b["person_id"], "amount_cents": b["balance_cents"],
                 "kind": "adjustment", "cause": f"seed-{b['person_id']}", "label": "solde initial", "at": now,
                 "version": 1} for b in money])
            s.execute(insert(m.Balance), [{"person_id": b["person_id"], "site_id": site_id,
                                           "balance_cents": b["balance_cents"], "version": 1} for b in money])
            wire = [(k, d) for k, d in school.changes if k in BULK and not (k == "balance" and not d["balance_cents"])]
            wire = [(k, dict(d, version=1) if k == "balance" else d) for k, d in wire]
            first = site.feed_seq + 1
            s.execute(insert(m.Change), [{"site_id": site_id, "seq": first + i, "kind": k, "op": "upsert",
                                          "key": KINDS[k].key_of(d), "data": d, "at": now}
                                         for i, (k, d) in enumerate(wire)])
            s.execute(update(m.Site).where(m.Site.id == site_id).values(feed_seq=first + len(wire) - 1))
        with db.write() as s:
            seed_changes(s, oppositions, site_code=school.changes[0][1]["code"])
        with db.read() as s:
            return int(s.execute(select(m.Site.feed_seq).where(m.Site.id == site_id)).scalar())
    finally:
        db.engine.dispose()


def _d(value):
    return date.fromisoformat(value) if value else None
