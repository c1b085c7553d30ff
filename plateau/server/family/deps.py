"""The family API's caller: a family bearer token → `Family` (a FastAPI dependency).

Only family tokens pass: a station or admin token gets 403 here (and a family token gets 403
on every other route, see `plateau.server.auth`). Family tokens are not cached: a sign-out or
a new password ends them at the next request. The clock (`now`) is the app's
``family_clock`` when a test or the demo sets one, else the real UTC time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from plateau.server import feed
from plateau.server import models as m
from plateau.server.errors import ApiError
from plateau.server.family.accounts import Family, family_of_token
from plateau.server.family.mail import MailSettings
from plateau.server.tokens import hash_token

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def now_of(request: Request) -> datetime:
    return state_now(request.app.state)


def state_now(state) -> datetime:
    """The app's clock: a test's (`state.family_clock`) or the real one."""
    clock = getattr(state, "family_clock", None)
    return clock() if clock is not None else feed.now()


def mail_settings_of(request: Request) -> MailSettings:
    return state_mail_settings(request.app.state)


def state_mail_settings(state) -> MailSettings:
    """The app's mail settings: a test's (`state.family_mail`) or the environment's."""
    if getattr(state, "family_mail", None) is None:
        state.family_mail = MailSettings.from_env()
    return state.family_mail


def _lookup(db, token: str, now: datetime) -> Family:
    with db.read() as s:
        family = family_of_token(s, token, now)
        if family is not None:
            return family
        digest = hash_token(token)
        other = s.execute(select(m.ApiToken.id).where(m.ApiToken.token_hash == digest,
                                                      m.ApiToken.revoked.is_(False))).first() or \
            s.execute(select(m.Station.id).where(m.Station.token_hash == digest,
                                                 m.Station.revoked.is_(False))).first()
    if other is not None:
        raise ApiError(403, "forbidden", "the family API needs a family token (POST /api/v1/family/session)")
    raise ApiError(401, "unauthorized", "unknown, expired or signed-out family token", _CHALLENGE)


async def family_caller(request: Request) -> Family:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise ApiError(401, "unauthorized", "missing bearer token (POST /api/v1/family/session gives one)",
                       _CHALLENGE)
    return await run_in_threadpool(_lookup, request.app.state.db, token, now_of(request))


FamilyCaller = Annotated[Family, Depends(family_caller)]
