"""Shared fixtures.

Databases: ``db_url`` is a fresh, migrated database per test, parametrized over SQLite
(a file in the test's tmp dir) and PostgreSQL 15 (a new database on a throwaway cluster
started once per test session, marked ``postgres``); ``empty_db_url`` is the same but not
migrated; ``engine`` is ``make_engine(db_url)``. Deselect PostgreSQL with
``-m "not postgres"``. Without the PostgreSQL binaries the postgres tests fail (they do
not skip): ``make test`` installs them, or point ``INTAKE_PG_BIN`` at them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sources.dovecot import free_port

pytest_plugins = ["tests.dovecot", "tests.prefect_server"]

PG_BIN = Path(os.environ.get("INTAKE_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster of our own: data and sockets in a temporary directory,
    listening on 127.0.0.1 only, trust authentication, fsync off (throwaway)."""

    base: Path
    port: int = 0
    _as_postgres: list[str] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _template: str | None = None
    _started: bool = False

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as_postgres, *args], capture_output=True, text=True, timeout=120, check=False
        )

    def start(self) -> None:
        missing = [b for b in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / b).is_file()]
        if missing:
            pytest.fail(
                f"PostgreSQL 15 is needed by the tests marked 'postgres' but {PG_BIN} has no "
                f"{', '.join(missing)}: install it (`make test` installs the Debian package "
                "postgresql), or set INTAKE_PG_BIN to its bin directory.",
                pytrace=False,
            )
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.base, PG_USER, PG_USER)
            self._as_postgres = ["runuser", "-u", PG_USER, "--"]
        result = self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            PG_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            pytest.fail(f"initdb failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
        for _attempt in range(5):
            self.port = free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200"
            )
            result = self._run(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "start",
            )
            if result.returncode == 0:
                self._started = True
                return
            time.sleep(0.2)
        log = self.log.read_text(errors="replace") if self.log.exists() else ""
        pytest.fail(f"PostgreSQL did not start:\n{result.stderr}\n{log[-3000:]}", pytrace=False)

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=PG_USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, *, migrated: bool = False) -> str:
        """A new database (empty, or a copy of a migrated template); returns its URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        if migrated:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template()}" STRATEGY FILE_COPY')
        else:
            self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def template(self) -> str:
        """A database migrated to the latest revision, copied by ``create_database``."""
        if self._template is None:
            from storage.db import upgrade

            self._admin('CREATE DATABASE "intake_template"')
            upgrade(self.url("intake_template"))  # disposes its engine: no connection left
            self._template = "intake_template"
        return self._template


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    base = Path(tempfile.mkdtemp(prefix="intake-pg-"))
    cluster = PostgresCluster(base)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the latest revision, copied for each test."""
    from storage.db import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with no tables, on each backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to the latest revision, on each backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "intake.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database(migrated=True)
    yield url
    cluster.drop_database(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    from storage.db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()
