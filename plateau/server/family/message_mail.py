"""Messages from the school, e-mailed to the guardians they concern (when the server has an
SMTP server: `plateau.server.family.mail`).

Who: every ACTIVE guardian of the message's site with an e-mail address, linked to a pupil the
message is for (the whole site, the pupil's class, the pupil named), once per address. When: on
the message's first day, once: as soon as it is written if that day has come (`notify`, run
after the answer is sent, on the thread pool: hundreds of e-mails never hold up the office's
page), else by `ScheduledMail`, a job of the server that looks every few minutes for messages
whose first day has come. A message is claimed (`school_message.mailed_at`, in one UPDATE that
only one claimant can win) before it is sent, so two server processes, or a job and a page,
never send it twice; a withdrawn or expired message is never sent. Edits are not e-mailed again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plateau.server import family_models as fm
from plateau.server import models as m
from plateau.server.family import mail
from plateau.server.message_models import SchoolMessage, SchoolMessageClass, SchoolMessagePupil
from plateau.server.tasks import LeaderJob

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
    """E-mail a message to the guardians it concerns if its first day has come and nobody has
    yet (claimed first, whether the server has SMTP or not: its turn came); how many e-mails
    were sent."""
    with db.write() as s:
        msg = s.get(SchoolMessage, message_id)
        site = s.get(m.Site, msg.site_id) if msg is not None else None
        if msg is None or msg.mailed_at is not None or not due(msg, site.timezone, now):
            return 0
        claimed = s.execute(update(SchoolMessage).where(SchoolMessage.id == message_id,
                                                        SchoolMessage.mailed_at.is_(None))
                            .values(mailed_at=now)).rowcount
        if claimed != 1 or not settings.host:
            return 0
        to, (subject, body) = recipients(s, msg), compose(settings, site.name, msg)
    sent = mail.send_each(settings, to, subject, body)
    log.info("message %d e-mailed to %d of %d guardians", message_id, sent, len(to))
    return sent


def send_due(settings: mail.MailSettings, db, now: datetime) -> int:
    """E-mail every message whose first day has come and that was not yet; how many e-mails
    were sent. Any thread."""
    latest = (now + timedelta(days=1)).date()   # a day ahead of UTC covers every site's today
    with db.read() as s:
        waiting = s.execute(select(SchoolMessage.id).where(
            SchoolMessage.mailed_at.is_(None), SchoolMessage.withdrawn_at.is_(None),
            SchoolMessage.publish_on <= latest).order_by(SchoolMessage.id)).scalars().all()
    return sum(notify(settings, db, message_id, now) for message_id in waiting)


class ScheduledMail(LeaderJob):
    """`send_due` every `every` seconds, by the leader process (`LeaderJob`: a mail server down
    fails a round, logged, and the next round comes). `settings_of()` and `clock()` are read at
    each round (the server's mail settings and clock)."""

    name = "scheduled messages' e-mails"

    def __init__(self, db, settings_of: Callable[[], mail.MailSettings], clock: Callable[[], datetime], *,
                 every: float = 300, first_delay: float = 30, leader: Callable[[], bool] = lambda: True):
        super().__init__(first_delay=first_delay, every=every, leader=leader)
        self.db, self.settings_of, self.clock = db, settings_of, clock

    def work(self) -> int:
        return send_due(self.settings_of(), self.db, self.clock())

    def done(self, sent: int) -> None:
        if sent:
            log.info("scheduled messages: %d e-mails sent", sent)
