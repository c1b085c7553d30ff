"""A new message from the school, e-mailed to the guardians it concerns (when the server has an
SMTP server: `plateau.server.family.mail`).

Who: every ACTIVE guardian of the message's site with an e-mail address, linked to a pupil the
message is for (the whole site, the pupil's class, the pupil named), once per address. When: as
soon as it is written, if its first day has come; a message scheduled for later is not e-mailed
(families see it in the Espace Famille from its first day). Edits are not e-mailed again.
`notify` runs after the answer is sent (a background task on the thread pool): hundreds of
e-mails never hold up the office's page.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import family_models as fm

from plateau.server import models as m
from plateau.server.family import mail
from plateau.server.message_models import SchoolMessage, SchoolMessageClass, SchoolMessagePupil

log = logging.getLogger(__name__)


def recipients(session: Session, msg: SchoolMessage) -> list[str]:
    """The e-mail addresses of the guardians the message concerns, sorted, each once."""
    q = (select(fm.Guardian.email).distinct()
         .join(fm.GuardianLink, fm.GuardianLink.guardian_id == fm.Guardian.id)
         .join(m.Person, m.Person.id == fm.GuardianLink.person_id)
         .where(fm.Guardian.site_id == msg.site_id, fm.Guardian.active, fm.Guardian.email.is_not(None),
                m.Person.site_id == msg.site_id))
    if msg.audience == "classes":
        q = q.where(m.Person.class_name.in_(select(SchoolMessageClass.class_name).where(
            SchoolMessageClass.message_id == msg.id)))
    elif msg.audience == "pupils":
        q = q.where(m.Person.id.in_(select(SchoolMessagePupil.person_id).where(
            SchoolMessagePupil.message_id == msg.id)))
    return sorted(e for (e,) in session.execute(q) if e)


def compose(settings: mail.MailSettings, site_name: str, msg: SchoolMessage) -> tuple[str, str]:
    link = settings.link(f"/famille/messages/{msg.id}")
    return (f"{site_name} : {msg.title}",
            f"Bonjour,\n\n{site_name} vous écrit dans l'Espace Famille :\n\n{msg.title}\n\n{msg.body}\n\n"
            f"Ce message est aussi dans l'Espace Famille :\n{link}\n")


def due(msg: SchoolMessage, timezone: str, now: datetime) -> bool:
    """Whether a message just written is e-mailed now (published, not withdrawn nor expired)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return msg.withdrawn_at is None and msg.publish_on <= today and (msg.ends_on is None or msg.ends_on >= today)


def notify(settings: mail.MailSettings, db, message_id: int, now: datetime) -> int:
    """E-mail a message just written to the guardians it concerns; how many e-mails were sent."""
    if not settings.host:
        return 0
    with db.read() as s:
        msg = s.get(SchoolMessage, message_id)
        site = s.get(m.Site, msg.site_id) if msg is not None else None
        if msg is None or not due(msg, site.timezone, now):
            return 0
        to, (subject, body) = recipients(s, msg), compose(settings, site.name, msg)
    sent = mail.send_each(settings, to, subject, body)
    log.info("message %d e-mailed to %d of %d guardians", message_id, sent, len(to))
    return sent
