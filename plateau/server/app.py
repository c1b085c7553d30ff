"""The FastAPI application of the central server: `create_app(settings)`.

Composition only: the routers (one per resource, under `routes/`), the error handlers, the
request gate (`request_gate.py`: a token before any body, bodies bounded in size, time and
number), and the lifespan that opens the database (upgrading its schema) and runs
the feed watcher. The app runs on uvicorn's event loop; sync routes run on its thread pool.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from plateau import __version__
from plateau.server.auth import CredentialWatcher
from plateau.server.db import Database, open_database
from plateau.server.errors import install_handlers
from plateau.server.family.deps import family_caller
from plateau.server.fast_changes import ChangesFastPath
from plateau.server.group_commit import PushWriter
from plateau.server.family.deps import state_mail_settings, state_now
from plateau.server.family.message_mail import ScheduledMail
from plateau.server.maintenance import Compactor
from plateau.server.notifier import FeedNotifier
from plateau.server.request_gate import RequestGate
from plateau.server.routes import (family, family_messages, family_money, family_phone, health, imports, messages,
                                   metrics, persons, reports, reservations, sites, sync)
from plateau.server.settings import ServerSettings
from plateau.server.web.famille.deps import signed_in as family_signed_in
from plateau.server.web.office.deps import signed_in
from plateau.sync.protocol import API_PREFIX

log = logging.getLogger(__name__)

# the routes that take a body from somebody not yet known (the gate keeps their bodies small and
# few): a family signing in, activating or resetting a password, the payment provider's answers
ANONYMOUS_DOORS = tuple(f"{API_PREFIX}/family/{door}" for door in (
    "session", "activation", "password-reset", "top-ups/"))


def create_app(settings: ServerSettings | None = None, *, database: Database | None = None) -> FastAPI:
    """The server app, configured by `settings` (built once by `plateau server`'s main; the defaults
    otherwise). `database` lets a caller share an already open database (tests, benchmarks)."""
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
        notifier = app.state.notifier = FeedNotifier(db, settings.feed_poll_interval,
                                                          shared=settings.shared_wakeups)
        app.state.push_writer = PushWriter(db)
        await notifier.start()
        credentials.notified = lambda: notifier.listening
        notifier.token_listeners.append(credentials.forget)
        # several processes on one PostgreSQL: only the advisory lock's holder compacts
        compactor = Compactor(db, settings.compact_first_delay, settings.compact_every,
                              leader=lambda: notifier.is_leader)
        compactor.start()
        # messages from the school e-mailed on their first day (also by the leader only)
        mailer = ScheduledMail(db, lambda: state_mail_settings(app.state), lambda: state_now(app.state),
                               leader=lambda: notifier.is_leader)
        mailer.start()
        try:
            yield
        finally:
            await mailer.stop()
            await compactor.stop()
            await credentials.stop()
            await app.state.notifier.stop()
            app.state.push_writer.stop()
            if database is None:
                db.engine.dispose()

    app = FastAPI(title="Plateau central server", version=__version__, lifespan=lifespan,
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs", redoc_url=None)
    install_handlers(app)
    for module in (health, sync, reservations, sites, messages, persons, reports, imports, family, family_money,
                   family_phone, family_messages):
        app.include_router(module.router, prefix=API_PREFIX)
    from plateau.server import web  # the office's pages (and their static files)

    web.mount(app)
    app.include_router(metrics.router)   # /metrics, where Prometheus looks by default
    # inside the gate (it runs after it): station long-polls answered without FastAPI's routing
    app.add_middleware(ChangesFastPath)
    imports_limit = max(settings.max_import_bytes, settings.max_body_bytes)
    app.add_middleware(RequestGate, limit=settings.max_body_bytes,
                       streamed={f"{API_PREFIX}/admin/imports/": imports_limit,
                                 "/office/imports/preview": imports_limit},
                       idle_seconds=settings.body_idle_seconds, total_seconds=settings.body_seconds,
                       streamed_total_seconds=settings.import_body_seconds,
                       max_bodies=settings.max_bodies_in_flight, doors=ANONYMOUS_DOORS,
                       checkers={f"{API_PREFIX}/family/": family_caller}, sessions={"/office/": signed_in, "/famille/": family_signed_in})
    return app
