"""Who is calling: bearer tokens → a `Principal`, as FastAPI dependencies (typed aliases).

A station token reads only its own site and writes only its own passages; an admin token
administers every site. Missing, unknown or revoked tokens get 401; a valid token asking for
what it may not have gets 403. The dependencies run on the event loop; `authenticate` reads
the database on the thread pool, and remembers valid tokens for `CACHE_SECONDS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from plateau.server import models as m
from plateau.server.db import Database
from plateau.server.errors import ApiError
from plateau.server.tokens import hash_token

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an admin, or a station of one site."""

    is_admin: bool
    site_id: int | None = None
    site_code: str | None = None
    station_id: str | None = None

    def require_site(self, site: m.Site) -> None:
        if not self.is_admin and self.site_id != site.id:
            raise ApiError(403, "forbidden", "this token may not access another site")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise ApiError(403, "forbidden", "this needs an administration token")


# Trivial dependencies are `async def`: FastAPI runs a sync dependency on the thread pool, and
# each such hop costs more than the check itself under load.
async def get_db(request: Request) -> Database:
    return request.app.state.db


Db = Annotated[Database, Depends(get_db)]


# Valid tokens are remembered for a second: a station long-polling answers and asks again many
# times a second under load, and each check would otherwise be a trip to the thread pool and
# the database. So a revocation takes effect within CACHE_SECONDS. Refusals are not cached.
CACHE_SECONDS = 1.0
_CACHE_MAX = 20_000


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "missing bearer token", _CHALLENGE)
    if len(token) > 200:
        raise ApiError(401, "unauthorized", "unknown token", _CHALLENGE)
    digest = hash_token(token)
    cache: dict = request.app.state.auth_cache
    hit = cache.get(digest)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]
    principal = await run_in_threadpool(_lookup, request.app.state.db, digest)
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[digest] = (principal, now + CACHE_SECONDS)
    return principal


def _lookup(db: Database, digest: str) -> Principal:
    with db.read() as s:
        admin = s.execute(select(m.ApiToken.revoked).where(m.ApiToken.token_hash == digest)).first()
        if admin is not None:
            if admin.revoked:
                raise ApiError(401, "unauthorized", "this token was revoked", _CHALLENGE)
            return Principal(is_admin=True)
        row = s.execute(select(m.Station.revoked, m.Station.station_id, m.Site.id, m.Site.code)
                        .join(m.Site, m.Site.id == m.Station.site_id)
                        .where(m.Station.token_hash == digest)).first()
    if row is None:
        raise ApiError(401, "unauthorized", "unknown token", _CHALLENGE)
    if row.revoked:
        raise ApiError(401, "unauthorized", "this station's token was revoked", _CHALLENGE)
    return Principal(is_admin=False, site_id=row.id, site_code=row.code, station_id=row.station_id)


async def admin_only(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    principal.require_admin()
    return principal


async def station_only(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.is_admin:
        raise ApiError(403, "forbidden", "this needs a station token")
    return principal


Caller = Annotated[Principal, Depends(authenticate)]
Admin = Annotated[Principal, Depends(admin_only)]
StationCaller = Annotated[Principal, Depends(station_only)]
