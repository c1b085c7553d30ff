"""`plateau admin family ...`: family accounts and the site's online payments, from a shell.

    plateau admin family invite EMAIL                   # prints the one-time activation link (last line)
    plateau admin family letter UAI GUARDIAN            # a code for a family without e-mail (last line)
    plateau admin family letters UAI -o FILE [--guardian ID ...]   # a PDF: one activation letter per family
    plateau admin family set-password EMAIL --password-stdin
    plateau admin family payment UAI BACKEND [KEY=VALUE ...]   # eopayment backend and its options

`invite` also e-mails the link when an SMTP server is configured (`family.mail`). Runs on the
main thread of a short-lived process, like the rest of `plateau admin`.
"""

from __future__ import annotations

import sys

from plateau.errors import UserError
from plateau.server import feed, store
from plateau.server.family import accounts, mail


def add_parser(groups, parser_class) -> None:
    family = groups.add_parser("family", help="family accounts (Espace Famille) and online payments").add_subparsers(
        dest="action", required=True, parser_class=parser_class)
    p = family.add_parser("invite", help="issue a one-time activation code; prints its link (last line)")
    p.add_argument("email")
    p = family.add_parser("letter", help="an activation code for a guardian without e-mail (a printed letter); "
                                         "prints it (last line)")
    p.add_argument("uai")
    p.add_argument("guardian", help="the guardian's id in the guardians import (SIÈCLE's PERSONNE_ID)")
    p = family.add_parser("letters", help="activation letters (PDF, one page per family with its code and a QR "
                                          "code): every family without a password yet, or the guardians named")
    p.add_argument("uai")
    p.add_argument("-o", "--output", required=True, help="the PDF file to write")
    p.add_argument("--guardian", action="append", default=[], metavar="ID", help="only this guardian (repeatable)")
    p = family.add_parser("set-password", help="set a family's password, read from stdin")
    p.add_argument("email")
    p.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    p = family.add_parser("payment", help="a site's online payment provider (an eopayment backend)")
    p.add_argument("uai")
    p.add_argument("backend", help="an eopayment backend: dummy, payfip_ws, tipi, systempayv2, ...")
    p.add_argument("options", nargs="*", metavar="KEY=VALUE", help="the backend's options (see docs/family-api.md)")


def _invite(db, a) -> None:
    settings = mail.MailSettings.from_env()
    with db.write() as s:
        now = feed.now()
        account = accounts.account_for(s, a.email, now)
        code, email = accounts.issue_code(s, account, "activation", now), account.email
    link = mail.activation_link(settings, code)
    sent = mail.send(settings, email, *mail.invitation(settings, code))
    print(f"activation code for {email}: {code} (single use, valid 30 days)"
          + (" — e-mailed" if sent else ""))
    print(link)


def _letter(db, a) -> None:
    from sqlalchemy import select

    from plateau.server import family_models as fm

    settings = mail.MailSettings.from_env()
    with db.write() as s:
        site = store.get_site(s, a.uai.upper())
        guardian = s.execute(select(fm.Guardian).where(fm.Guardian.site_id == site.id,
                                                      fm.Guardian.external_id == a.guardian)).scalar_one_or_none()
        if guardian is None:
            raise UserError(f"no guardian {a.guardian!r} at site {site.code} (plateau import guardians first)")
        code = accounts.issue_letter_code(s, guardian, feed.now())
        name = f"{guardian.first_name} {guardian.last_name}".strip()
    print(f"activation letter for {name} ({a.guardian}): open {mail.activation_link(settings, code)} "
          "and give the e-mail address to sign in with; single use, valid 30 days")
    print(code)


def _letters(db, a) -> None:
    from plateau.server.family.letters import issue_letters, render

    settings = mail.MailSettings.from_env()
    with db.write() as s:
        site = store.get_site(s, a.uai.upper())
        letters = issue_letters(s, site, settings, feed.now(), a.guardian or None)
        school = site.name
        if letters:  # written before the codes are committed: a failed write keeps the old codes
            render(letters, school, a.output)
    print(f"{len(letters)} activation letter(s) written to {a.output}" if letters
          else "no family to write to: every guardian can already sign in")


def _set_password(db, a) -> None:
    password = sys.stdin.readline().rstrip("\r\n")
    with db.write() as s:
        now = feed.now()
        account = accounts.account_for(s, a.email, now)
        accounts.set_password(s, account, password, now)
        email = account.email
    print(f"password set for {email}")


def _payment(db, a) -> None:
    from plateau.server.family import payments  # eopayment loads every backend: only when asked

    options = {}
    for pair in a.options:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"expected KEY=VALUE, got {pair!r}")
        options[key.strip()] = value.strip()
    with db.write() as s:
        site = store.get_site(s, a.uai.upper())
        payments.set_provider(s, site, a.backend, options)
    print(f"site {a.uai.upper()}: online payments through {a.backend} ({len(options)} option(s))")


HANDLERS = {("family", "invite"): _invite, ("family", "letter"): _letter, ("family", "letters"): _letters, ("family", "set-password"): _set_password,
            ("family", "payment"): _payment}
