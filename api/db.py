"""Database engine and schema migrations.

SQLite (the embedded default) runs in WAL mode so the web process reads while a worker writes,
with a busy timeout so writers queue instead of failing, and with every transaction opened ``BEGIN
IMMEDIATE`` when the caller asks for a write session (a deferred read transaction that later writes
can fail at once in WAL mode when another process committed in between). PostgreSQL needs none of
this. Migrations are Alembic's, run programmatically at start-up (``upgrade head``) under a lock so
several processes starting together do not race.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: execution option naming SQLite's BEGIN mode for a connection (see module docstring)
SQLITE_BEGIN = "sqlite_begin"
_PG_MIGRATION_LOCK = 7_423_001  # arbitrary advisory-lock key owned by this service


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """An engine for ``url``, set up for several processes sharing one database.

    Parameters
    ----------
    url
        SQLAlchemy URL. For SQLite the file's folder is created when missing.
    pool
        Keep a connection pool (``False`` for one-shot commands such as ``rmalloc keys``).
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"future": True}
    if not pool:
        kwargs["poolclass"] = NullPool
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
        _setup_sqlite(engine)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(url, **kwargs)
    return engine


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite: we emit BEGIN ourselves (below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def writer(engine: Engine) -> Engine:
    """``engine`` whose transactions take the write lock at BEGIN on SQLite (no-op elsewhere)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    return engine


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration pointing at the packaged migrations (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def at_head(engine: Engine) -> bool:
    """Whether the database schema is at the shipped head."""
    return current_revision(engine) == head_revision()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations across processes: a file lock beside a SQLite file, an advisory lock on
    PostgreSQL."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        lock_path = Path(database).expanduser().with_suffix(".migrate.lock")
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
    else:
        yield


def migrate(engine: Engine) -> None:
    """Bring the schema to head (``alembic upgrade head``); a no-op when it is there already."""
    with _migration_lock(engine):
        if at_head(engine):
            return
        before = current_revision(engine)
        cfg = alembic_config()
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        log.info("database migrated", extra={"from_revision": before, "to": head_revision()})


def ping(engine: Engine) -> None:
    """Raise when the database cannot be reached."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
