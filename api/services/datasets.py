"""Datasets: validated banks stored as Parquet tables, immutable once written.

A dataset is written once (an upload, the sample bank, a scenario's edited bank) and never
changed, so everything read back from one can be cached for good, and a scenario's bank can name
its baseline as ``parent_id`` without fear that the parent moves under it. What is stored is the
*normalised* instance: it reads back through :func:`allocator.validation.load_instance` to an
equal instance.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import func, select

from allocator.instance import Instance
from allocator.policy import Policy
from allocator.validation import load_instance
from api.ingest import StoredBank, from_parquet
from api.models import Dataset, DatasetTable, utcnow
from api.services.base import RecordService
from api.services.errors import InvalidParameterError, NotFoundError
from api.services.session import Database, new_id


class DatasetService(RecordService[Dataset]):
    """Store and read datasets.

    Parameters
    ----------
    db
        The database.
    cache_size
        Parsed instances kept (under the default policy): recommendations ask for the same bank
        again and again, and parsing a large bank takes seconds.
    """

    model, noun = Dataset, "dataset"

    def __init__(self, db: Database, *, cache_size: int = 4):
        super().__init__(db)
        self.cache_size = cache_size
        self._instances: OrderedDict[str, Instance] = OrderedDict()
        self._lock = threading.Lock()

    # -- records ---------------------------------------------------------------------------
    def add(
        self,
        bank: StoredBank,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        derivation: dict[str, Any] | None = None,
        created_by: str | None = None,
    ) -> Dataset:
        """Store a validated bank as a new, immutable dataset and return its record.

        The metadata and the tables are one transaction: no reader ever sees a dataset without
        its tables.
        """
        ds = Dataset(
            id=new_id("ds"),
            name=name,
            created_at=utcnow(),
            created_by=created_by,
            parent_id=parent_id,
            derivation=derivation,
            n_customers=bank.n_customers,
            n_rms=bank.n_rms,
            n_branches=bank.n_branches,
            branches_given=bank.branches_given,
            size_bytes=sum(len(b) for b in bank.tables.values()),
            sha256=bank.sha256,
        )
        with self.db.writing() as s:
            s.add(ds)
            s.flush()
            for table, data in bank.tables.items():
                s.add(DatasetTable(dataset_id=ds.id, name=table, data=data))
        return ds

    def check_reference(self, dataset_id: str, *, field: str = "dataset_id") -> None:
        """Refuse a request that names a dataset that does not exist: the request is at fault
        (a 422 naming ``field``), not a missing resource at its URL (a 404).

        Raises
        ------
        InvalidParameterError
            When there is no such dataset.
        """
        if self.get(dataset_id) is None:
            raise InvalidParameterError(field, f"no dataset {dataset_id!r}")

    def find(self, name: str) -> Dataset | None:
        """The newest dataset called ``name`` (names are labels for people, not unique)."""
        with self.db.reading() as s:
            q = select(Dataset).where(Dataset.name == name).order_by(Dataset.created_at.desc())
            return s.scalars(q.limit(1)).first()

    def page(self, *, limit: int = 100, offset: int = 0) -> list[Dataset]:
        """One page of datasets, newest first (ties by id, so pages are stable)."""
        with self.db.reading() as s:
            q = select(Dataset).order_by(Dataset.created_at.desc(), Dataset.id)
            return list(s.scalars(q.limit(limit).offset(offset)))

    def count(self) -> int:
        with self.db.reading() as s:
            return int(s.scalar(select(func.count()).select_from(Dataset)) or 0)

    def tables(self, dataset_id: str) -> dict[str, bytes]:
        """The stored tables of a dataset by name (``customers``, ``rms``, maybe ``branches``)."""
        with self.db.reading() as s:
            rows = s.execute(
                select(DatasetTable.name, DatasetTable.data).where(
                    DatasetTable.dataset_id == dataset_id
                )
            )
            return {name: bytes(data) for name, data in rows}

    # -- instances -------------------------------------------------------------------------
    def save_instance(
        self,
        instance: Instance,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        derivation: dict[str, Any] | None = None,
        created_by: str | None = None,
    ) -> Dataset:
        """Store a validated instance as a new, immutable dataset (a bank the service derived
        itself: a scenario's edited bank, a re-solve's, the sample bank).

        Branches are stored only when they were given: a derived tree is derived again on
        load, so storing it would freeze one version of the derivation.
        """
        return self.add(
            StoredBank.of(instance),
            name=name,
            parent_id=parent_id,
            derivation=derivation,
            created_by=created_by,
        )

    def load_instance(self, dataset_id: str, policy: Policy | None = None) -> Instance:
        """The instance of a stored dataset, validated under ``policy`` (policy v1 when
        ``None``): a policy may rename grades or list tiers, and the data must fit the policy
        it is solved by.

        Raises
        ------
        NotFoundError
            When the dataset has no stored tables.
        allocator.errors.InputError
            When the data breaks ``policy`` (it was valid under the policy of its upload).
        """
        tables = self.tables(dataset_id)
        if "customers" not in tables or "rms" not in tables:
            raise NotFoundError("dataset", dataset_id)
        branches = from_parquet(tables["branches"]) if "branches" in tables else None
        return load_instance(
            from_parquet(tables["customers"]), from_parquet(tables["rms"]), branches, policy=policy
        )

    def subtrees(self, branch_id: str, *, limit: int = 50) -> set[str]:
        """Every branch below ``branch_id`` in the newest ``limit`` banks that have it (a key
        scoped to a branch reads audit entries of these branches)."""
        from api.scope import subtree

        out: set[str] = set()
        for ds in self.page(limit=limit):
            try:
                out |= subtree(self.cached_instance(ds.id).branches, branch_id)
            except Exception:  # a bank that no longer loads under policy v1: skip it
                continue
        return out

    def cached_instance(self, dataset_id: str) -> Instance:
        """:meth:`load_instance` under policy v1, from the cache of the last few used (a
        dataset never changes, so an entry never goes stale)."""
        with self._lock:
            if dataset_id in self._instances:
                self._instances.move_to_end(dataset_id)
                return self._instances[dataset_id]
        instance = self.load_instance(dataset_id)
        with self._lock:
            self._instances[dataset_id] = instance
            while len(self._instances) > self.cache_size:
                self._instances.popitem(last=False)
        return instance
