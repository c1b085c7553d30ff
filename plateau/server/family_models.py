"""The Espace Famille's tables: guardians and their links to pupils, family accounts, their
one-time codes and API tokens, the log of booking changes, the sites' payment providers and the
online top-ups. Server-only, never replicated to stations (no change-feed item is emitted for
them). Tables of the same metadata as `plateau.server.models` (the migrations' env and the schema
test import this module, as they do `office_models` and `message_models`). Instants are
`UTCDateTime`, days `ISODate`, like everywhere on the server.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from plateau.db.types import ISODate, UTCDateTime
from plateau.server.models import Base


class Guardian(Base):
    """A pupil's guardian (responsable) at one site, as the guardians import names them
    (`external_id`: SIÈCLE's PERSONNE_ID). Their sign-in is the `FamilyAccount` of the same
    e-mail. `active` False: absent from the latest import, so no access (links are kept)."""

    __tablename__ = "guardian"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254), index=True)  # lower-cased
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("site_id", "external_id", name="uq_guardian_site_external"),)


class GuardianLink(Base):
    """A guardian may see a pupil (`legal`: legal guardian) and pay for them (`financial`)."""

    __tablename__ = "guardian_link"
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)
    legal: Mapped[bool] = mapped_column(Boolean, default=True)
    financial: Mapped[bool] = mapped_column(Boolean, default=True)


class FamilyAccount(Base):
    """A family's sign-in, by e-mail (lower-cased): argon2 password hash, None until activated."""

    __tablename__ = "family_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FamilyCode(Base):
    """A one-time code (activation or password reset), stored only as a SHA-256 hash. A code of
    an activation letter names a guardian without e-mail (`guardian_id`) instead of an account:
    the family gives the e-mail it will sign in with when it activates."""

    __tablename__ = "family_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("family_account.id"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # activation | reset
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FamilyToken(Base):
    """A family's bearer token (sign-in through the family API): hashed, expiring, revocable."""

    __tablename__ = "family_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("family_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ReservationChange(Base):
    """Who booked or cancelled which meal and when ("inscrit par le web le ..."), never updated.
    `actor_kind`: family | office; `actor`: the family's e-mail or the office's label."""

    __tablename__ = "reservation_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    date: Mapped[date] = mapped_column(ISODate)
    service: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(8))  # book | cancel
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_reservation_change_person", "person_id", "at"),)


class PaymentProvider(Base):
    """A site's online payment provider: an eopayment backend and its options. Apart from the
    site settings on purpose: settings travel to every station, these options hold secrets."""

    __tablename__ = "payment_provider"
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    backend: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict] = mapped_column(JSON, default=dict)


class TopUp(Base):
    """An online top-up: asked by a family, credited once when the provider's verified answer
    says paid (ledger cause ``online:<reference>``). status: pending | paid | refused."""

    __tablename__ = "top_up"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("family_account.id"))
    reference: Mapped[str] = mapped_column(String(100), unique=True)  # the provider's transaction id
    backend: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # providers that take a POSTed form (Payzen/SystemPay): {"url", "fields"}, served at payment_url
    payment_form: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
