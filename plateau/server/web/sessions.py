"""Web sessions kept on the server (table `web_session`), one cookie per realm.

The cookie holds a random token; the table only its SHA-256, so a leaked database gives no
usable session. A session ends at sign-out, after `IDLE` without a request, `LIFETIME` after
sign-in at the latest, or at once when its account is disabled (`revoke_subject`). The cookie
is HttpOnly and SameSite=Lax, and Secure when the request came over HTTPS (a reverse proxy
passing X-Forwarded-Proto to uvicorn with --proxy-headers) or when `PLATEAU_WEB_SECURE_COOKIES=1`.
Functions take the caller's SQLAlchemy session (any request thread).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlalchemy.orm import Session

from plateau.server.office_models import WebSession

IDLE = timedelta(hours=2)
LIFETIME = timedelta(hours=12)
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
ENV_SECURE = "PLATEAU_WEB_SECURE_COOKIES"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create(session: Session, realm: str, subject_id: int, site_code: str | None) -> tuple[str, WebSession]:
    """A new session for `subject_id`; returns (cookie token, row)."""
    token, now = secrets.token_urlsafe(32), _now()
    row = WebSession(token_hash=_hash(token), realm=realm, subject_id=subject_id, csrf=secrets.token_urlsafe(32),
                     site_code=site_code, created_at=now, expires_at=now + LIFETIME, last_seen_at=now)
    session.add(row)
    # sign-in is a good moment to forget the expired sessions of everybody
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return token, row


def lookup(session: Session, realm: str, token: str | None) -> WebSession | None:
    """The live session of this cookie, or None (unknown, expired or idle too long).
    Reads only: `needs_touch` says when its idle clock should be written (`touch`)."""
    if not token or len(token) > 100:
        return None
    row = session.get(WebSession, _hash(token))
    now = _now()
    if row is None or row.realm != realm or row.expires_at <= now or now - row.last_seen_at > IDLE:
        return None
    return row


def needs_touch(row: WebSession) -> bool:
    return _now() - row.last_seen_at > _TOUCH_EVERY


def touch(session: Session, token_hash: str) -> None:
    row = session.get(WebSession, token_hash)
    if row is not None:
        row.last_seen_at = _now()


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


async def sign_out(request, db, cookie: str, path: str, to: str):
    """End the request's session of this realm (its `cookie`, scoped to `path`) and send the
    browser to `to`: the one sign-out of the office and the Espace Famille."""
    from fastapi.responses import RedirectResponse
    from starlette.concurrency import run_in_threadpool

    token = request.cookies.get(cookie)

    def forget() -> None:
        with db.write() as s:
            end(s, token)

    await run_in_threadpool(forget)
    response = RedirectResponse(to, status_code=303)
    response.delete_cookie(cookie, path=path)
    return response


def revoke_subject(session: Session, realm: str, subject_id: int) -> int:
    """End every session of an account (disabled, or its password changed)."""
    return session.execute(delete(WebSession).where(WebSession.realm == realm,
                                                    WebSession.subject_id == subject_id)).rowcount or 0


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def secure_cookies(request) -> bool:
    return request.url.scheme == "https" or os.environ.get(ENV_SECURE) == "1"


def set_cookie(response, request, name: str, value: str, *, path: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="lax",
                        secure=secure_cookies(request))
