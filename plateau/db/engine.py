"""Opening the station replica: pragmas for durability, integrity check, migrations.

Every connection runs in WAL mode with ``synchronous=FULL``: a passage is on disk
(fsynced) when its transaction commits, before the screen shows the answer.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text

# Alembic is imported inside the functions that use it: importing it costs ~0.25 s, which the
# kiosk's start-up (goal: idle screen within 2 s) does not pay when the replica is up to date.

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


class ReplicaError(RuntimeError):
    """The replica cannot be opened or is damaged (message for a person)."""


def _pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _begin(conn) -> None:
    # pysqlite's own transaction handling is off (isolation_level=None below); we emit BEGIN
    # ourselves so that writers take the write lock up front with BEGIN IMMEDIATE: a writer
    # that first read under a shared lock could not upgrade it without a deadlock error.
    # Straight on the DB-API connection: SQLAlchemy's statement machinery cost more than the
    # BEGIN itself, on every badge (benchmarks/bench_decision.py).
    immediate = conn.get_execution_options().get("plateau_immediate", False)
    conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(path: str | Path) -> Engine:
    """An engine on the replica file, without touching the schema."""
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"isolation_level": None, "check_same_thread": False, "timeout": 10},
        pool_size=2, max_overflow=4,
    )
    event.listen(engine, "connect", _pragmas)
    event.listen(engine, "begin", _begin)
    return engine


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def integrity_check(path: str | Path) -> None:
    """Raise ReplicaError if SQLite finds the file damaged (run at start-up)."""
    try:
        con = sqlite3.connect(str(path), timeout=10)
        try:
            rows = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise ReplicaError(f"the station database {path} is not a readable SQLite file: {exc}") from exc
    if rows != [("ok",)]:
        detail = "; ".join(r[0] for r in rows[:3])
        raise ReplicaError(f"the station database {path} is damaged: {detail}")


def open_replica(path: str | Path, *, create: bool = True, migrate: bool = True) -> Engine:
    """Open (and create or upgrade) the replica at `path`; check its integrity first.

    Upgrades run in Alembic migrations that alter tables in place: the passage log and the
    outbox are never dropped, so unsynced passages survive an upgrade.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise ReplicaError(f"no station database at {path} (run `plateau sync --once` first)")
        if not path.parent.is_dir():
            raise ReplicaError(f"the folder for the station database does not exist: {path.parent}")
    else:
        integrity_check(path)
    engine = make_engine(path)
    if migrate:
        try:
            upgrade(engine)
        except Exception as exc:  # a person must read this; the traceback only at DEBUG, so
            # that `plateau check` prints its one line and nothing under it
            log.debug("migration of %s failed", path, exc_info=True)
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
            raise ReplicaError(f"cannot upgrade the station database {path}: {detail[0]}") from exc
    return engine


def check_site(engine: Engine, site: str, source: str = "the configuration") -> None:
    """Refuse a replica that holds another school than the configured `[station] site` (a
    database copied from another station, a typo in station.toml): the kiosk would answer, and
    the daemon sync, with the wrong school's pupils. A replica with no site yet (first sync not
    done) is fine. ReplicaError says which site each side names and what to do."""
    from sqlalchemy import text

    with engine.connect() as conn:
        held = conn.execute(text("SELECT code FROM site LIMIT 1")).scalar()
    if held is not None and site and held.strip().upper() != site.strip().upper():
        path = engine.url.database
        raise ReplicaError(f"the station database {path} holds site {held}, but {source} says "
                           f"[station] site = \"{site}\": fix the site in the configuration, or move this "
                           "database away and run `plateau sync --once` to fetch the right school")


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def checkpoint(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
