"""The thin query layer between the replica and the rules: exactly the rows one read needs.

Every lookup is by primary key or index (card uid, person id + day + service, ...): the
cost of a decision does not grow with the number of persons or passages. Site data
(services, tariffs, policies) is cached and reloaded when the sync daemon bumps
``sync_state.site_version``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Callable

from sqlalchemy import Connection

from plateau.db.types import utc_text
from plateau.domain.policy import policy_from_settings
from plateau.domain.services import ServiceInfo, local_time, open_service, parse_hhmm, parse_weekdays
from plateau.domain.snapshot import (CardInfo, OppositionInfo, PersonInfo, ServedInfo, SiteInfo,
                                      Snapshot)

# The per-read queries run on the DB-API connection under the SQLAlchemy connection, inside its
# transaction: a badge is read and decided under the same BEGIN IMMEDIATE that records it, and
# SQLAlchemy's per-statement machinery (result metadata, events) was most of a decision's cost
# (benchmarks/bench_decision.py). Plain `?` parameters, sqlite3's own statement cache.
_SITE = "SELECT code, name, timezone, settings FROM site LIMIT 1"
_SERVICES = "SELECT code, label, start, \"end\", weekdays FROM service ORDER BY start"
_TARIFFS = "SELECT category, price_cents FROM tariff"
_SITE_VERSION = "SELECT value FROM sync_state WHERE key = 'site_version'"
_PERSON_COLUMNS = ("id, last_name, first_name, class_name, category, plan, forfait_days, status, "
                   "arrival_date, leaving_date, photo, external_id")
_CARD = ("SELECT c.uid, c.person_id, c.status, " + ", ".join(f"p.{c.strip()}" for c in _PERSON_COLUMNS.split(","))
         + " FROM card c LEFT JOIN person p ON p.id = c.person_id WHERE c.uid = ?")
_CARD_TAIL = _CARD.replace("WHERE c.uid = ?", "WHERE length(c.uid) = 10 AND substr(c.uid, -?) = ?")
_PERSON = f"SELECT {_PERSON_COLUMNS} FROM person WHERE id = ?"
_CLOSURES = "SELECT first_day, last_day, label FROM closure WHERE first_day <= ?1 AND last_day >= ?1"
# julianday() compares instants, not their text: rows written before the replica stored every
# instant in UTC may carry another offset (the rules re-check each opposition anyway)
_OPPOSITIONS = ("SELECT starts_at, ends_at, motive, source FROM opposition "
                "WHERE person_id = ?1 AND julianday(starts_at) <= julianday(?2) AND julianday(ends_at) > julianday(?2)")
_SERVED = ("SELECT p.id, p.at, p.station FROM passage p WHERE p.person_id = ?1 AND p.local_date = ?2 "
           "AND p.service = ?3 AND p.accepted = 1 AND p.kind != 'cancel' AND NOT EXISTS "
           "(SELECT 1 FROM passage c WHERE c.ref = p.id AND c.kind = 'cancel')")
_RESERVATION = "SELECT 1 FROM reservation WHERE person_id = ?1 AND date = ?2 AND service = ?3"


BalanceOf = Callable[[object, int], int]


def raw_connection(conn: Connection):
    """The sqlite3 connection under `conn`, inside a transaction (begun like any other, so the
    engine's BEGIN / BEGIN IMMEDIATE listener runs): all the reads of one badge see one state."""
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.dbapi_connection


class NotConfigured(RuntimeError):
    """The replica holds no site yet (first sync not done)."""


@lru_cache(maxsize=64)
def _weekdays(text_: str) -> frozenset[int]:
    return parse_weekdays(text_)


@lru_cache(maxsize=2048)
def _day(text_: str) -> date:
    return date.fromisoformat(text_)


def _person(row, offset: int = 0) -> PersonInfo:
    """A PersonInfo from the `_PERSON_COLUMNS` of a row, starting at `offset`."""
    (pid, last_name, first_name, class_name, category, plan, forfait_days, status, arrival, leaving, photo,
     external_id) = row[offset:offset + 12]
    return PersonInfo(
        id=pid, last_name=last_name, first_name=first_name, class_name=class_name,
        category=category, plan=plan, forfait_days=_weekdays(forfait_days or ""),
        status=status, arrival_date=_day(arrival) if arrival else None,
        leaving_date=_day(leaving) if leaving else None, photo=photo, external_id=external_id)


@dataclass
class SiteCache:
    """Site, services and prices, reloaded only when the sync daemon changed them."""

    version: str | None = None
    site: SiteInfo | None = None

    def get(self, conn: Connection) -> SiteInfo:
        return self.get_raw(raw_connection(conn))

    def get_raw(self, raw) -> SiteInfo:
        """The same on a sqlite3 connection inside a transaction (the Recorder's hot path)."""
        row = raw.execute(_SITE_VERSION).fetchone()
        version = row[0] if row else None
        if self.site is None or version != self.version:
            self.site = load_site_raw(raw)
            self.version = version
        return self.site


def load_site(conn: Connection) -> SiteInfo:
    return load_site_raw(raw_connection(conn))


def load_site_raw(raw) -> SiteInfo:
    row = raw.execute(_SITE).fetchone()
    if row is None:
        raise NotConfigured("this station has no site data yet: run `plateau sync --once`")
    code, name, tz, settings = row
    settings = settings if isinstance(settings, dict) else json.loads(settings or "{}")
    services = tuple(ServiceInfo(c, label, parse_hhmm(start), parse_hhmm(end), parse_weekdays(days))
                     for c, label, start, end, days in raw.execute(_SERVICES))
    prices = {category: cents for category, cents in raw.execute(_TARIFFS)}
    return SiteInfo(code, name, tz, policy_from_settings(settings), services, prices)


def snapshot_for_card_raw(raw, site: SiteInfo, uid: str, at: datetime, balance_of: BalanceOf) -> Snapshot:
    """What the rules need for a badge read, on a sqlite3 connection inside a transaction.
    `balance_of(raw, person_id)` reads the balance shown (the unit of work owns the outbox)."""
    row = raw.execute(_CARD, (uid,)).fetchone()
    if row is None and len(uid) in (6, 8):
        row = _card_by_em4100_tail(raw, uid)
    if row is None:
        return Snapshot(site=site)
    card = CardInfo(row[0], row[1], row[2])
    if row[3] is None:  # a card whose person the replica does not hold
        return Snapshot(site=site, card=card)
    return _complete(raw, site, _person(row, 3), at, card, balance_of)


def _card_by_em4100_tail(raw, uid: str):
    """A 125 kHz tag enrolled with its 5 bytes, read by a partial reader (10-digit decimal: low 4
    bytes; Wiegand-26: low 3 bytes). The high bytes are lost, so match the tail — only when exactly
    one enrolled EM4100 card has it, and only after the exact lookup missed (a few thousand short
    rows: well under a millisecond, paid only by reads the exact index did not find)."""
    rows = raw.execute(_CARD_TAIL, (len(uid), uid)).fetchmany(2)
    return rows[0] if len(rows) == 1 else None


def snapshot_for_person_raw(raw, site: SiteInfo, person_id: int, at: datetime, balance_of: BalanceOf) -> Snapshot:
    row = raw.execute(_PERSON, (person_id,)).fetchone()
    if row is None:
        return Snapshot(site=site)
    return _complete(raw, site, _person(row), at, None, balance_of)


def _complete(raw, site: SiteInfo, person: PersonInfo, at: datetime, card, balance_of: BalanceOf) -> Snapshot:
    local = local_time(at, site.timezone)
    day = local.date().isoformat()
    service = open_service(site.services, local)
    closures = tuple((_day(first), _day(last), label) for first, last, label in raw.execute(_CLOSURES, (day,)))
    oppositions = tuple(
        OppositionInfo(datetime.fromisoformat(start), datetime.fromisoformat(end), motive, source)
        for start, end, motive, source in raw.execute(_OPPOSITIONS, (person.id, utc_text(at))))
    served: tuple[ServedInfo, ...] = ()
    has_reservation = False
    if service is not None:
        served = tuple(ServedInfo(pid, datetime.fromisoformat(when), station)
                       for pid, when, station in raw.execute(_SERVED, (person.id, day, service.code)))
        has_reservation = raw.execute(_RESERVATION, (person.id, day, service.code)).fetchone() is not None
    return Snapshot(site=site, card=card, person=person, closures=closures, oppositions=oppositions,
                    served=served, has_reservation=has_reservation, balance_cents=balance_of(raw, person.id))
