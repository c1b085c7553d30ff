"""The thin query layer between the replica and the rules: exactly the rows one read needs.

Every lookup is by primary key or index (card uid, person id + day + service, ...): the
cost of a decision does not grow with the number of persons or passages. Site data
(services, tariffs, policies) is cached and reloaded when the sync daemon bumps
``sync_state.site_version``.
"""

from __future__ import annotations

import json
import logging
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

log = logging.getLogger(__name__)

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
# the UIDs of every card one 125 kHz read fits, in one statement of primary-key and index probes
# (migration 0008's partial indexes: the same expressions, word for word, or SQLite ignores them)
_FITS_10 = "SELECT uid FROM card WHERE uid IN (?, ?)"
_FITS_8 = ("SELECT uid FROM card WHERE uid IN (?, ?) UNION ALL "
           "SELECT uid FROM card WHERE length(uid) = 10 AND substr(uid, -8) = ? LIMIT 3")
_FITS_6 = ("SELECT uid FROM card WHERE uid = ? UNION ALL "
           "SELECT uid FROM card WHERE length(uid) IN (8, 10) AND substr(uid, -6) = ? LIMIT 2")
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
    return SiteInfo(code, name, tz, policy_from_settings(settings, unknown_keys_ok=True), services, prices)


def snapshot_for_card_raw(raw, site: SiteInfo, uid: str, at: datetime, balance_of: BalanceOf) -> Snapshot:
    """What the rules need for a badge read, on a sqlite3 connection inside a transaction.
    `balance_of(raw, person_id)` reads the balance shown (the unit of work owns the outbox)."""
    row = _card_row(raw, uid)
    if row is None:
        return Snapshot(site=site)
    card = CardInfo(row[0], row[1], row[2])
    if row[3] is None:  # a card whose person the replica does not hold
        return Snapshot(site=site, card=card)
    return _complete(raw, site, _person(row, 3), at, card, balance_of)


def _card_row(raw, uid: str):
    """The card a read names, or None when no enrolled card (or more than one) fits it.

    A 125 kHz EM4100 tag has 5 bytes; partial readers report the low 4 (10 decimal digits, also
    the number suppliers print on the card) or the low 3 (Wiegand-26), and a card may have been
    enrolled in any of these spellings. So a 10-, 8- or 6-hex read fits every enrolled card
    that is the same tag seen through another reader: one whose UID ends with the read, or
    whose UID the read ends with. Only a full 5-byte UID found as such is certain; otherwise the
    card is the one fitting card, and two fitting cards are refused as unknown rather than
    guessed (two tags sharing their low bytes: either could be the one presented). Each probe is
    a primary-key or index lookup (migration 0008); 7-byte MIFARE UIDs take the exact one only.
    """
    row = raw.execute(_CARD, (uid,)).fetchone()
    n = len(uid)
    if n not in (6, 8, 10) or (row is not None and n == 10):
        return row
    if n == 10:    # enrolled with fewer bytes: its printed number (low 4) or Wiegand pair (low 3)
        fitting = {u for (u,) in raw.execute(_FITS_10, (uid[-8:], uid[-6:]))}
    elif n == 8:   # this reader's own spelling, a Wiegand enrolment, or a full tag ending so
        fitting = {u for (u,) in raw.execute(_FITS_8, (uid, uid[-6:], uid))}
    else:
        fitting = {u for (u,) in raw.execute(_FITS_6, (uid, uid))}
    if len(fitting) > 1:
        log.warning("badge %s fits %d enrolled cards (%s): refused as unknown, not guessed", uid, len(fitting),
                    ", ".join(sorted(fitting)))
        return None
    if not fitting:
        return None
    (found,) = fitting
    return row if row is not None and row[0] == found else raw.execute(_CARD, (found,)).fetchone()


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
