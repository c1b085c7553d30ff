"""Activation letters: one A4 page per family that cannot sign in yet, with its one-time code
and a QR code of its activation link, for families reached by paper (no e-mail, or no answer).

`issue_letters` makes the codes (inside the caller's unit of work; a new code replaces the
family's earlier unused one) and `render` draws the PDF (reportlab, no I/O but the target).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import family_models as fm

from plateau.server import models as m
from plateau.server.family import accounts, mail


@dataclass(frozen=True)
class Letter:
    """What one page says (plain data)."""

    name: str
    children: list[str]
    code: str
    link: str
    email: str | None


def _children(session: Session, guardian: fm.Guardian) -> list[str]:
    rows = session.execute(select(m.Person.first_name, m.Person.last_name, m.Person.class_name)
                           .join(fm.GuardianLink, fm.GuardianLink.person_id == m.Person.id)
                           .where(fm.GuardianLink.guardian_id == guardian.id).order_by(m.Person.first_name))
    return [f"{first} {last}" + (f" ({cls})" if cls else "") for first, last, cls in rows]


def issue_letters(session: Session, site: m.Site, settings: mail.MailSettings, now: datetime,
                  guardians: list[str] | None = None) -> list[Letter]:
    """Codes for the named guardians (external ids), or for every active guardian of the site
    whose family has no password yet. One letter per e-mail address (one account)."""
    query = select(fm.Guardian).where(fm.Guardian.site_id == site.id, fm.Guardian.active)
    if guardians:
        query = query.where(fm.Guardian.external_id.in_(guardians))
    rows = session.execute(query.order_by(fm.Guardian.last_name, fm.Guardian.first_name, fm.Guardian.id)).scalars().all()
    if guardians and len(rows) != len(set(guardians)):
        missing = sorted(set(guardians) - {g.external_id for g in rows})
        raise accounts.FamilyError(f"no active guardian {', '.join(missing)} at site {site.code}")
    letters, seen = [], set()
    for g in rows:
        if g.email:
            if g.email in seen:
                continue
            seen.add(g.email)
            account = accounts.find_account(session, g.email)
            if not guardians and account is not None and account.password_hash:
                continue  # this family already signs in
            code = accounts.issue_code(session, accounts.account_for(session, g.email, now), "activation", now)
        else:
            code = accounts.issue_letter_code(session, g, now)
        letters.append(Letter(f"{g.first_name} {g.last_name}".strip(), _children(session, g), code,
                              mail.activation_link(settings, code), g.email))
    return letters


def render(letters: list[Letter], school: str, target: str | Path | BinaryIO) -> None:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from plateau.reports.pdf_style import PAGE, fonts

    regular, bold = fonts()
    _width, height = PAGE
    c = canvas.Canvas(target, pagesize=PAGE)
    c.setTitle(f"Espace Famille – lettres d'activation – {school}")
    for letter in letters:
        y = height - 30 * mm

        def line(text: str, size: float = 11, font: str = regular, gap: float = 7):
            nonlocal y
            c.setFont(font, size)
            c.drawString(22 * mm, y, text)
            y -= gap * mm

        line(school, 12, bold)
        line("Espace Famille de la cantine", 17, bold, 14)
        line(f"À l'attention de {letter.name}", 12, regular, 10)
        line("L'Espace Famille vous permet de voir le solde et les passages de vos enfants, les menus,")
        line("de réserver ou d'annuler leurs repas et de recharger leur compte en ligne.", gap=10)
        line("Enfant(s) :", 11, bold)
        for child in letter.children:
            line(f"  • {child}", gap=6)
        y -= 6 * mm
        line("Pour activer votre compte, ouvrez ce lien (ou scannez le code QR) :", gap=6)
        line(letter.link, 10, regular, 9)
        line("puis saisissez ce code d'activation :", gap=9)
        line(letter.code, 22, bold, 12)
        if letter.email:
            line(f"Vous vous connecterez avec l'adresse {letter.email}.", 10)
        else:
            line("Vous choisirez l'adresse e-mail avec laquelle vous vous connecterez.", 10)
        line("Ce code ne sert qu'une fois et expire dans 30 jours. Gardez-le pour vous.", 10)
        qr = QrCodeWidget(letter.link)
        x0, y0, x1, y1 = qr.getBounds()
        size = 45 * mm
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(qr)
        renderPDF.draw(drawing, c, 22 * mm, y - size)  # under the text: the phone scans it, then types the code
        c.showPage()
    c.save()
