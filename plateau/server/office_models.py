"""The web's own tables: office users and their sites, web sessions, the audit log, import runs.

They live on the same metadata as `plateau.server.models` (the migrations' env imports this module
too) but are never replicated to stations: no change-feed item is ever emitted for them.
Instants are `UTCDateTime` like everywhere on the server.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from plateau.db.types import UTCDateTime
from plateau.server.models import Base


class OfficeUser(Base):
    """A person of the school's office (`plateau admin user add`): one role, one or more sites.
    `password_hash` is an argon2id hash; a disabled user can no longer sign in and loses its sessions."""

    __tablename__ = "office_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # admin | gestionnaire | vie_scolaire | cuisine
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OfficeUserSite(Base):
    """Which sites an office user may see (a Département-level admin may hold many)."""

    __tablename__ = "office_user_site"
    user_id: Mapped[int] = mapped_column(ForeignKey("office_user.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256.
    `realm` says which web it belongs to (`office`, later `famille`); `csrf` is the token every
    state-changing form of this session must carry; `site_code` is the site being looked at."""

    __tablename__ = "web_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    realm: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    csrf: Mapped[str] = mapped_column(String(64))
    site_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)   # absolute end (a working day)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)  # idle expiry counts from here

    __table_args__ = (Index("ix_web_session_subject", "realm", "subject_id"),)


class AuditEntry(Base):
    """One change made in the office or by `plateau admin`: who, when, what, before and after.
    Never updated nor deleted."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(300))      # "office:EMAIL" or "cli"
    site_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64))      # e.g. payment.record, opposition.add
    target: Mapped[str] = mapped_column(String(120), default="")  # e.g. person:12
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class ImportRun(Base):
    """An import made from the office: previewed (the file kept until applied), then applied or
    refused, with its report. The history page lists these."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    actor: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255), default="")
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16))        # previewed | applied | refused
    report: Mapped[dict | None] = mapped_column(JSON)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # the file, kept between preview and apply
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class SignInThrottle(Base):
    """Failed sign-ins of one key (an account or a client address, of the office or the Espace
    Famille), shared by every server process (`plateau.server.throttle`). `failures` counts those
    of the window begun at `window_start`; `locks` how many times the key was locked (each lock
    lasts longer, up to a ceiling). Rows of keys quiet for long are deleted."""

    __tablename__ = "sign_in_throttle"
    key: Mapped[str] = mapped_column(String(320), primary_key=True)   # e.g. office:account:EMAIL
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locks: Mapped[int] = mapped_column(Integer, default=0)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
