"""Who is calling: bearer tokens → a `Principal`, as FastAPI dependencies (typed aliases).

A station token reaches only what its sync daemon needs (`StationCaller` and, for the change
feed, `Caller`): its own site's change feed, and pushing its own passages and card events.
Every other route takes an admin token (`Admin`), which administers every site. A family token is
refused here (403): it reaches only the family API, whose own dependency
(`plateau.server.family.deps`) refuses station and admin tokens. Missing,
unknown or revoked tokens get 401; a valid token asking for a route it may not use gets 403,
whatever the resource; a resource of another site answers exactly like one that does not
exist (404, same body), so a token learns nothing about other sites. The dependencies run on
the event loop; `authenticate` reads the database on the thread pool, and remembers valid
tokens for `CACHE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from plateau.server import family_models as fm

from plateau.server import models as m
from plateau.server.db import Database
from plateau.server.tasks import BackgroundTask
from plateau.server.errors import ApiError
from plateau.server.tokens import hash_token

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an admin, or a station of one site."""

    is_admin: bool
    site_id: int | None = None
    site_code: str | None = None
    station_id: str | None = None

    def sees(self, site: m.Site) -> bool:
        """Whether this caller may know of `site` at all (else answer as if it did not exist)."""
        return self.is_admin or self.site_id == site.id

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
# the database (measured: 500 long-polling stations + 50 pushes/s, push p50 276 ms with the
# cache, 465 ms without). Refusals are not cached. Tokens are revoked or re-issued by
# `plateau admin`, another process: `CredentialWatcher` notices within a feed-poll interval
# (0.25 s) and forgets every remembered token, so a revocation never waits the whole second.
# Each of its checks that finds the tables unchanged confirms every remembered token, which then
# stays good for a second from that check (`remembered`): while the watcher works, stations
# polling about once a second are not looked up again each time (measured, 500 stations: the
# lookups were over a third of the thread pool's work, each long-poll looked up going the slow
# way, through the route instead of `fast_changes.py`).
# On PostgreSQL the change NOTIFYs every server process instead (`feed._notify_token_change`,
# `pg_listen.py`), and the watcher reads the tables only while that listener is disconnected.
CACHE_SECONDS = 1.0
# While PostgreSQL's NOTIFY is on duty every token change reaches every process at once (the
# cache is forgotten then, and again whenever the listener reconnects or is lost), so a valid
# token is remembered longer: measured, 400 stations long-polling two processes spent more
# time looking their tokens up again every second than on the pushes themselves.
NOTIFIED_CACHE_SECONDS = 60.0
_CACHE_MAX = 20_000


def credentials_fingerprint(db: Database) -> int:
    """A number that changes whenever a token is added, revoked or re-issued (thread pool)."""
    with db.read(autocommit=True) as s:
        rows = s.execute(select(m.Station.token_hash, m.Station.revoked)).all()
        rows += s.execute(select(m.ApiToken.token_hash, m.ApiToken.revoked)).all()
    return hash(frozenset((h, bool(r)) for h, r in rows))


class CredentialWatcher(BackgroundTask):
    """Forgets the remembered tokens when the token tables change (revocations made by another
    process). An asyncio task on the event loop; reads on the thread pool, only while tokens
    are remembered."""

    name = "credential-watcher"

    def __init__(self, db: Database, cache: dict, interval: float, notified=lambda: False):
        # `notified()`: whether token changes arrive by NOTIFY now (PostgreSQL: `forget` is called
        # on each), so the periodic read can rest
        self.db, self.cache, self.interval, self.notified = db, cache, interval, notified
        self._seen: int | None = None
        self.generation = 0   # bumped at each clearing: a lookup begun before it is not remembered
        self._fresh_since = float("-inf")   # the start of the latest completed check
        self._checking: asyncio.Future | None = None
        self._was_notified = False

    async def refresh(self, after: float) -> bool:
        """Return once the token tables were read by a check that began at `after` or later
        (monotonic clock), forgetting the remembered tokens if they changed. Waiters share one
        check: 500 long-polls woken by one change cost one read, not 500. True: every token
        remembered now is as the tables were at `after` (whatever its age); False: the tables
        could not be read, and every remembered token was forgotten."""
        while self._fresh_since < after:
            if self._checking is None:
                self._checking = asyncio.ensure_future(self._timed_check())
            try:
                await asyncio.shield(self._checking)
            except asyncio.CancelledError:
                raise
            except Exception:  # cannot read the tables: look every token up again instead
                log.warning("credential watcher: cannot read the tokens", exc_info=True)
                self.generation += 1
                self.cache.clear()
                return False
        return True

    async def _timed_check(self) -> None:
        started = time.monotonic()
        try:
            await self.check()
            self._fresh_since = max(self._fresh_since, started)
        finally:
            self._checking = None

    async def check(self) -> None:
        seen = await run_in_threadpool(credentials_fingerprint, self.db)
        # the first fingerprint has nothing to compare with: forget then too, so that after any
        # completed check every remembered token is known to be as the tables are
        if seen != self._seen:
            self.generation += 1
            self.cache.clear()
            if self._seen is not None:
                log.info("tokens changed (added, revoked or re-issued): remembered tokens forgotten")
        self._seen = seen

    @property
    def fresh_since(self) -> float:
        """When the latest completed check began (monotonic): every token remembered now is as
        the tables were then, or fresher."""
        return self._fresh_since

    def forget(self) -> None:
        """Tokens changed (a NOTIFY from any process): forget every remembered one. Event loop.
        The fingerprint stays as it was: the next check (if any) finds it changed and forgets
        once more, harmlessly."""
        self.generation += 1
        self.cache.clear()

    async def _run(self) -> None:
        while True:
            try:
                notified = self.notified()
                if self._was_notified and not notified:
                    # NOTIFY went off duty: a change made since may never be told (forget now,
                    # then fingerprint the tables as before)
                    self.forget()
                self._was_notified = notified
                if (self.cache or self._seen is None) and not notified:
                    if self._checking is None:   # shared with the waiters' checks (`refresh`)
                        self._checking = asyncio.ensure_future(self._timed_check())
                    await asyncio.shield(self._checking)
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not stop the watcher; the TTL still holds
                log.warning("credential watcher: cannot read the tokens", exc_info=True)
            await asyncio.sleep(self.interval)


# where `request_gate.RequestGate` leaves the caller it authenticated before reading a body
PRINCIPAL_KEY = "plateau.principal"


async def authenticate(request: Request) -> Principal:
    """The caller of this request (the gate's if it already checked the token)."""
    principal = request.scope.get(PRINCIPAL_KEY)
    if principal is not None:
        return principal
    return await check_bearer(request)


def bearer_digest(header: str) -> str:
    """The hash of an `Authorization` header's bearer token (401 `ApiError` if there is none)."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "missing bearer token", _CHALLENGE)
    if len(token) > 200:
        raise ApiError(401, "unauthorized", "unknown token", _CHALLENGE)
    return hash_token(token)


def remembered(state, digest: str, now: float) -> Principal | None:
    """The caller of token `digest` if it is remembered and still fresh, else None (no I/O: the
    event loop's cheap check, also the fast path's of station long-polls)."""
    if getattr(state, "auth_cache_seconds", CACHE_SECONDS) <= 0:
        return None
    hit = state.auth_cache.get(digest)
    if hit is None:
        return None
    if hit[1] > now:
        return hit[0]
    # every completed check of the watcher that found the tables unchanged confirms every token
    # remembered (a change forgets them all): a token stays good until CACHE_SECONDS after the
    # latest confirmation, so stations polling every second are not looked up again each time
    watcher = getattr(state, "credentials", None)
    ttl = getattr(state, "auth_cache_seconds", CACHE_SECONDS)
    return hit[0] if watcher is not None and watcher.fresh_since + ttl > now else None


async def check_bearer(request: Request, *, any_age: bool = False) -> Principal:
    """Check the request's bearer token (remembered for the cache's TTL); 401 if not valid.
    `any_age`: the remembered tokens were just confirmed (`authenticate_again`), a remembered
    one is good whatever its age."""
    digest = bearer_digest(request.headers.get("authorization", ""))
    state = request.app.state
    ttl = getattr(state, "auth_cache_seconds", CACHE_SECONDS)
    cache: dict = state.auth_cache
    now = time.monotonic()
    found = remembered(state, digest, now)
    if found is not None:
        return found
    if ttl > 0 and any_age:
        hit = cache.get(digest)
        if hit is not None:   # confirmed now: remembered afresh from now
            cache[digest] = (hit[0], now + ttl)
            return hit[0]
    watcher = getattr(state, "credentials", None)
    if ttl > 0 and watcher is not None and watcher.notified():
        ttl = max(ttl, NOTIFIED_CACHE_SECONDS)
    generation = watcher.generation if watcher else 0
    principal = await run_in_threadpool(_lookup, state.db, digest)
    if ttl > 0 and (watcher.generation if watcher else 0) == generation:
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[digest] = (principal, now + ttl)
    return principal


async def authenticate_again(request: Request, *, told: bool = False) -> Principal:
    """The caller as the token tables say NOW (not as remembered): for a long-poll that waited,
    so that a token revoked while it waited never receives what changed meanwhile.

    `told`: this process has already heard, by NOTIFY, of the commit of the last change about to
    be answered. PostgreSQL delivers one session's notifications in commit order, and the
    listener hands token changes over before feed changes, so every token change committed
    before those changes has already been forgotten here: the remembered tokens are as true as
    the tables, and no fingerprint of the token tables needs reading."""
    watcher = getattr(request.app.state, "credentials", None)
    confirmed = told
    if watcher is not None and not told:
        confirmed = await watcher.refresh(time.monotonic())
    # a token remembered, whatever its age, is as true as a lookup once confirmed: a station
    # woken every second or two is not looked up again at each wake-up (measured on SQLite, 500
    # stations long-polling: these lookups were a tenth of the server's time)
    return await check_bearer(request, any_age=confirmed and watcher is not None)


def _lookup(db: Database, digest: str) -> Principal:
    with db.read(autocommit=True) as s:
        admin = s.execute(select(m.ApiToken.revoked).where(m.ApiToken.token_hash == digest)).first()
        if admin is not None:
            if admin.revoked:
                raise ApiError(401, "unauthorized", "this token was revoked", _CHALLENGE)
            return Principal(is_admin=True)
        row = s.execute(select(m.Station.revoked, m.Station.station_id, m.Site.id, m.Site.code)
                        .join(m.Site, m.Site.id == m.Station.site_id)
                        .where(m.Station.token_hash == digest)).first()
        family = row is None and s.execute(select(fm.FamilyToken.id).where(fm.FamilyToken.token_hash == digest)
                                           ).first() is not None
    if family:  # a family token (`plateau.server.family.deps`) reaches only the family API
        raise ApiError(403, "forbidden", "a family token reaches only the family API (/api/v1/family/...)")
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
