"""The one way the services talk to the database: a short transaction per call.

Every service method opens its own session and closes it before returning, so a record handed
out is detached and holds no connection: the web process, each worker and the supervisor share
the database and nothing else, and none of them may keep a transaction open across a solve.
Reads and writes get different session factories because SQLite must take its write lock at
``BEGIN`` (see :func:`api.db.writer`): a deferred read transaction that later writes can fail
at once in WAL mode when another process committed in between.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import CursorResult, Engine, Executable
from sqlalchemy.orm import Session, sessionmaker

from api.db import writer


def new_id(prefix: str) -> str:
    """A random, unguessable id with a readable prefix (``ds``, ``job``).

    Ids are public (URLs, logs), so they must not be guessable and must not leak how many
    records exist: a counter would do both.
    """
    return f"{prefix}_{uuid.uuid4().hex}"


def rowcount(session: Session, statement: Executable) -> int:
    """Rows changed by an ``UPDATE``.

    A conditional state change (``UPDATE ... WHERE status = 'running' AND worker_id = ...``)
    knows it won from this count; there is no separate read that could race.
    """
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class Database:
    """An engine and its two session factories: the unit of work of every service.

    Parameters
    ----------
    engine
        The engine (see :func:`api.db.make_engine`); the schema must be at head.

    Notes
    -----
    Sessions do not expire their records on commit, so a record read in one call can be used
    after its session closed (the services return plain detached records, never sessions).
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(writer(engine), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: the queue takes dialect-specific locks."""
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads (no write lock taken on SQLite)."""
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in one transaction that commits on success and rolls back on error."""
        with self._write() as session, session.begin():
            yield session
