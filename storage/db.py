"""Engines, sessions and migrations.

``make_engine(url)`` gives a configured engine (SQLite: WAL, foreign keys, 30 s busy
timeout, real transactions; PostgreSQL through psycopg 3), ``upgrade(url_or_engine)``
brings the schema to the latest Alembic revision, ``session(engine)`` is a unit of work.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseURLError(ValueError):
    """A database URL that cannot be used; the message says why."""


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be reached (server down, wrong credentials, unreadable file)."""


# Any constant: serializes concurrent ``upgrade()`` calls on one PostgreSQL database.
_MIGRATION_LOCK_ID = 734_002_122


def _normalize_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(f"invalid database URL: {url!r}") from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgresql":
        if driver not in ("", "psycopg"):
            raise DatabaseURLError(
                f"unsupported PostgreSQL driver {driver!r}: use postgresql+psycopg://"
            )
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseURLError(f"directory of the SQLite database does not exist: {parent}")
        return url
    raise DatabaseURLError(f"unsupported database {backend!r}: use sqlite or postgresql+psycopg")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    SQLite connections get ``journal_mode=WAL``, ``foreign_keys=ON`` and a 30 s
    ``busy_timeout``. pysqlite's own transaction handling is replaced by explicit
    ``BEGIN IMMEDIATE`` (writers queue on the busy timeout instead of failing on a stale
    read snapshot, and DDL is transactional); pass ``execution_options={"sqlite_begin":
    "DEFERRED"}`` on a connection or use ``session(engine, readonly=True)`` for readers.
    """
    url = _normalize_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            _set_wal(cur)
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"invalid sqlite_begin mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _set_wal(cur: Any) -> None:
    """Switch the database to WAL. The switch takes an exclusive lock and SQLite does not
    wait on the busy timeout for it: while another process creates or migrates a new
    database it fails at once ("database is locked", 2 runs in 15 of two processes
    starting on an empty file), so it is tried again until the busy timeout is spent."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


@contextmanager
def session(engine: Engine, *, readonly: bool = False) -> Iterator[Session]:
    """A unit of work: commits when the block ends normally, rolls back on an exception.

    ``readonly=True`` starts SQLite transactions DEFERRED (they never wait for the write
    lock) and rolls back at the end instead of committing.
    """
    bind: Engine = engine.execution_options(sqlite_begin="DEFERRED") if readonly else engine
    with Session(bind, expire_on_commit=False) as s:
        try:
            yield s
            if readonly:
                s.rollback()
            else:
                s.commit()
        except BaseException:
            s.rollback()
            raise


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration built in code (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` (default: the latest)."""
    _run(url_or_engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(url_or_engine: str | Engine, revision: str) -> None:
    """Run the Alembic migrations down to ``revision`` (for developers and tests)."""
    _run(url_or_engine, lambda cfg: command.downgrade(cfg, revision))


def connect(url: str, *, migrate: bool = True) -> Engine:
    """An engine on ``url`` whose schema is up to date (``migrate=False``: as it is)."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return engine


def _connect(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except OperationalError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailableError(f"cannot connect to {url}: {exc.orig}") from exc


# Alembic's ``context`` is module-global: one migration at a time in a process (other
# processes are kept out by BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL).
_ALEMBIC_LOCK = threading.Lock()


def _run(url_or_engine: str | Engine, action: Any) -> None:
    own = isinstance(url_or_engine, str)
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with _ALEMBIC_LOCK, _connect(engine) as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # Table rebuilds of batch migrations must not trip foreign keys; the
                # pragma only works outside a transaction, and is checked afterwards.
                set_sqlite_foreign_keys(conn, on=False)
            try:
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_ID})")
                    cfg = alembic_config()
                    cfg.attributes["connection"] = conn
                    action(cfg)
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise RuntimeError(f"foreign key violations after migration: {broken}")
            finally:
                if sqlite:
                    set_sqlite_foreign_keys(conn, on=True)
    finally:
        if own:
            engine.dispose()


def set_sqlite_foreign_keys(conn: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign key enforcement, outside any transaction (the pragma is
    a no-op inside one, and going through SQLAlchemy would begin one)."""
    if conn.in_transaction():
        raise RuntimeError("PRAGMA foreign_keys must be set outside a transaction")
    conn.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}"
    )


def current_revision(engine: Engine) -> str | None:
    """The schema's current Alembic revision (None on an empty database)."""
    with _connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
