"""The central server's settings: one typed object, built once by `plateau server`'s main.

`ServerSettings.from_args(args, environ)` reads the command line, then the environment
(`PLATEAU_SERVER_DB`, `PLATEAU_SERVER_HOST`, `PLATEAU_SERVER_PORT`,
`PLATEAU_SERVER_AUTH_CACHE_SECONDS`, `PLATEAU_SERVER_WORKERS`) for what the command line leaves out, then the defaults;
every value is checked, and a bad one stops the server before it starts with one line saying
which and why. `create_app` and the pieces it builds receive this object (or values from it):
nothing else in the server reads the environment or the command line. Plain data, any thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Mapping

from plateau.errors import UserError

MB = 1024 * 1024
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class ServerSettings:
    """What `plateau server` runs with. Sizes in bytes, durations in seconds."""

    db_url: str | None = None          # None: $PLATEAU_SERVER_DB, else plateau-server.db here
    host: str = "127.0.0.1"
    port: int = 8470
    log_level: str = "info"
    max_body_bytes: int = 8 * MB
    # imports (`POST /admin/imports/{kind}`) take files up to their kind's own limit (64 MiB for
    # SIÈCLE, `imports.source.MAX_BYTES`), checked by the route while it reads; this bounds them all
    max_import_bytes: int = 64 * MB
    feed_poll_interval: float = 0.25   # how often other processes' writes are looked for
    compact_first_delay: float = 600   # feed compaction: first run after start, then every...
    compact_every: float = 6 * 3600
    auth_cache_seconds: float = 1.0    # how long a valid token is remembered (0: checked on every request)
    # request bodies (request_gate.py): 408 when no byte came for body_idle_seconds, or the whole
    # body took longer than body_seconds (import_body_seconds for imports); at most
    # max_bodies_in_flight bodies are received at once (503 beyond)
    body_idle_seconds: float = 10.0
    body_seconds: float = 60.0
    import_body_seconds: float = 600.0
    max_bodies_in_flight: int = 32
    workers: int = 1                   # server processes on one port (PostgreSQL only beyond 1)
    shared_wakeups: bool = True        # False: each woken long-poll reads alone (benchmarks' "before")

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise UserError(f"the port must be 1 to 65535, got {self.port}")
        if self.log_level not in LOG_LEVELS:
            raise UserError(f"the log level must be one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}")
        for name in ("max_body_bytes", "max_import_bytes", "max_bodies_in_flight", "workers"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("feed_poll_interval", "compact_first_delay", "compact_every", "body_idle_seconds",
                     "body_seconds", "import_body_seconds"):
            if not getattr(self, name) > 0:
                raise UserError(f"{name} must be more than 0 seconds, got {getattr(self, name)}")
        if self.auth_cache_seconds < 0:
            raise UserError(f"auth_cache_seconds must not be negative, got {self.auth_cache_seconds}")

    @classmethod
    def from_args(cls, args, environ: Mapping[str, str] | None = None) -> "ServerSettings":
        """From `plateau server`'s parsed arguments, the environment filling what they leave out."""
        env = os.environ if environ is None else environ

        def pick(value, variable: str, kind):
            if value is not None:
                return value
            raw = env.get(variable)
            if raw is None or raw == "":
                return None
            try:
                return kind(raw)
            except ValueError:
                raise UserError(f"{variable}={raw!r} is not a valid {kind.__name__}") from None

        given = {
            "db_url": args.db or env.get("PLATEAU_SERVER_DB") or None,
            "host": pick(args.host, "PLATEAU_SERVER_HOST", str),
            "port": pick(args.port, "PLATEAU_SERVER_PORT", int),
            "log_level": "debug" if getattr(args, "debug", False) else args.log_level,
            "max_body_bytes": None if args.max_body_mb is None else int(args.max_body_mb * MB),
            "max_import_bytes": None if args.max_import_mb is None else int(args.max_import_mb * MB),
            "auth_cache_seconds": pick(args.auth_cache_seconds, "PLATEAU_SERVER_AUTH_CACHE_SECONDS", float),
            "body_idle_seconds": args.body_idle_seconds,
            "body_seconds": args.body_seconds,
            "import_body_seconds": args.import_seconds,
            "max_bodies_in_flight": args.max_bodies_in_flight,
            "shared_wakeups": None if env.get("PLATEAU_SERVER_SHARED_WAKEUPS", "") == "" else
            env["PLATEAU_SERVER_SHARED_WAKEUPS"] not in ("0", "false", "no"),
            "workers": pick(getattr(args, "workers", None), "PLATEAU_SERVER_WORKERS", int),
        }
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in given.items() if v is not None and k in known})
