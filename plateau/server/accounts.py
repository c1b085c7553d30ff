"""Office users: create, list, disable, change a password, and check a sign-in.

Used by `plateau admin user ...` and by the office's sign-in page, inside the caller's unit of
work; every change is written to the audit log. Roles are `plateau.server.web.office.roles.ROLES`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateau.server import audit, feed, store
from plateau.server import models as m
from plateau.server.office_models import OfficeUser, OfficeUserSite
from plateau.server.web import passwords, sessions
from plateau.server.web.office.roles import ROLES

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
REALM = "office"


class AccountError(store.StoreError):
    """Bad data for an office account (message for a person)."""


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    return email


def get_user(session: Session, email: str) -> OfficeUser:
    user = session.execute(select(OfficeUser).where(OfficeUser.email == normalise_email(email))).scalar_one_or_none()
    if user is None:
        raise store.NotFound(f"no office user {email!r}")
    return user


def user_sites(session: Session, user_id: int) -> list[m.Site]:
    return list(session.execute(select(m.Site).join(OfficeUserSite, OfficeUserSite.site_id == m.Site.id)
                                .where(OfficeUserSite.user_id == user_id).order_by(m.Site.code)).scalars())


def _snapshot(session: Session, user: OfficeUser) -> dict:
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.active,
            "sites": [s.code for s in user_sites(session, user.id)]}


def add_user(session: Session, actor: str, email: str, name: str, role: str, site_codes: list[str],
             password: str) -> OfficeUser:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError("a name of 1 to 100 characters is required")
    if not site_codes:
        raise AccountError("an office user needs at least one site (--site UAI)")
    sites = [store.get_site(session, code.strip().upper()) for code in site_codes]
    if session.execute(select(OfficeUser.id).where(OfficeUser.email == email)).first():
        raise AccountError(f"office user {email} already exists")
    try:
        hashed = passwords.hash_password(password)
    except passwords.PasswordPolicyError as exc:
        raise AccountError(str(exc)) from None
    user = OfficeUser(email=email, name=name, role=role, password_hash=hashed, active=True, created_at=feed.now())
    session.add(user)
    session.flush()
    for site in {s.id: s for s in sites}.values():
        session.add(OfficeUserSite(user_id=user.id, site_id=site.id))
    session.flush()
    audit.record(session, actor, "user.add", target=f"user:{email}", after=_snapshot(session, user))
    return user


def list_users(session: Session, site_code: str | None = None) -> list[tuple[OfficeUser, list[str]]]:
    q = select(OfficeUser).order_by(OfficeUser.email)
    if site_code:
        site = store.get_site(session, site_code.upper())
        q = q.join(OfficeUserSite, OfficeUserSite.user_id == OfficeUser.id).where(OfficeUserSite.site_id == site.id)
    return [(u, [s.code for s in user_sites(session, u.id)]) for u in session.execute(q).scalars()]


def disable_user(session: Session, actor: str, email: str) -> OfficeUser:
    user = get_user(session, email)
    before = _snapshot(session, user)
    user.active = False
    sessions.revoke_subject(session, REALM, user.id)
    audit.record(session, actor, "user.disable", target=f"user:{user.email}", before=before,
                 after=_snapshot(session, user))
    return user


def set_password(session: Session, actor: str, email: str, password: str) -> OfficeUser:
    user = get_user(session, email)
    try:
        user.password_hash = passwords.hash_password(password)
    except passwords.PasswordPolicyError as exc:
        raise AccountError(str(exc)) from None
    sessions.revoke_subject(session, REALM, user.id)  # a new password signs every browser out
    audit.record(session, actor, "user.set_password", target=f"user:{user.email}")
    return user


def check_sign_in(session: Session, email: str, password: str) -> OfficeUser | None:
    """The active user with this e-mail and password, else None (same cost either way)."""
    try:
        email = normalise_email(email)
    except AccountError:
        passwords.verify(None, password)
        return None
    user = session.execute(select(OfficeUser).where(OfficeUser.email == email)).scalar_one_or_none()
    ok = passwords.verify(user.password_hash if user else None, password)
    return user if ok and user is not None and user.active else None
