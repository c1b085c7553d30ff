"""The thin query layer between the replica and the rules: exactly the rows one read needs.

Every lookup is by primary key or index (card uid, person id + day + service, ...): the
cost of a decision does not grow with the number of persons or passages. Site data
(services, tariffs, policies) is cached and reloaded when the sync daemon bumps
``sync_state.site_version``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from plateau.db.types import utc_text
from plateau.domain.policy import policy_from_settings
from plateau.domain.services import ServiceInfo, open_service, parse_hhmm, parse_weekdays, local_time
from plateau.station.snapshot import (CardInfo, OppositionInfo, PersonInfo, ServedInfo, SiteInfo,
                                      Snapshot)

import json

_SITE = text("SELECT code, name, timezone, settings FROM site LIMIT 1")
_SERVICES = text("SELECT code, label, start, \"end\", weekdays FROM service ORDER BY start")
_TARIFFS = text("SELECT category, price_cents FROM tariff")
_SITE_VERSION = text("SELECT value FROM sync_state WHERE key = 'site_version'")
_CARD = text("SELECT c.uid, c.person_id, c.status FROM card c WHERE c.uid = :uid")
_PERSON = text("SELECT id, last_name, first_name, class_name, category, plan, forfait_days, status, "
               "arrival_date, leaving_date, photo, external_id FROM person WHERE id = :id")
_CLOSURES = text("SELECT first_day, last_day, label FROM closure WHERE first_day <= :d AND last_day >= :d")
_OPPOSITIONS = text("SELECT starts_at, ends_at, motive, source FROM opposition "
                    "WHERE person_id = :p AND starts_at <= :at AND ends_at > :at")
_SERVED = text("SELECT p.id, p.at, p.station FROM passage p WHERE p.person_id = :p AND p.local_date = :d "
               "AND p.service = :s AND p.accepted = 1 AND p.kind != 'cancel' AND NOT EXISTS "
               "(SELECT 1 FROM passage c WHERE c.ref = p.id AND c.kind = 'cancel')")
_RESERVATION = text("SELECT 1 FROM reservation WHERE person_id = :p AND date = :d AND service = :s")
_BALANCE = text("SELECT COALESCE((SELECT server_cents FROM balance WHERE person_id = :p), 0) - "
                "COALESCE((SELECT SUM(price_cents) FROM outbox WHERE person_id = :p), 0)")


class NotConfigured(RuntimeError):
    """The replica holds no site yet (first sync not done)."""


def _person(row) -> PersonInfo:
    return PersonInfo(
        id=row.id, last_name=row.last_name, first_name=row.first_name, class_name=row.class_name,
        category=row.category, plan=row.plan, forfait_days=parse_weekdays(row.forfait_days or ""),
        status=row.status,
        arrival_date=date.fromisoformat(row.arrival_date) if row.arrival_date else None,
        leaving_date=date.fromisoformat(row.leaving_date) if row.leaving_date else None,
        photo=row.photo, external_id=row.external_id)


@dataclass
class SiteCache:
    """Site, services and prices, reloaded only when the sync daemon changed them."""

    version: str | None = None
    site: SiteInfo | None = None

    def get(self, conn: Connection) -> SiteInfo:
        version = conn.execute(_SITE_VERSION).scalar()
        if self.site is None or version != self.version:
            self.site = load_site(conn)
            self.version = version
        return self.site


def load_site(conn: Connection) -> SiteInfo:
    row = conn.execute(_SITE).first()
    if row is None:
        raise NotConfigured("this station has no site data yet: run `plateau sync --once`")
    settings = row.settings if isinstance(row.settings, dict) else json.loads(row.settings or "{}")
    services = tuple(
        ServiceInfo(s.code, s.label, parse_hhmm(s.start), parse_hhmm(s.end), parse_weekdays(s.weekdays))
        for s in conn.execute(_SERVICES))
    prices = {t.category: t.price_cents for t in conn.execute(_TARIFFS)}
    return SiteInfo(row.code, row.name, row.timezone, policy_from_settings(settings), services, prices)


def effective_balance(conn: Connection, person_id: int) -> int:
    """The one balance shown: the server's, minus this station's passages not yet acknowledged."""
    return int(conn.execute(_BALANCE, {"p": person_id}).scalar() or 0)


def load_person(conn: Connection, person_id: int) -> PersonInfo | None:
    row = conn.execute(_PERSON, {"id": person_id}).first()
    return _person(row) if row else None


def snapshot_for_card(conn: Connection, site: SiteInfo, uid: str, at: datetime) -> Snapshot:
    card_row = conn.execute(_CARD, {"uid": uid}).first()
    if card_row is None:
        return Snapshot(site=site)
    card = CardInfo(card_row.uid, card_row.person_id, card_row.status)
    person = load_person(conn, card.person_id)
    if person is None:
        return Snapshot(site=site, card=card)
    return _complete(conn, site, person, at, card)


def snapshot_for_person(conn: Connection, site: SiteInfo, person_id: int, at: datetime) -> Snapshot:
    person = load_person(conn, person_id)
    if person is None:
        return Snapshot(site=site)
    return _complete(conn, site, person, at, None)


def _complete(conn: Connection, site: SiteInfo, person: PersonInfo, at: datetime, card) -> Snapshot:
    local = local_time(at, site.timezone)
    day = local.date().isoformat()
    service = open_service(site.services, local)
    closures = tuple((date.fromisoformat(r.first_day), date.fromisoformat(r.last_day), r.label)
                     for r in conn.execute(_CLOSURES, {"d": day}))
    at_text = utc_text(at)
    oppositions = tuple(
        OppositionInfo(datetime.fromisoformat(r.starts_at), datetime.fromisoformat(r.ends_at), r.motive, r.source)
        for r in conn.execute(_OPPOSITIONS, {"p": person.id, "at": at_text}))
    served: tuple[ServedInfo, ...] = ()
    has_reservation = False
    if service is not None:
        served = tuple(ServedInfo(r.id, datetime.fromisoformat(r.at), r.station)
                       for r in conn.execute(_SERVED, {"p": person.id, "d": day, "s": service.code}))
        has_reservation = conn.execute(_RESERVATION, {"p": person.id, "d": day, "s": service.code}).first() is not None
    return Snapshot(site=site, card=card, person=person, closures=closures, oppositions=oppositions,
                    served=served, has_reservation=has_reservation,
                    balance_cents=effective_balance(conn, person.id))
