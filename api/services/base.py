"""What every service shares: the database, and reading one record by its id.

Each service holds its process's one :class:`~api.services.session.Database` and opens a short
transaction per call on it. The services of a resource with an id of its own (datasets, jobs,
keys) also read one record the same way: :meth:`RecordService.get` answers ``None`` when there is
no such record (the caller decides what that means), :meth:`RecordService.require` raises
:class:`~api.services.errors.NotFoundError` (a 404 for an HTTP caller). Writing that once keeps
every resource's 404 worded alike (``no job 'job_...'``).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from api.models import Base
from api.services.errors import NotFoundError
from api.services.session import Database

R = TypeVar("R", bound=Base)


class Service:
    """A service over one database.

    Parameters
    ----------
    db
        The database.
    """

    def __init__(self, db: Database):
        self.db = db


class RecordService(Service, Generic[R]):
    """A service of one kind of record, each read by its primary key.

    Attributes
    ----------
    model : type
        The record class (a mapped model of :mod:`api.models`); set by the subclass.
    noun : str
        What the record is called in a :class:`NotFoundError` (``"job"``); set by the subclass.
    """

    model: type[R]
    noun: str

    def get(self, record_id: str) -> R | None:
        """The record ``record_id``, or ``None``."""
        with self.db.reading() as s:
            return s.get(self.model, record_id)

    def require(self, record_id: str) -> R:
        """The record ``record_id``.

        Raises
        ------
        NotFoundError
            When there is none.
        """
        record = self.get(record_id)
        if record is None:
            raise NotFoundError(self.noun, record_id)
        return record
