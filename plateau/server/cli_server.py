"""`plateau server [--db URL] [--host H] [--port P]`: the central server under uvicorn.

The composition root of the server process: settings from the command line and environment,
the database opened and upgraded before the port is bound (a bad URL fails fast with one
line), then uvicorn serving `create_app` on the main thread's event loop.
"""

from __future__ import annotations

import argparse
import os

from plateau.errors import UserError


def add_arguments(parser: argparse.ArgumentParser, name: str = "server") -> None:
    parser.add_argument("--db", help="database URL or SQLite path (default: plateau-server.db; "
                                     "PLATEAU_SERVER_DB overrides)")
    parser.add_argument("--host", default=os.environ.get("PLATEAU_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PLATEAU_SERVER_PORT", "8470")))
    parser.add_argument("--max-body-mb", type=float, default=8.0, help="largest request body accepted (MiB)")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from plateau.server.app import ServerSettings, create_app
    from plateau.server.db import Database, open_database

    if not 0 < args.port < 65536:
        raise UserError(f"--port must be 1 to 65535, got {args.port}")
    from plateau.logs import setup_logging

    setup_logging("server", "DEBUG" if getattr(args, "debug", False) else args.log_level.upper())
    database = Database(open_database(args.db))  # fail fast, before binding the port
    settings = ServerSettings(db_url=args.db, max_body_bytes=int(args.max_body_mb * 1024 * 1024))
    app = create_app(settings, database=database)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                            timeout_graceful_shutdown=5, limit_concurrency=4000, backlog=2048)
    try:
        uvicorn.Server(config).run()
    finally:
        database.engine.dispose()
    return 0
