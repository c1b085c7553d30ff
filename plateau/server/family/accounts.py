"""Family accounts: one per e-mail, argon2 passwords, one-time codes and bearer tokens.

An account may sign in while at least one ACTIVE guardian (of any site) has its e-mail; it
sees the pupils those guardians are linked to. Codes (activation, password reset) and tokens
are random, shown once and stored only as SHA-256 hashes (nothing to brute-force offline).
Every function runs inside the caller's unit of work (`Database.write()` / `read()`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from plateau.server import family_models as fm

from plateau.server import models as m
from plateau.server.store import StoreError
from plateau.server.tokens import hash_token, new_token
from plateau.server.web import passwords

PREFIX_FAMILY = "pfa_"
TOKEN_LIFETIME = timedelta(days=30)
CODE_LIFETIME = {"activation": timedelta(days=30), "reset": timedelta(hours=1)}
MIN_PASSWORD, MAX_PASSWORD = passwords.MIN_LENGTH, passwords.MAX_LENGTH
# codes are typed from a letter by people: no 0/O, 1/I/L; 10 symbols of 31 ≈ 49 bits, and
# guessing is throttled per address on top (`throttle.py`)
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class FamilyError(StoreError):
    """A family action that cannot be done (message for a person)."""


class BadCode(FamilyError):
    """A one-time code that is unknown, used or expired."""


def normalize_email(email: str | None) -> str | None:
    if email is None:
        return None
    email = email.strip().lower()
    if not email:
        return None
    if len(email) > 254 or email.count("@") != 1 or " " in email or "\x00" in email:
        raise FamilyError(f"{email[:60]!r} is not an e-mail address")
    local, domain = email.split("@")
    if not local or "." not in domain.strip("."):
        raise FamilyError(f"{email[:60]!r} is not an e-mail address")
    return email


def hash_password(password: str) -> str:
    """The web accounts' one argon2id hash (`plateau.server.web.passwords`), the office's too."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise FamilyError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return passwords.hash_password(password)


def check_password(stored: str | None, password: str) -> bool:
    """As slow for an unknown account as for a wrong password (`passwords.verify`)."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return passwords.verify(None, "")
    return passwords.verify(stored, password)


def has_access(session: Session, email: str) -> bool:
    """Whether an active guardian has this e-mail (the condition for any sign-in)."""
    return session.execute(select(fm.Guardian.id).where(fm.Guardian.email == email, fm.Guardian.active)
                           ).first() is not None


def find_account(session: Session, email: str | None) -> fm.FamilyAccount | None:
    try:
        email = normalize_email(email)
    except FamilyError:
        return None
    if email is None:
        return None
    return session.execute(select(fm.FamilyAccount).where(fm.FamilyAccount.email == email)).scalar_one_or_none()


def account_for(session: Session, email: str, now: datetime) -> fm.FamilyAccount:
    """The account of a guardian's e-mail, created on first need. FamilyError if no active
    guardian has this e-mail (import the guardians first)."""
    email = normalize_email(email)
    if email is None or not has_access(session, email):
        raise FamilyError(f"no guardian with the e-mail {email!r} (import the guardians first: "
                          "plateau import guardians FILE)")
    account = find_account(session, email)
    if account is None:
        account = fm.FamilyAccount(email=email, created_at=now)
        session.add(account)
        session.flush()
    return account


def set_password(session: Session, account: fm.FamilyAccount, password: str, now: datetime) -> None:
    """Set the password; every other session of the account ends."""
    account.password_hash = hash_password(password)
    account.password_set_at = now
    session.execute(update(fm.FamilyToken).where(fm.FamilyToken.account_id == account.id).values(revoked=True))
    from plateau.server.office_models import WebSession  # the Espace Famille's browser sessions end too

    session.execute(delete(WebSession).where(WebSession.realm == "famille", WebSession.subject_id == account.id))


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _code_digest(code: str) -> str:
    return hash_token("".join(ch for ch in code.upper() if ch.isalnum()))


def issue_code(session: Session, account: fm.FamilyAccount, purpose: str, now: datetime) -> str:
    """A new one-time code (earlier unused codes of the same purpose stop working)."""
    return _issue(session, fm.FamilyCode.account_id == account.id, {"account_id": account.id}, purpose, now)


def issue_letter_code(session: Session, guardian: fm.Guardian, now: datetime) -> str:
    """An activation code for a guardian without e-mail (a printed letter)."""
    if not guardian.active:
        raise FamilyError(f"guardian {guardian.external_id} has no access (absent from the latest import)")
    return _issue(session, fm.FamilyCode.guardian_id == guardian.id, {"guardian_id": guardian.id}, "activation", now)


def _issue(session: Session, owner, ids: dict, purpose: str, now: datetime) -> str:
    session.execute(update(fm.FamilyCode).where(owner, fm.FamilyCode.purpose == purpose,
                                               fm.FamilyCode.used_at.is_(None)).values(used_at=now))
    code = _new_code()
    session.add(fm.FamilyCode(**ids, purpose=purpose, code_hash=_code_digest(code), created_at=now,
                             expires_at=now + CODE_LIFETIME[purpose]))
    session.flush()
    return code


def redeem_code(session: Session, code: str, purposes: tuple[str, ...], password: str,
                now: datetime, email: str | None = None) -> fm.FamilyAccount:
    """Set a password with a one-time code: the code works once, before it expires. A letter's
    code also needs the `email` the family will sign in with (it becomes the guardian's)."""
    hash_password(password)  # a bad password is refused before the code is spent
    row = session.execute(select(fm.FamilyCode).where(fm.FamilyCode.code_hash == _code_digest(code or ""))
                          ).scalar_one_or_none()
    if row is None or row.purpose not in purposes or row.used_at is not None or row.expires_at <= now:
        raise BadCode("this code is unknown, already used or expired: ask for a new one")
    if row.account_id is None:
        account = _letter_account(session, session.get(fm.Guardian, row.guardian_id), email, now)
    else:
        account = session.get(fm.FamilyAccount, row.account_id)
    if not has_access(session, account.email):
        raise FamilyError("this account has no pupil any more")
    row.used_at = now
    set_password(session, account, password, now)
    return account


def _letter_account(session: Session, guardian: fm.Guardian, email: str | None, now: datetime) -> fm.FamilyAccount:
    email = normalize_email(email)
    if email is None:
        raise FamilyError("this code comes from a letter: give the e-mail address you will sign in with")
    if not guardian.active:
        raise FamilyError("this guardian has no access any more")
    account = find_account(session, email)
    if account is not None and account.password_hash:
        # never let a letter take over an existing account (and the children it sees)
        raise FamilyError("this e-mail address already has an account: sign in with it, or use another address")
    guardian.email = email
    session.flush()
    return account or account_for(session, email, now)


def issue_token(session: Session, account: fm.FamilyAccount, now: datetime) -> tuple[str, datetime]:
    token = new_token(PREFIX_FAMILY)
    expires = now + TOKEN_LIFETIME
    session.add(fm.FamilyToken(account_id=account.id, token_hash=hash_token(token), created_at=now, expires_at=expires,
                              revoked=False))
    return token, expires


@dataclass(frozen=True)
class Family:
    """A signed-in family: its account and e-mail (the actor of its reservation changes)."""

    account_id: int
    email: str
    token_id: int


def family_of_token(session: Session, token: str, now: datetime) -> Family | None:
    """The family of a valid token (not revoked, not expired, still with a guardian), else None."""
    row = session.execute(select(fm.FamilyToken, fm.FamilyAccount.email)
                          .join(fm.FamilyAccount, fm.FamilyAccount.id == fm.FamilyToken.account_id)
                          .where(fm.FamilyToken.token_hash == hash_token(token))).first()
    if row is None or row[0].revoked or row[0].expires_at <= now or not has_access(session, row.email):
        return None
    return Family(row[0].account_id, row.email, row[0].id)


@dataclass(frozen=True)
class Child:
    """A pupil a family may see, and whether it may pay for them."""

    person: m.Person
    site: m.Site
    financial: bool


def children(session: Session, email: str) -> list[Child]:
    rows = session.execute(
        select(m.Person, m.Site, fm.GuardianLink.financial)
        .join(fm.GuardianLink, fm.GuardianLink.person_id == m.Person.id)
        .join(fm.Guardian, fm.Guardian.id == fm.GuardianLink.guardian_id)
        .join(m.Site, m.Site.id == m.Person.site_id)
        .where(fm.Guardian.email == email, fm.Guardian.active, fm.Guardian.site_id == m.Person.site_id)
        .order_by(m.Person.first_name, m.Person.id)).all()
    out: dict[int, Child] = {}
    for person, site, financial in rows:  # two guardians of one account (two sites' files): any may pay
        prev = out.get(person.id)
        out[person.id] = Child(person, site, bool(financial) or (prev.financial if prev else False))
    return list(out.values())


def child(session: Session, email: str, person_id: int) -> Child | None:
    return next((c for c in children(session, email) if c.person.id == person_id), None)
