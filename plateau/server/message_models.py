"""Messages from the school to families: the message, whom it is for, and who has read it.

Tables of the same metadata as `plateau.server.models` (the migrations' env and the schema test
import this module, as they do `office_models`), never replicated to stations: no change-feed
item is emitted for them. A message belongs to one site and is addressed to every family of the
site (`audience` "site"), to the families of some classes ("classes", `SchoolMessageClass`) or
of some pupils ("pupils", `SchoolMessagePupil`). Families see it from `publish_on` to `ends_on`
(local dates of the site, inclusive) unless the office withdrew it. Read state is per guardian
(`SchoolMessageRead`): a family account reading a message marks it for its guardian rows of
that site. Instants are `UTCDateTime`, days `ISODate`, like everywhere on the server.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from plateau.db.types import ISODate, UTCDateTime
from plateau.server.models import Base


class SchoolMessage(Base):
    """A message written in the office. `body` is plain text (shown escaped, line breaks kept).
    `author_id` is the office user who wrote it (None: written by `plateau` itself, e.g. the demo);
    `author_name` keeps the name families see even if the user is later renamed or disabled."""

    __tablename__ = "school_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(8))        # site | classes | pupils
    publish_on: Mapped[date] = mapped_column(ISODate)
    ends_on: Mapped[date | None] = mapped_column(ISODate)   # last day shown; None: no end
    author_id: Mapped[int | None] = mapped_column(ForeignKey("office_user.id"))
    author_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # when its turn to be e-mailed came (its first day; sent if the server had SMTP then): once
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_school_message_site", "site_id", "publish_on"),)


class SchoolMessageClass(Base):
    """A class a message of audience "classes" is for (the pupils' `class_name`)."""

    __tablename__ = "school_message_class"
    message_id: Mapped[int] = mapped_column(ForeignKey("school_message.id"), primary_key=True)
    class_name: Mapped[str] = mapped_column(String(40), primary_key=True)


class SchoolMessagePupil(Base):
    """A pupil a message of audience "pupils" is for (their guardians receive it)."""

    __tablename__ = "school_message_pupil"
    message_id: Mapped[int] = mapped_column(ForeignKey("school_message.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)


class SchoolMessageRead(Base):
    """A guardian has read a message (first opened at `read_at`)."""

    __tablename__ = "school_message_read"
    message_id: Mapped[int] = mapped_column(ForeignKey("school_message.id"), primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
