"""The central server's tables (SQLAlchemy 2.x typed models), multi-site from day one.

Every replicated row belongs to one site (`site_id`); the station-facing names and fields of
those rows are the wire kinds of `plateau.sync.protocol`. Writes to replicated data go through
`plateau.server.feed` / `plateau.server.store` (never straight to these tables), so that each
change appends its change-feed item (`Change`) in the same transaction.

Money: balances derive from the `LedgerEntry` rows; `Balance` is the running total kept in the
same transaction as each entry, with a per-person monotonic `version` the stations compare.

Instants are `UTCDateTime` (aware, ISO text in UTC) and local dates `ISODate` (text), so they
read back identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plateau.db.types import ISODate, UTCDateTime


class Base(DeclarativeBase):
    pass


class Site(Base):
    """A school (établissement), known by its UAI code. `settings` is the flat policy map
    of `plateau.domain.policy` ({key: text}). `feed_seq` is the last change-feed seq handed out
    for the site: bumping it locks the row, which orders the site's feed by commit order."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # UAI, e.g. 0691234X
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    zone: Mapped[str | None] = mapped_column(String(64))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    feed_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Station(Base):
    """A kiosk of a site. Its bearer token is stored only as a SHA-256 hash."""

    __tablename__ = "station"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    station_id: Mapped[str] = mapped_column(String(64))  # e.g. self-1, unique within the site
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # what the station said of itself on its last requests (`plateau.server.station_telemetry`),
    # written at most every few seconds: for the office's Today page
    contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   # the server's clock, on receipt
    version: Mapped[str | None] = mapped_column(String(40))
    reader_state: Mapped[str | None] = mapped_column(String(16))
    reader_detail: Mapped[str | None] = mapped_column(String(80))
    waiting: Mapped[int | None] = mapped_column(Integer)
    parked: Mapped[int | None] = mapped_column(Integer)
    clock_skew_seconds: Mapped[int | None] = mapped_column(Integer)   # station clock - server clock

    __table_args__ = (UniqueConstraint("site_id", "station_id"),)

    @property
    def last_contact(self) -> datetime | None:
        """When the server last heard from the station: a push (`last_seen_at`) or any sync
        request (`contact_at`, written every few seconds at most)."""
        return max((t for t in (self.last_seen_at, self.contact_at) if t is not None), default=None)


class ApiToken(Base):
    """An administration token (office, family portal, imports). Stored only as a hash."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Person(Base):
    """A pupil or a commensal of one site. `id` is the server's id (the stations' person id);
    `external_id` is what imports name it by (SIÈCLE ELEVE_ID), `ine` the national id.
    `plan` is ticket | forfait | reservation | none; `status` active | archived."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    ine: Mapped[str | None] = mapped_column(String(16))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    class_name: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40), default="eleve")
    regime: Mapped[str | None] = mapped_column(String(8))
    plan: Mapped[str] = mapped_column(String(16), default="ticket")
    forfait_days: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="active")
    arrival_date: Mapped[date | None] = mapped_column(ISODate)
    leaving_date: Mapped[date | None] = mapped_column(ISODate)  # last day present
    photo: Mapped[str | None] = mapped_column(String(200))
    no_class: Mapped[bool] = mapped_column(Boolean, default=False)  # SIÈCLE pupil without a class yet
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("site_id", "external_id", name="uq_person_site_external"),
        Index("ix_person_site_ine", "site_id", "ine"),
    )


class Card(Base):
    """A badge: canonical hex UID (`plateau.domain.uid`). One row per UID and site, so a UID
    names at most one person at a site; a re-issued card moves the row to its new holder."""

    __tablename__ = "card"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    uid: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | lost | blocked

    __table_args__ = (UniqueConstraint("site_id", "uid", name="uq_card_site_uid"),)


class Service(Base):
    """A meal sitting with local hours and weekdays (wire kind `service`)."""

    __tablename__ = "service"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100))
    start: Mapped[str] = mapped_column(String(5))  # HH:MM local
    end: Mapped[str] = mapped_column(String(5))
    weekdays: Mapped[str] = mapped_column(String(40), default="mon,tue,wed,thu,fri")

    __table_args__ = (UniqueConstraint("site_id", "code"),)


class Tariff(Base):
    __tablename__ = "tariff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    category: Mapped[str] = mapped_column(String(40))
    price_cents: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("site_id", "category"),)


class Reservation(Base):
    """A booked meal. `booking` is a fresh UUID per booking: the ledger entries of a prepaid
    booking and of its cancellation name it, so book-cancel-book debits twice and credits once."""

    __tablename__ = "reservation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    date: Mapped[date] = mapped_column(ISODate)
    service: Mapped[str] = mapped_column(String(32))
    booking: Mapped[str] = mapped_column(String(36))
    prepaid_cents: Mapped[int] = mapped_column(Integer, default=0)  # debited at booking
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("person_id", "date", "service", name="uq_reservation"),
        # the day's bookings by service (headcounts), and a snapshot's pages in its order (snapshot.py)
        Index("ix_reservation_site_day_person", "site_id", "date", "service", "person_id"),
    )


class Opposition(Base):
    """A block on a person from `starts_at` (inclusive) to `ends_at` (exclusive), UTC instants.
    `id` is global text: generated (UUID) or given by an import (prefix it with the site code)."""

    __tablename__ = "opposition"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    motive: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(32), default="manual")  # absence | unpaid | discipline | manual


class Closure(Base):
    """Closed local days, `first_day`..`last_day` inclusive (calendar import or local closure).
    `id` is global text like Opposition's."""

    __tablename__ = "closure"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    first_day: Mapped[date] = mapped_column(ISODate)
    last_day: Mapped[date] = mapped_column(ISODate)
    label: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(32), default="local")  # calendar | local


class Staff(Base):
    """A canteen agent or manager who can act at the station with a PIN (scrypt hash)."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # staff | manager | admin
    pin_hash: Mapped[str] = mapped_column(String(200))
    badge_uid: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Menu(Base):
    __tablename__ = "menu"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    date: Mapped[date] = mapped_column(ISODate)
    service: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("site_id", "date", "service"),)


LEDGER_KINDS = ("payment", "passage", "reservation", "cancel", "refund", "adjustment")


class LedgerEntry(Base):
    """One movement of a person's money: `amount_cents` > 0 credits, < 0 debits.

    `cause` names what made it (payment reference, passage id, reservation booking id, ...);
    (site, kind, cause) is unique, so replaying a payment file or a passage batch moves money
    once. Entries are never updated nor deleted: a mistake is corrected by a new entry."""

    __tablename__ = "ledger_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # one of LEDGER_KINDS
    cause: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)  # the person's ledger version after this entry

    __table_args__ = (UniqueConstraint("site_id", "kind", "cause", name="uq_ledger_cause"),)


class Balance(Base):
    """The running sum of a person's ledger, kept in the same transaction as each entry.
    `version` counts the person's entries: stations apply only a newer version."""

    __tablename__ = "balance"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Passage(Base):
    """A passage pushed by a station: every field of `protocol.PASSAGE_FIELDS`, stored once
    (the UUID made on the station is the primary key), never updated nor deleted."""

    __tablename__ = "passage"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    station: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(ISODate)
    service: Mapped[str | None] = mapped_column(String(32))
    card_uid: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(Integer)  # no FK: a passage is kept even if odd
    kind: Mapped[str] = mapped_column(String(16))  # badge | forgotten | override | cancel
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    balance_after_cents: Mapped[int | None] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    motive: Mapped[str | None] = mapped_column(String(200))
    ref: Mapped[str | None] = mapped_column(String(36))
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    medium: Mapped[str] = mapped_column(String(8), default="card", server_default="card")  # card | phone

    __table_args__ = (
        Index("ix_server_passage_site_day", "site_id", "local_date", "service"),
        Index("ix_server_passage_person", "person_id", "local_date"),
    )


class CardEvent(Base):
    """A card blocked at a station (staff declared it lost), pushed by its sync daemon: stored
    once (the station's UUID is the key, so a replay is a duplicate), never updated. The card's
    own status is changed through the store in the same transaction (`card_events.py`)."""

    __tablename__ = "card_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    uid: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_card_event_site_uid", "site_id", "uid"),)


class Change(Base):
    """One item of a site's change feed: `seq` is dense and monotonic per site, in commit order.
    `data` is the wire `data` of the kind (None for a delete)."""

    __tablename__ = "change"
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    op: Mapped[str] = mapped_column(String(8))  # upsert | delete
    key: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    # compaction finds the superseded items of a key (feed.compact)
    __table_args__ = (Index("ix_change_key", "site_id", "kind", "key", "seq"),)


class TariffHistory(Base):
    """What each category's tariff was, and when: a row per price, from `valid_from` until
    `valid_until` (None: the current price). The server checks a pushed passage's price
    against it, so that a station still holding yesterday's tariff (offline) is not refused."""

    __tablename__ = "tariff_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    category: Mapped[str] = mapped_column(String(40))
    price_cents: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_tariff_history_site_category", "site_id", "category"),)


class RejectedItem(Base):
    """An item a station pushed that the server refused (a passage or a card event), kept with
    its raw text and the reason code so that the office can see what a station tried to do.
    A refused item changes nothing else: no passage, no ledger entry, no feed item."""

    __tablename__ = "rejected_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    station: Mapped[str] = mapped_column(String(64))
    item_kind: Mapped[str] = mapped_column(String(16))  # passage | card_event
    item_id: Mapped[str] = mapped_column(String(64), default="")
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    raw: Mapped[str] = mapped_column(Text)  # the item as sent (JSON), cut at RAW_MAX characters
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_rejected_item_site_received", "site_id", "received_at"),)


class PhoneBadge(Base):
    """A pupil's phone badge (plateau.domain.phone_badge): the one-time-code secret, replicated
    to the site's stations (change kind `phone_badge`). No row: the phone badge is off."""

    __tablename__ = "phone_badge"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    secret: Mapped[str] = mapped_column(String(64))          # base32
    digits: Mapped[int] = mapped_column(Integer, default=6)
    period: Mapped[int] = mapped_column(Integer, default=30)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(254))      # the family's e-mail, or "office:<login>"
