"""The station replica's tables (SQLAlchemy 2.x typed models).

Reference tables (site .. menu) are copies of the server's data for the station's site,
written only by the sync daemon from the change feed (`plateau.sync.protocol` names their
columns on the wire). `passage` is the durable log: rows are inserted, never updated or
deleted. `outbox` lists the local passages the server has not acknowledged yet.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plateau.db.types import ISODate, UTCDateTime


class Base(DeclarativeBase):
    pass


class Site(Base):
    """The station's school (one row). `settings` is the flat policy mapping (domain.policy)."""

    __tablename__ = "site"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)  # UAI
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    zone: Mapped[str | None] = mapped_column(String(64))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class Service(Base):
    __tablename__ = "service"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    start: Mapped[str] = mapped_column(String(5))  # HH:MM local
    end: Mapped[str] = mapped_column(String(5))
    weekdays: Mapped[str] = mapped_column(String(40), default="mon,tue,wed,thu,fri")


class Tariff(Base):
    __tablename__ = "tariff"
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    price_cents: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(100))


class Person(Base):
    """A pupil or a commensal. `plan` is ticket | forfait | reservation | none."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the server's id
    external_id: Mapped[str | None] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    class_name: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40), default="eleve")
    regime: Mapped[str | None] = mapped_column(String(8))
    plan: Mapped[str] = mapped_column(String(16), default="ticket")
    forfait_days: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | archived
    arrival_date: Mapped[date | None] = mapped_column(ISODate)
    leaving_date: Mapped[date | None] = mapped_column(ISODate)  # last day present
    photo: Mapped[str | None] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(220), default="", index=True)  # for forgotten badges


class Card(Base):
    __tablename__ = "card"
    uid: Mapped[str] = mapped_column(String(32), primary_key=True)  # canonical hex (domain.uid)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | lost | blocked


class Reservation(Base):
    __tablename__ = "reservation"
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[date] = mapped_column(ISODate, primary_key=True)
    service: Mapped[str] = mapped_column(String(32), primary_key=True)


class Balance(Base):
    """The server's balance of a person, with the server's ledger version it reflects.

    The balance shown is `server_cents` plus the prices of this station's passages still
    in the outbox (not acknowledged): see `unit_of_work.effective_balance`.
    """

    __tablename__ = "balance"
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_cents: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Opposition(Base):
    """A block from `starts_at` (inclusive) to `ends_at` (exclusive), both UTC instants."""

    __tablename__ = "opposition"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    motive: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(32), default="manual")  # absence | unpaid | discipline | manual


class Closure(Base):
    """Local closed days from `first_day` to `last_day`, both inclusive (holidays, local closures)."""

    __tablename__ = "closure"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_day: Mapped[date] = mapped_column(ISODate, index=True)
    last_day: Mapped[date] = mapped_column(ISODate, index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(32), default="local")


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # staff | manager | admin
    pin_hash: Mapped[str] = mapped_column(String(200))
    badge_uid: Mapped[str | None] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Menu(Base):
    __tablename__ = "menu"
    date: Mapped[date] = mapped_column(ISODate, primary_key=True)
    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")


class Passage(Base):
    """One badge event, accepted or refused, from this station or (via sync) another one.

    Inserted once, never updated nor deleted. Overrides and cancellations are new rows
    whose `ref` names the passage they act on.
    """

    __tablename__ = "passage"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made on the station
    station: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(ISODate)
    service: Mapped[str | None] = mapped_column(String(32))
    card_uid: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="badge")  # badge|forgotten|override|cancel
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    balance_after_cents: Mapped[int | None] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    motive: Mapped[str | None] = mapped_column(String(200))
    ref: Mapped[str | None] = mapped_column(String(36))
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    origin: Mapped[str] = mapped_column(String(8), default="local")  # local | remote (from sync)
    medium: Mapped[str] = mapped_column(String(8), default="card", server_default="card")  # card | phone

    __table_args__ = (
        # one index for "served today?" (all three columns) and the day's reports (the prefix)
        Index("ix_passage_day_person", "local_date", "service", "person_id"),
        # partial: most passages have no ref, and a badge should not write an index page for it
        Index("ix_passage_ref", "ref", sqlite_where=text("ref IS NOT NULL")),
    )


class PhoneBadge(Base):
    """A pupil's phone-badge secret (sync daemon, kind `phone_badge`) and the time step of the
    last code accepted (the badge's unit of work, with its passage: migration 0009)."""

    __tablename__ = "phone_badge"
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    digits: Mapped[int] = mapped_column(Integer, default=6)
    period: Mapped[int] = mapped_column(Integer, default=30)
    last_step: Mapped[int | None] = mapped_column(Integer)


class Outbox(Base):
    """Local passages not yet acknowledged by the server. `parked` = rejected, needs a person."""

    __tablename__ = "outbox"
    passage_id: Mapped[str] = mapped_column(String(36), ForeignKey("passage.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # send order, oldest first
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parked: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)


class SyncState(Base):
    """Key/value state of the sync daemon (cursor, last success, clock skew, ...)."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CardEvent(Base):
    """A card status change made at the station (staff declared it lost), waiting to be pushed.

    The replica's `card.status` is changed in the same transaction, so the card is refused at
    once; `sent` turns true when the server has acknowledged the event (migration 0002).
    """

    __tablename__ = "card_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made on the station
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # send order
    uid: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # lost
    at: Mapped[str] = mapped_column(String(40))  # ISO instant, UTC
    station: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    sent: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
