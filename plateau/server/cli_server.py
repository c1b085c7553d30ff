"""`plateau server [--db URL] [--host H] [--port P] [--workers N]`: the central server under uvicorn.

The composition root of the server process: the settings (`settings.ServerSettings`, from the
command line and the environment, checked) built once here, the database opened and upgraded
before the port is bound (a bad URL fails fast with one line), then uvicorn serving
`create_app(settings)` on the main thread's event loop.

`--workers N` (PostgreSQL only): this process binds the port, then uvicorn's supervisor starts N
worker processes (spawned, so each builds its own app in `worker_app` from the settings this
process checked, handed over in the environment) that accept on the shared socket, and restarts
a worker that dies. Long-polls, wake-ups and the once-per-database jobs are correct across
processes on PostgreSQL only (LISTEN/NOTIFY, advisory lock: `pg_listen.py`); SQLite has one
writer, and its wake-ups reach only the process that wrote, so it is refused there.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os

from plateau.errors import UserError

WORKER_SETTINGS = "PLATEAU_SERVER_WORKER_SETTINGS"   # parent -> spawned workers (checked settings, JSON)


def add_arguments(parser: argparse.ArgumentParser, name: str = "server") -> None:
    # defaults live in ServerSettings; None here means "not given" (the environment may fill it)
    parser.add_argument("--db", help="database URL or SQLite path (default: plateau-server.db; "
                                     "PLATEAU_SERVER_DB overrides)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; PLATEAU_SERVER_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8470; PLATEAU_SERVER_PORT)")
    parser.add_argument("--max-body-mb", type=float, help="largest request body accepted (MiB, default 8)")
    parser.add_argument("--max-import-mb", type=float,
                        help="largest import upload accepted (MiB, default 64; each kind has its own lower limit too)")
    parser.add_argument("--auth-cache-seconds", type=float,
                        help="remember a valid token this long (default 1; 0: look it up on every request; "
                             "PLATEAU_SERVER_AUTH_CACHE_SECONDS)")
    parser.add_argument("--body-idle-seconds", type=float,
                        help="answer 408 when no byte of a request body came for this long (default 10)")
    parser.add_argument("--body-seconds", type=float,
                        help="answer 408 when a request body took longer than this (default 60; imports: "
                             "--import-seconds)")
    parser.add_argument("--import-seconds", type=float,
                        help="the longest an import upload may take to arrive (default 600)")
    parser.add_argument("--max-bodies-in-flight", type=int,
                        help="request bodies received at once; 503 beyond (default 32; authenticated callers only)")
    parser.add_argument("--workers", type=int,
                        help="server processes on this port (default 1; more needs PostgreSQL; PLATEAU_SERVER_WORKERS)")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))


def run(args: argparse.Namespace) -> int:
    from plateau.logs import setup_logging
    from plateau.server.settings import ServerSettings

    settings = ServerSettings.from_args(args)   # a bad value stops here, with one line
    # next: importing the app (alembic, fastapi) already logs at DEBUG
    setup_logging("server", settings.log_level.upper())
    import uvicorn

    from plateau import __version__
    from plateau.server.app import create_app
    from plateau.server.db import Database, open_database

    database = Database(open_database(settings.db_url))  # fail fast, before binding the port
    log = logging.getLogger("plateau.server")
    log.info("plateau server %s: database %s", __version__, database.engine.url.render_as_string(hide_password=True))
    log.debug("settings: %s", settings)
    if settings.workers > 1:
        if database.is_sqlite:
            database.engine.dispose()
            raise UserError(f"--workers {settings.workers} needs PostgreSQL: on SQLite run one server process "
                            "(it has one writer, and its wake-ups reach only the process that wrote)")
        database.engine.dispose()   # each worker opens its own pool
        return _run_workers(settings, uvicorn)
    app = create_app(settings, database=database)
    tune_gc()
    config = uvicorn.Config(app, **_uvicorn_options(settings))
    try:
        uvicorn.Server(config).run()
    finally:
        database.engine.dispose()
    return 0


def _uvicorn_options(settings) -> dict:
    # log_config=None: uvicorn's own records go through plateau.logs (one key=value line each)
    # instead of the plain "INFO:     ..." handlers uvicorn would install by default
    return dict(host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False,
                log_config=None, timeout_graceful_shutdown=5, limit_concurrency=4000, backlog=2048)


def _run_workers(settings, uvicorn) -> int:
    from uvicorn.supervisors import Multiprocess

    os.environ[WORKER_SETTINGS] = json.dumps(dataclasses.asdict(settings))
    config = uvicorn.Config("plateau.server.cli_server:worker_app", factory=True, workers=settings.workers,
                            **_uvicorn_options(settings))
    logging.getLogger("plateau.server").info("starting %d worker processes", settings.workers)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
    return 0


def worker_app():
    """The app of one `--workers` process (uvicorn calls it in the spawned process)."""
    from plateau.logs import setup_logging
    from plateau.server.app import create_app
    from plateau.server.db import Database, make_engine
    from plateau.server.settings import ServerSettings

    settings = ServerSettings(**json.loads(os.environ[WORKER_SETTINGS]))
    setup_logging("server", settings.log_level.upper())
    # the parent upgraded the schema already: each worker only opens its pool
    app = create_app(settings, database=Database(make_engine(settings.db_url)))
    tune_gc()
    return app


# The collector's thresholds in a serving process (CPython's default: 700, 10, 10). With 2,000
# stations long-polling, the objects of their connections live long; at the defaults a full
# collection ran every few seconds and paused every thread for 200-260 ms (measured: the push
# p99 of the 2,000-station benchmark was those pauses). Fewer young collections, full ones ten
# times rarer; cycles are still collected, later.
GC_THRESHOLDS = (5000, 20, 100)


def tune_gc() -> None:
    """Once the app is built: move what importing and building it made (modules, classes, the
    app's routes and tables: most of the heap, never garbage) out of the collector's sight
    (`gc.freeze`), so that a full collection walks only what serving made, and collect rarer."""
    import gc

    from plateau.server.metrics import watch_gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    watch_gc()   # their pauses in /metrics
