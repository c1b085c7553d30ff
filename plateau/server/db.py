"""The server's database: an engine from a URL (SQLite file by default, PostgreSQL by URL),
Alembic migrations applied at start, and the sessions every request and command uses.

SQLite: WAL, ``synchronous=FULL``, and writers take the write lock up front (``BEGIN
IMMEDIATE``) so two writers never deadlock on a lock upgrade. PostgreSQL: psycopg 3, READ
COMMITTED; writers serialise per site on the site row (see `feed.py`).
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from plateau.errors import UserError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_DB = "plateau-server.db"
# connections kept per server process, as many as the request threads that use them (see
# make_engine); beyond, MAX_OVERFLOW more at a peak, closed after use
POOL_SIZE, MAX_OVERFLOW = 40, 10
ENV_DB = "PLATEAU_SERVER_DB"


class DatabaseError(UserError):
    """The server database cannot be opened or upgraded (message for a person)."""


def resolve_url(url: str | None) -> str:
    """`--db` value, else $PLATEAU_SERVER_DB, else a SQLite file in the current directory.
    A bare path means a SQLite file; ``postgresql://`` means psycopg 3."""
    url = url or os.environ.get(ENV_DB) or DEFAULT_DB
    if "://" not in url:
        return f"sqlite+pysqlite:///{Path(url).expanduser().absolute()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def require_existing(url: str | None) -> None:
    """Refuse a SQLite database file that does not exist yet: a command that only reads (or
    that needs a school already set up) must not create an empty `plateau-server.db` wherever
    it happens to run. PostgreSQL databases are never created by us: nothing to check."""
    full = resolve_url(url)
    try:
        parsed = make_url(full)
    except ArgumentError:
        return  # open_database says what is wrong with it
    path = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not Path(path).exists():
        given = "--db" if url else (f"${ENV_DB}" if os.environ.get(ENV_DB) else "the default")
        raise DatabaseError(f"no server database at {path} ({given}): give --db PATH or URL, or set {ENV_DB} "
                            "(`plateau admin site add` creates a new one)")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    # pysqlite's implicit transactions are off; a writer asks for BEGIN IMMEDIATE (see module doc)
    immediate = conn.get_execution_options().get("plateau_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (resolved by `resolve_url`), without touching the schema."""
    full = resolve_url(url)
    try:
        parsed = make_url(full)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not Path(db).parent.is_dir():
            raise DatabaseError(f"the folder for the server database does not exist: {Path(db).parent}")
        engine = create_engine(full, connect_args={"isolation_level": None, "check_same_thread": False,
                                                   "timeout": 30},
                               pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError(f"unsupported database {parsed.get_backend_name()!r} (use a SQLite path or postgresql://)")
    # Each process keeps POOL_SIZE connections open (plus MAX_OVERFLOW at a peak, closed again
    # after use, and the feed listener's own): opening a PostgreSQL connection forks a backend,
    # and a pool smaller than the request threads that use it (40) was measured opening and
    # closing connections all the time under load. docs/install-server.md sizes max_connections.
    return create_engine(full, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_pre_ping=True)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    # Alembic narrates every plugin it loads at INFO: not an event an operator needs in the log
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger("alembic").level))
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_database(url: str | None = None, *, migrate: bool = True) -> Engine:
    """Open the server database and bring its schema to the newest revision."""
    engine = make_engine(url)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise DatabaseError(f"cannot open the server database: {str(exc.orig).strip().splitlines()[0]}") from exc
        except Exception as exc:
            log.exception("migration failed")
            raise DatabaseError(f"cannot upgrade the server database: {exc}") from exc
    return engine


class Database:
    """Sessions on one engine. Thread-safe: any request thread may call it."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._factory = sessionmaker(engine, expire_on_commit=False)
        # PostgreSQL reads that are not a transaction: no BEGIN and no ROLLBACK round trips. Under
        # READ COMMITTED every statement sees its own snapshot anyway, so a read loses nothing.
        self._autocommit = self._factory if self.is_sqlite else sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
        # called with the set of site ids whose feed grew, after each commit (long-poll wake-up)
        self.commit_listeners: list = []
        # SQLite has one writer at a time. Writers of this process queue on this lock instead of
        # on SQLite's busy handler, which polls with sleeps of up to 100 ms under contention.
        self._sqlite_writer = threading.Lock() if self.is_sqlite else None

    @contextmanager
    def read(self, *, autocommit: bool = False) -> Iterator[Session]:
        """A session that only reads. `autocommit`: for the hot paths' reads (the change feed,
        token checks) on PostgreSQL, each statement on its own; never write through one."""
        with (self._autocommit if autocommit else self._factory)() as session:
            yield session
            session.rollback()

    @contextmanager
    def write(self, connection: Connection | None = None) -> Iterator[Session]:
        """A unit of work: commits on a clean exit, rolls back on an exception. `connection`: one
        the caller keeps between units of work (the push writers': no pool checkout each time)."""
        lock = self._sqlite_writer
        bound = {} if connection is None else {"bind": connection}
        with lock if lock is not None else nullcontext(), self._factory(**bound) as session:
            if self.is_sqlite:
                session.connection(execution_options={"plateau_immediate": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            sites = session.info.pop("feed_sites", None)
            session.info.pop("locked_sites", None)
            if sites:
                for listener in self.commit_listeners:
                    listener(frozenset(sites))

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
