"""The FastAPI application of the central server: `create_app(settings)`.

Composition only: the routers (one per resource, under `routes/`), the error handlers, the
request-size limit, and the lifespan that opens the database (upgrading its schema) and runs
the feed watcher. The app runs on uvicorn's event loop; sync routes run on its thread pool.
"""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from plateau import __version__
from plateau.server.auth import CredentialWatcher
from plateau.server.db import Database, open_database
from plateau.server.errors import error_response, install_handlers
from plateau.server.group_commit import PushWriter
from plateau.server.maintenance import Compactor
from plateau.server.notifier import FeedNotifier
from plateau.sync.protocol import API_PREFIX

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerSettings:
    """What `plateau server` is configured with (command line and environment)."""

    db_url: str | None = None          # None: $PLATEAU_SERVER_DB, else plateau-server.db here
    max_body_bytes: int = 8 * 1024 * 1024
    # imports (`POST /admin/imports/{kind}`) take files up to their kind's own limit (64 MiB for
    # SIÈCLE, `imports.source.MAX_BYTES`), checked by the route while it reads; this bounds them all
    max_import_bytes: int = 64 * 1024 * 1024
    feed_poll_interval: float = 0.25   # how often other processes' writes are looked for
    compact_first_delay: float = 600   # feed compaction: first run after start, then every...
    compact_every: float = 6 * 3600
    auth_cache_seconds: float = 1.0    # how long a valid token is remembered (0: checked on every request)


class BodyLimit:
    """ASGI middleware refusing bodies above `limit` bytes with 413, declared or streamed,
    and URLs holding NUL characters with 422. Runs on the event loop, per request.

    `streamed` maps a path prefix to a larger limit for routes that read their body in bounded
    chunks themselves (the imports: each kind's own limit, 413 beyond it): there a declared
    length above that limit is refused here, and the body is passed on unbuffered (a 60 MB
    upload is never held twice). Every other route keeps `limit`."""

    def __init__(self, app, limit: int, streamed: dict[str, int] | None = None):
        self.app, self.limit = app, limit
        self.streamed = dict(streamed or {})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if "\x00" in path or b"%00" in scope.get("query_string", b""):
            # PostgreSQL cannot store NUL characters: refuse them before any route sees them
            response = error_response(422, "invalid_request", "the URL contains a NUL character")
            return await response(scope, receive, send)
        limit = next((n for prefix, n in self.streamed.items() if path.startswith(prefix)), None)
        streamed = limit is not None and scope.get("method") == "POST"
        limit = limit if streamed else self.limit
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = True
                if too_big:
                    return await self._refuse(scope, receive, send, limit)
        if streamed:
            return await self.app(scope, receive, send)
        # read the whole body first (at most `limit` bytes are ever held), so an oversized
        # streamed body is answered 413 before any route parses it
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return await self._refuse(scope, receive, send, self.limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send, limit: int):
        response = error_response(413, "request_too_large", f"the request body is larger than {limit} bytes")
        await response(scope, receive, send)


def create_app(settings: ServerSettings | None = None, *, database: Database | None = None) -> FastAPI:
    """The server app. `database` lets a caller share an already open database (tests, benchmarks)."""
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = database or Database(open_database(settings.db_url))
        app.state.db = db
        app.state.auth_cache = {}
        app.state.auth_cache_seconds = settings.auth_cache_seconds
        credentials = app.state.credentials = CredentialWatcher(db, app.state.auth_cache,
                                                                settings.feed_poll_interval)
        credentials.start()
        app.state.notifier = FeedNotifier(db, settings.feed_poll_interval)
        app.state.push_writer = PushWriter(db) if db.is_sqlite else None
        await app.state.notifier.start()
        compactor = Compactor(db, settings.compact_first_delay, settings.compact_every)
        compactor.start()
        try:
            yield
        finally:
            await compactor.stop()
            await credentials.stop()
            await app.state.notifier.stop()
            if app.state.push_writer is not None:
                app.state.push_writer.stop()
            if database is None:
                db.engine.dispose()

    app = FastAPI(title="Plateau central server", version=__version__, lifespan=lifespan,
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs", redoc_url=None)
    install_handlers(app)
    from plateau.server.routes import health, persons, reports, reservations, sites, sync

    for module in (health, sync, reservations, sites, persons, reports):
        app.include_router(module.router, prefix=API_PREFIX)
    try:  # the imports router is built apart (plateau.server.imports)
        imports = importlib.import_module("plateau.server.routes.imports")
    except ModuleNotFoundError as exc:
        if exc.name != "plateau.server.routes.imports":
            raise
    else:
        app.include_router(imports.router, prefix=API_PREFIX)
    from plateau.server import web  # the office's pages (and their static files)

    web.mount(app)
    imports_limit = max(settings.max_import_bytes, settings.max_body_bytes)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes,
                       streamed={f"{API_PREFIX}/admin/imports/": imports_limit})
    return app
