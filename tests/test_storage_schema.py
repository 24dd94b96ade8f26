"""Engine, migrations and schema: on SQLite and on a real PostgreSQL 15."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage import db
from storage.models import AuditEntry, Base, Collectivity, SourceItem

TABLES = {
    "collectivity",
    "source_item",
    "document",
    "flag",
    "audit_entry",
    "dossier_state",
    "app_user",
}


def _diff(engine: Engine, metadata: sa.MetaData) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))


def test_upgrade_creates_schema_matching_models(empty_db_url: str) -> None:
    engine = db.make_engine(empty_db_url)
    try:
        assert db.current_revision(engine) is None
        assert not db.is_up_to_date(engine)
        db.upgrade(empty_db_url)
        assert db.current_revision(engine) == db.head_revision() == "0003_users_first_received"
        assert db.is_up_to_date(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert _diff(engine, Base.metadata) == []
        db.upgrade(engine)  # idempotent
        assert db.is_up_to_date(engine)
    finally:
        engine.dispose()


def test_compare_detects_a_model_the_migrations_lack(engine: Engine) -> None:
    """The no-diff assertion above can fail: a column missing from the migrations shows."""
    metadata = sa.MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["collectivity"].append_column(sa.Column("mayor", sa.String(80)))
    diffs = _diff(engine, metadata)
    assert any(d[0] == "add_column" and d[3].name == "mayor" for d in diffs)  # type: ignore[index]


def test_downgrade_to_base_and_up_again(empty_db_url: str) -> None:
    db.upgrade(empty_db_url)
    db.downgrade(empty_db_url, "base")
    engine = db.make_engine(empty_db_url)
    try:
        assert not (TABLES & set(inspect(engine).get_table_names()))
        db.upgrade(engine, "0001_initial")
        assert db.current_revision(engine) == "0001_initial"
        db.upgrade(engine)
        assert _diff(engine, Base.metadata) == []
    finally:
        engine.dispose()


def test_alembic_ini_for_developers(tmp_path: Path) -> None:
    ini = Path(db.__file__).parent / "alembic.ini"
    url = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    cfg = Config(str(ini), cmd_opts=None)
    cfg.cmd_opts = type("Opts", (), {"x": [f"url={url}"]})()  # as `-x url=...`
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises when models and migrations disagree
    engine = db.make_engine(url)
    try:
        assert db.is_up_to_date(engine)
    finally:
        engine.dispose()


def _insert_audit(engine: Engine) -> int:
    with db.session(engine) as s:
        entry = AuditEntry(actor="system:test", action="create", entity="x", entity_id=1)
        s.add(entry)
        s.flush()
        assert entry.id is not None
        return entry.id


def test_audit_log_refuses_update_and_delete(engine: Engine) -> None:
    entry_id = _insert_audit(engine)
    for statement in (
        sa.text("UPDATE audit_entry SET actor = 'mallory' WHERE id = :id"),
        sa.text("DELETE FROM audit_entry WHERE id = :id"),
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(statement, {"id": entry_id})
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE audit_entry"))
    with db.session(engine, readonly=True) as s:
        entry = s.get(AuditEntry, entry_id)
        assert entry is not None and entry.actor == "system:test"
    with db.session(engine) as s:  # the ORM cannot change it either
        entry = s.get(AuditEntry, entry_id)
        assert entry is not None
        entry.comment = "rewritten"
        s.add(entry)
        with pytest.raises(DBAPIError, match="append-only"):
            s.flush()
        s.rollback()


def test_datetimes_round_trip_aware_utc(engine: Engine) -> None:
    paris = ZoneInfo("Europe/Paris")
    received = dt.datetime(2022, 1, 15, 23, 30, 5, 123456, tzinfo=paris)  # 22:30:05 UTC
    with db.session(engine) as s:
        item = SourceItem(
            sha256="a" * 64,
            size=1,
            origin="scan",
            origin_ref="a" * 64,
            channel="registered_mail",
            received_at=received,
            received_at_source="file_time",
        )
        s.add(item)
        s.flush()
        item_id = item.id
    with db.session(engine, readonly=True) as s:
        back = s.get(SourceItem, item_id)
        assert back is not None and back.received_at is not None
        assert back.received_at == received
        assert back.received_at.tzinfo == dt.UTC
        assert back.received_at.hour == 22 and back.received_at.microsecond == 123456
        assert back.created_at.tzinfo == dt.UTC
    with engine.connect() as conn:  # ordering in SQL compares instants, not local strings
        later = dt.datetime(2022, 1, 15, 22, 40, tzinfo=dt.UTC)
        rows = conn.execute(
            sa.select(SourceItem.__table__.c.id).where(  # type: ignore[attr-defined]
                SourceItem.__table__.c.received_at < later  # type: ignore[attr-defined]
            )
        ).all()
        assert [r[0] for r in rows] == [item_id]


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.session(engine) as s:
        s.add(
            SourceItem(
                sha256="b" * 64,
                size=1,
                origin="scan",
                origin_ref="b",
                channel="registered_mail",
                received_at=dt.datetime(2022, 1, 15, 10, 0),
                received_at_source="file_time",
            )
        )
        s.flush()


def test_constraints_hold_in_the_database(engine: Engine) -> None:
    bad_rows = [
        Collectivity(code="44109", name="Nantes", department="44", kind="ville"),
        SourceItem(sha256="c" * 64, size=1, origin="fax", origin_ref="x", channel="email"),
    ]
    for row in bad_rows:
        with pytest.raises(IntegrityError), db.session(engine) as s:
            s.add(row)
            s.flush()
    with db.session(engine) as s:
        s.add(Collectivity(code="44109", name="Nantes", department="44", kind="commune"))
    with pytest.raises(IntegrityError), db.session(engine) as s:
        s.add(Collectivity(code="44109", name="Nantes bis", department="44", kind="commune"))
        s.flush()
    with pytest.raises(IntegrityError), db.session(engine) as s:  # foreign keys are on
        s.add(
            SourceItem(
                sha256="d" * 64,
                size=1,
                origin="attachment",
                origin_ref="x",
                channel="email",
                parent_id=999,
            )
        )
        s.flush()


def test_session_commits_or_rolls_back(engine: Engine) -> None:
    with pytest.raises(RuntimeError), db.session(engine) as s:
        s.add(Collectivity(code="44001", name="Abbaretz", department="44", kind="commune"))
        s.flush()
        raise RuntimeError("boom")
    with db.session(engine) as s:
        assert s.get(Collectivity, 1) is None
        s.add(Collectivity(code="44001", name="Abbaretz", department="44", kind="commune"))
    with db.session(engine, readonly=True) as s:
        row = s.exec(sa.select(Collectivity)).first()  # type: ignore[call-overload]
        assert row is not None and row[0].name == "Abbaretz"


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        engine.dispose()


def test_sqlite_writers_wait_for_each_other(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a second writer waits (busy timeout), then proceeds."""
    import threading

    url = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        started = threading.Event()
        errors: list[BaseException] = []

        def slow_writer() -> None:
            try:
                with db.session(engine) as s:
                    s.add(Collectivity(code="44001", name="A", department="44", kind="commune"))
                    s.flush()
                    started.set()
                    threading.Event().wait(0.5)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                started.set()

        thread = threading.Thread(target=slow_writer)
        thread.start()
        started.wait(5)
        with db.session(engine) as s:  # would raise "database is locked" without waiting
            s.add(Collectivity(code="44002", name="B", department="44", kind="commune"))
        thread.join()
        assert not errors
        with db.session(engine, readonly=True) as s:
            assert len(s.exec(sa.select(Collectivity)).all()) == 2  # type: ignore[call-overload]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@localhost/db", "unsupported database"),
        ("postgresql+psycopg2://x@localhost/db", "unsupported PostgreSQL driver"),
        ("not a url", "invalid database URL"),
    ],
)
def test_bad_database_urls(url: str, message: str) -> None:
    with pytest.raises(db.DatabaseURLError, match=message):
        db.make_engine(url)


def test_concurrent_upgrades(empty_db_url: str) -> None:
    """Every command migrates on start: several processes at once must all succeed."""
    import subprocess
    import sys

    code = "import sys; from storage.db import upgrade; upgrade(sys.argv[1])"
    root = Path(db.__file__).resolve().parent.parent
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, empty_db_url],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    engine = db.connect(empty_db_url)
    try:
        assert db.is_up_to_date(engine) and _diff(engine, Base.metadata) == []
    finally:
        engine.dispose()


def test_unreachable_databases(tmp_path: Path) -> None:
    with pytest.raises(db.DatabaseURLError, match="does not exist"):
        db.make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/x?connect_timeout=2"
    with pytest.raises(db.DatabaseUnavailableError, match="cannot connect") as info:
        db.upgrade(url)
    assert "secret" not in str(info.value)


def test_plain_postgresql_url_uses_psycopg() -> None:
    engine = db.make_engine("postgresql://u:p%40ss@127.0.0.1:1/x")
    assert engine.dialect.driver == "psycopg"
    assert engine.url.password == "p@ss"
    engine.dispose()


def test_sqlite_connect_waits_while_another_process_holds_a_new_database(
    tmp_path: Path,
) -> None:
    """Switching a new SQLite file to WAL needs its exclusive lock, and while another
    connection holds the write lock (a migration under way) SQLite fails at once instead
    of waiting on the busy timeout: the connection waits for it, and does not fail with
    "database is locked" (test_concurrent_upgrades failed so 2 runs in 15)."""
    import sqlite3
    import threading
    import time

    path = tmp_path / "new.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE t (x INTEGER)")
    released = threading.Event()

    def release() -> None:
        time.sleep(0.5)
        holder.execute("COMMIT")
        released.set()

    threading.Thread(target=release).start()
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert released.is_set()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
        released.wait(5)
        holder.close()
