"""Messages from the school: the one set of rules for writing them (the office's pages and any
API call `check` and `save`), whom they reach, and what a family has read.

Writing: `check(session, site, draft)` refuses a message that cannot be sent (`MessageError`, whose text is
an English sentence the pages translate) before anything is written; `save` writes a new message
or edits one, `withdraw` takes one back; each joins the caller's unit of work with its audit line.

Reading: `for_family(session, email, now)` is every message that applies to the family's
children, published (its first day has come at the site) and not expired nor withdrawn, newest
first, with whether the family has read it. A message reaches a family through an ACTIVE
guardian row of the message's site with the family's e-mail, linked to a pupil the message is
for: the whole site, the pupil's class, or the pupil named. A family whose guardian lost access
(absent from the latest guardians import) sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plateau.server import audit
from plateau.server import family_models as fm
from plateau.server import models as m
from plateau.server.family import accounts
from plateau.server.message_models import SchoolMessage, SchoolMessageClass, SchoolMessagePupil, SchoolMessageRead
from plateau.server.store_checks import NotFound, StoreError

AUDIENCES = ("site", "classes", "pupils")
MAX_TITLE = 200
MAX_BODY = 5000


class MessageError(StoreError):
    """A message that cannot be written: `str(exc)` is an English sentence (the key the pages
    translate), `kw` the values it names."""

    def __init__(self, text: str, **kw):
        super().__init__(text.format(**kw) if kw else text)
        self.text, self.kw = text, kw


class NoSuchMessage(NotFound):
    """No message of that id at the site (or for that family): the same answer either way (404)."""


@dataclass
class Draft:
    """A message as typed: by the office's form or an API body."""

    title: str
    body: str
    publish_on: date | None
    ends_on: date | None = None
    audience: str = "site"
    classes: list[str] = field(default_factory=list)
    pupils: list[int] = field(default_factory=list)


def check(session: Session, site: m.Site, draft: Draft) -> Draft:
    """The draft, cleaned (titles trimmed, Windows line breaks made plain), or MessageError."""
    title = " ".join((draft.title or "").split())
    body = (draft.body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not title:
        raise MessageError("Give the message a title.")
    if len(title) > MAX_TITLE:
        raise MessageError("The title is too long ({n} characters, at most {max}).", n=len(title), max=MAX_TITLE)
    if not body:
        raise MessageError("The message is empty: write its text.")
    if len(body) > MAX_BODY:
        raise MessageError("The text is too long ({n} characters, at most {max}).", n=len(body), max=MAX_BODY)
    if "\x00" in title + body:
        raise MessageError("The text contains a character that cannot be stored.")
    if draft.publish_on is None:
        raise MessageError("Give the first day the message is shown.")
    if draft.ends_on is not None and draft.ends_on < draft.publish_on:
        raise MessageError("The last day is before the first day.")
    if draft.audience not in AUDIENCES:
        raise MessageError("Choose whom the message is for.")
    classes: list[str] = []
    pupils: list[int] = []
    if draft.audience == "classes":
        known = set(class_names(session, site.id))
        classes = sorted({c.strip() for c in draft.classes if c and c.strip()})
        if not classes:
            raise MessageError("Choose at least one class.")
        unknown = [c for c in classes if c not in known]
        if unknown:
            raise MessageError("No pupil of this school is in class {names}.", names=", ".join(unknown[:5]))
    elif draft.audience == "pupils":
        pupils = sorted(set(draft.pupils))
        if not pupils:
            raise MessageError("Choose at least one pupil.")
        found = set(session.execute(select(m.Person.id).where(m.Person.site_id == site.id,
                                                              m.Person.id.in_(pupils))).scalars())
        if found != set(pupils):
            raise MessageError("A pupil chosen is not of this school.")
    return Draft(title, body, draft.publish_on, draft.ends_on, draft.audience, classes, pupils)


def class_names(session: Session, site_id: int) -> list[str]:
    """The classes of the site's active pupils (what a message may be addressed to)."""
    return sorted(c for (c,) in session.execute(
        select(m.Person.class_name).where(m.Person.site_id == site_id, m.Person.status == "active",
                                          m.Person.class_name.is_not(None)).distinct()) if c)


def _snapshot(msg: SchoolMessage, classes: list[str], pupils: list[int]) -> dict:
    return {"title": msg.title, "body": msg.body, "audience": msg.audience, "classes": classes, "pupils": pupils,
            "publish_on": msg.publish_on.isoformat(),
            "ends_on": msg.ends_on.isoformat() if msg.ends_on else None}


def targets(session: Session, message_id: int) -> tuple[list[str], list[int]]:
    classes = sorted(session.execute(select(SchoolMessageClass.class_name).where(
        SchoolMessageClass.message_id == message_id)).scalars())
    pupils = sorted(session.execute(select(SchoolMessagePupil.person_id).where(
        SchoolMessagePupil.message_id == message_id)).scalars())
    return classes, pupils


def save(session: Session, site: m.Site, draft: Draft, *, actor: str, author_id: int | None, author_name: str,
         now: datetime, message_id: int | None = None) -> SchoolMessage:
    """Write a new message (`message_id` None) or edit one of the site's; checked first, audited.
    An edit keeps who wrote it and what families have read."""
    clean = check(session, site, draft)
    if message_id is None:
        msg, before = SchoolMessage(site_id=site.id, author_id=author_id, author_name=author_name[:100],
                                    created_at=now), None
        session.add(msg)
    else:
        msg = get(session, site.id, message_id)
        if msg.withdrawn_at is not None:
            raise MessageError("This message was withdrawn: write a new one.")
        before = _snapshot(msg, *targets(session, msg.id))
        session.execute(delete(SchoolMessageClass).where(SchoolMessageClass.message_id == msg.id))
        session.execute(delete(SchoolMessagePupil).where(SchoolMessagePupil.message_id == msg.id))
    msg.title, msg.body, msg.audience = clean.title, clean.body, clean.audience
    msg.publish_on, msg.ends_on, msg.updated_at = clean.publish_on, clean.ends_on, now
    session.flush()
    session.add_all([SchoolMessageClass(message_id=msg.id, class_name=c) for c in clean.classes])
    session.add_all([SchoolMessagePupil(message_id=msg.id, person_id=p) for p in clean.pupils])
    audit.record(session, actor, "message.write" if before is None else "message.edit", site_id=site.id,
                 target=f"message:{msg.id}", before=before, after=_snapshot(msg, clean.classes, clean.pupils))
    session.flush()
    return msg


def withdraw(session: Session, site: m.Site, message_id: int, *, actor: str, now: datetime) -> SchoolMessage:
    """Take a message back: families no longer see it (it stays in the office's list)."""
    msg = get(session, site.id, message_id)
    if msg.withdrawn_at is None:
        msg.withdrawn_at = msg.updated_at = now
        audit.record(session, actor, "message.withdraw", site_id=site.id, target=f"message:{msg.id}",
                     before={"title": msg.title}, after=None)
    return msg


def get(session: Session, site_id: int, message_id: int) -> SchoolMessage:
    msg = session.get(SchoolMessage, message_id)
    if msg is None or msg.site_id != site_id:
        raise NoSuchMessage("no such message")
    return msg


def of_site(session: Session, site_id: int, limit: int = 200) -> list[SchoolMessage]:
    """The office's list: every message of the site, newest first (withdrawn ones too)."""
    return list(session.execute(select(SchoolMessage).where(SchoolMessage.site_id == site_id)
                                .order_by(SchoolMessage.publish_on.desc(), SchoolMessage.id.desc())
                                .limit(limit)).scalars())


def state(msg: SchoolMessage, today: date) -> str:
    """scheduled | published | expired | withdrawn (the office's word for where a message is)."""
    if msg.withdrawn_at is not None:
        return "withdrawn"
    if msg.publish_on > today:
        return "scheduled"
    if msg.ends_on is not None and msg.ends_on < today:
        return "expired"
    return "published"


# --- what families see -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FamilyMessage:
    """A message as one family sees it: which of its children it concerns, and whether it is read."""

    message: SchoolMessage
    site_code: str
    children: tuple[int, ...]
    read: bool


def for_family(session: Session, email: str, now: datetime) -> list[FamilyMessage]:
    """Every message shown to this family now, newest first (see the module's docstring)."""
    kids = accounts.children(session, email)  # active guardians only, of the pupils' own sites
    by_site: dict[int, list[accounts.Child]] = {}
    for kid in kids:
        by_site.setdefault(kid.site.id, []).append(kid)
    out: list[FamilyMessage] = []
    for site_id, site_kids in by_site.items():
        site = site_kids[0].site
        today = now.astimezone(ZoneInfo(site.timezone)).date()
        rows = list(session.execute(select(SchoolMessage).where(
            SchoolMessage.site_id == site_id, SchoolMessage.withdrawn_at.is_(None),
            SchoolMessage.publish_on <= today,
            (SchoolMessage.ends_on.is_(None)) | (SchoolMessage.ends_on >= today))).scalars())
        if not rows:
            continue
        ids = [r.id for r in rows]
        classes: dict[int, set[str]] = {}
        for mid, name in session.execute(select(SchoolMessageClass.message_id, SchoolMessageClass.class_name)
                                         .where(SchoolMessageClass.message_id.in_(ids))):
            classes.setdefault(mid, set()).add(name)
        pupils: dict[int, set[int]] = {}
        for mid, pid in session.execute(select(SchoolMessagePupil.message_id, SchoolMessagePupil.person_id)
                                        .where(SchoolMessagePupil.message_id.in_(ids))):
            pupils.setdefault(mid, set()).add(pid)
        read = set(session.execute(select(SchoolMessageRead.message_id).where(
            SchoolMessageRead.message_id.in_(ids),
            SchoolMessageRead.guardian_id.in_(_guardian_ids(session, email, site_id)))).scalars())
        for msg in rows:
            concerned = tuple(k.person.id for k in site_kids if _concerns(msg, k.person, classes, pupils))
            if concerned:
                out.append(FamilyMessage(msg, site.code, concerned, msg.id in read))
    out.sort(key=lambda f: (f.message.publish_on, f.message.created_at, f.message.id), reverse=True)
    return out


def _concerns(msg: SchoolMessage, person: m.Person, classes: dict, pupils: dict) -> bool:
    if msg.audience == "site":
        return True
    if msg.audience == "classes":
        return person.class_name is not None and person.class_name in classes.get(msg.id, ())
    return person.id in pupils.get(msg.id, ())


def _guardian_ids(session: Session, email: str, site_id: int) -> list[int]:
    return list(session.execute(select(fm.Guardian.id).where(fm.Guardian.email == email, fm.Guardian.active,
                                                            fm.Guardian.site_id == site_id)).scalars())


def one_for_family(session: Session, email: str, message_id: int, now: datetime) -> FamilyMessage:
    """One message shown to this family; NoSuchMessage for any other id (another family's message,
    a withdrawn or expired one, one that never existed: the same answer)."""
    found = next((f for f in for_family(session, email, now) if f.message.id == message_id), None)
    if found is None:
        raise NoSuchMessage("no such message")
    return found


def mark_read(session: Session, email: str, message_id: int, now: datetime) -> FamilyMessage:
    """The family has opened the message: read for each of its guardian rows of the message's site
    (reading twice keeps the first instant)."""
    found = one_for_family(session, email, message_id, now)
    if not found.read:
        have = set(session.execute(select(SchoolMessageRead.guardian_id).where(
            SchoolMessageRead.message_id == message_id)).scalars())
        for gid in _guardian_ids(session, email, found.message.site_id):
            if gid not in have:
                session.add(SchoolMessageRead(message_id=message_id, guardian_id=gid, read_at=now))
        session.flush()
    return FamilyMessage(found.message, found.site_code, found.children, True)


def unread_count(session: Session, email: str, now: datetime) -> int:
    return sum(1 for f in for_family(session, email, now) if not f.read)
