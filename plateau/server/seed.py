"""Seeding a server site from wire-format changes (the demo school, test fixtures).

`seed_changes(session, changes)` takes ``(kind, data)`` pairs as `plateau.demo.school` makes
them and writes them through `store` (so the feed is filled exactly as by real writes).
Balances become one `adjustment` ledger entry per person (cause ``seed``), so they stay
traceable to their cause.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy.orm import Session

from plateau.server import ledger, store, store_days
from plateau.server import models as m


def seed_changes(session: Session, changes: Iterable[tuple[str, dict]], *, site_code: str | None = None) -> m.Site:
    """Write the changes of one site; the first must be its `site` unless `site_code` names it."""
    site = store.get_site(session, site_code) if site_code else None
    for kind, d in changes:
        if kind == "site":
            exists = session.query(m.Site).filter_by(code=d["code"]).one_or_none()
            site = exists or store.create_site(session, d["code"], d["name"], d["timezone"], d["zone"])
            store.set_settings(session, site, d["settings"])
            continue
        if site is None:
            raise store.StoreError("the first change of a seed must be its site")
        if kind == "service":
            store.upsert_service(session, site, d["code"], d["label"], d["start"], d["end"], d["weekdays"])
        elif kind == "tariff":
            store.upsert_tariff(session, site, d["category"], d["price_cents"], d["label"])
        elif kind == "person":
            fields = {k: v for k, v in d.items() if k != "id"}
            store.upsert_person(session, site, id=d["id"], **fields)
        elif kind == "card":
            store.upsert_card(session, site, d["uid"], d["person_id"], d["status"])
        elif kind == "reservation":
            person = store.get_person(session, site, d["person_id"])
            store_days.put_reservation(session, site, person, date.fromisoformat(d["date"]), d["service"])
        elif kind == "balance":
            if d["balance_cents"]:
                ledger.post(session, site.id, d["person_id"], d["balance_cents"], "adjustment",
                            f"seed-{d['person_id']}", label="solde initial")
        elif kind == "opposition":
            store_days.upsert_opposition(session, site, d["person_id"], d["starts_at"], d["ends_at"], d["motive"],
                                    d["source"], id=d["id"])
        elif kind == "closure":
            store_days.upsert_closure(session, site, d["first_day"], d["last_day"], d["label"], d["source"], id=d["id"])
        elif kind == "staff":
            store.upsert_staff(session, site, d["name"], d["role"], d["pin_hash"], id=d["id"],
                               badge_uid=d["badge_uid"], active=d["active"])
        elif kind == "menu":
            store_days.upsert_menu(session, site, date.fromisoformat(d["date"]), d["service"], d["text"])
        else:
            raise store.StoreError(f"cannot seed kind {kind!r}")
    return site
