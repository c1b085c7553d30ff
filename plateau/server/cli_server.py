"""`plateau server [--db URL] [--host H] [--port P]`: the central server under uvicorn.

The composition root of the server process: settings from the command line and environment,
the database opened and upgraded before the port is bound (a bad URL fails fast with one
line), then uvicorn serving `create_app` on the main thread's event loop.
"""

from __future__ import annotations

import argparse
import logging
import os

from plateau.errors import UserError


def add_arguments(parser: argparse.ArgumentParser, name: str = "server") -> None:
    parser.add_argument("--db", help="database URL or SQLite path (default: plateau-server.db; "
                                     "PLATEAU_SERVER_DB overrides)")
    parser.add_argument("--host", default=os.environ.get("PLATEAU_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PLATEAU_SERVER_PORT", "8470")))
    parser.add_argument("--max-body-mb", type=float, default=8.0, help="largest request body accepted (MiB)")
    parser.add_argument("--max-import-mb", type=float, default=64.0,
                        help="largest import upload accepted (MiB; each kind has its own lower limit too)")
    parser.add_argument("--auth-cache-seconds", type=float,
                        default=float(os.environ.get("PLATEAU_SERVER_AUTH_CACHE_SECONDS", "1")),
                        help="remember a valid token this long (0: look it up on every request)")
    parser.add_argument("--body-idle-seconds", type=float, default=10.0,
                        help="answer 408 when no byte of a request body came for this long")
    parser.add_argument("--body-seconds", type=float, default=60.0,
                        help="answer 408 when a request body took longer than this (imports: --import-seconds)")
    parser.add_argument("--import-seconds", type=float, default=600.0,
                        help="the longest an import upload may take to arrive")
    parser.add_argument("--max-bodies-in-flight", type=int, default=32,
                        help="request bodies received at once; 503 beyond (authenticated callers only)")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))


def run(args: argparse.Namespace) -> int:
    from plateau.logs import setup_logging

    if not 0 < args.port < 65536:
        raise UserError(f"--port must be 1 to 65535, got {args.port}")
    # first: importing the app (alembic, fastapi) already logs at DEBUG
    level = "debug" if getattr(args, "debug", False) else args.log_level
    setup_logging("server", level.upper())
    import uvicorn

    from plateau import __version__
    from plateau.server.app import ServerSettings, create_app
    from plateau.server.db import Database, open_database

    database = Database(open_database(args.db))  # fail fast, before binding the port
    settings = ServerSettings(db_url=args.db, max_body_bytes=int(args.max_body_mb * 1024 * 1024),
                              max_import_bytes=int(args.max_import_mb * 1024 * 1024),
                              auth_cache_seconds=max(0.0, args.auth_cache_seconds),
                              body_idle_seconds=args.body_idle_seconds, body_seconds=args.body_seconds,
                              import_body_seconds=args.import_seconds, max_bodies_in_flight=args.max_bodies_in_flight)
    log = logging.getLogger("plateau.server")
    log.info("plateau server %s: database %s", __version__, database.engine.url.render_as_string(hide_password=True))
    log.debug("settings: %s", settings)
    app = create_app(settings, database=database)
    # log_config=None: uvicorn's own records go through plateau.logs (one key=value line each)
    # instead of the plain "INFO:     ..." handlers uvicorn would install by default
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=level, access_log=False,
                            log_config=None,
                            timeout_graceful_shutdown=5, limit_concurrency=4000, backlog=2048)
    try:
        uvicorn.Server(config).run()
    finally:
        database.engine.dispose()
    return 0
