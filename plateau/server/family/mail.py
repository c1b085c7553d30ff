"""E-mails to families (activation, password reset, messages from the school) through the
school's SMTP server.

Configured by the environment of `plateau server` and `plateau admin` (one setting for both):
``PLATEAU_SMTP_HOST`` (unset: no e-mail is sent), ``PLATEAU_SMTP_PORT`` (25),
``PLATEAU_SMTP_FROM``, ``PLATEAU_SMTP_STARTTLS`` (1 to upgrade), ``PLATEAU_SMTP_USER`` and
``PLATEAU_SMTP_PASSWORD``; ``PLATEAU_PUBLIC_URL`` is the server's address as families reach it
(for the links). Sending runs on the calling thread (a route's thread-pool thread).
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger(__name__)

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8470"


@dataclass(frozen=True)
class MailSettings:
    host: str | None = None
    port: int = 25
    sender: str = "plateau@localhost"
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    public_url: str = DEFAULT_PUBLIC_URL

    @classmethod
    def from_env(cls, env=None) -> "MailSettings":
        env = os.environ if env is None else env
        port = env.get("PLATEAU_SMTP_PORT", "25")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"PLATEAU_SMTP_PORT must be a port number, got {port!r}")
        return cls(host=env.get("PLATEAU_SMTP_HOST") or None, port=int(port),
                   sender=env.get("PLATEAU_SMTP_FROM") or "plateau@localhost",
                   starttls=env.get("PLATEAU_SMTP_STARTTLS", "") in ("1", "true", "yes"),
                   user=env.get("PLATEAU_SMTP_USER") or None, password=env.get("PLATEAU_SMTP_PASSWORD") or None,
                   public_url=(env.get("PLATEAU_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"))

    def link(self, path: str) -> str:
        return self.public_url + path


def activation_link(settings: MailSettings, code: str) -> str:
    return settings.link(f"/famille/activer?code={code}")


def send(settings: MailSettings, to: str, subject: str, body: str) -> bool:
    """Send one plain-text e-mail; False (logged) when no server is configured or it fails."""
    return send_each(settings, [to], subject, body) == 1


def send_each(settings: MailSettings, recipients: list[str], subject: str, body: str) -> int:
    """The same plain-text e-mail to each recipient, one message each (nobody sees the others'
    addresses), over one connection; how many were accepted (a refused address is logged and
    skipped; no server configured or unreachable: 0, logged)."""
    if not settings.host or not recipients:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=20) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            for to in recipients:
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = settings.sender, to, subject
                msg.set_content(body)
                try:
                    smtp.send_message(msg)
                except smtplib.SMTPRecipientsRefused as exc:
                    log.warning("family e-mail to %s refused: %s", to, exc)
                    continue
                sent += 1
                log.info("family e-mail sent to %s: %s", to, subject)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("family e-mail not sent (%d of %d sent): %s", sent, len(recipients), exc)
    return sent


def invitation(settings: MailSettings, code: str) -> tuple[str, str]:
    link = activation_link(settings, code)
    return ("Espace Famille : activez votre compte",
            "Bonjour,\n\nL'établissement vous ouvre l'Espace Famille de la cantine : soldes, réservations, "
            f"passages et rechargement en ligne.\n\nPour choisir votre mot de passe, ouvrez ce lien :\n{link}\n\n"
            f"ou saisissez ce code d'activation : {code}\n\nCe code ne sert qu'une fois et expire dans 30 jours.\n")


def reset(settings: MailSettings, code: str) -> tuple[str, str]:
    link = settings.link(f"/famille/mot-de-passe?code={code}")
    return ("Espace Famille : nouveau mot de passe",
            "Bonjour,\n\nVous avez demandé un nouveau mot de passe pour l'Espace Famille.\n\n"
            f"Ouvrez ce lien :\n{link}\n\nou saisissez ce code : {code}\n\n"
            "Ce code ne sert qu'une fois et expire dans une heure. Si vous n'avez rien demandé, "
            "ignorez ce message : votre mot de passe reste le même.\n")
