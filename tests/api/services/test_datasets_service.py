"""DatasetService against SQLite and PostgreSQL: records, lineage, instances in and out."""

from __future__ import annotations

import pandas as pd
import pytest
from tests_api_helpers import stub_bank  # type: ignore[import-not-found]

from allocator.instance import Instance
from api.services import Services
from api.services.errors import InvalidParameterError, NotFoundError


def _dataset(services: Services, **kw: object) -> str:
    return services.datasets.add(stub_bank(), **kw).id  # type: ignore[arg-type]


def test_records_round_trip_with_lineage(services: Services) -> None:
    datasets = services.datasets
    parent = _dataset(services, name="base")
    child = _dataset(services, parent_id=parent, derivation={"kind": "scenario"})
    got = datasets.get(child)
    assert got is not None and got.parent_id == parent and got.derivation == {"kind": "scenario"}
    assert got.created_at.tzinfo is not None
    assert datasets.tables(child) == {"customers": b"c", "rms": b"r"}
    assert {d.id for d in datasets.page()} == {parent, child}
    assert [d.id for d in datasets.page(limit=1, offset=0)] != [
        d.id for d in datasets.page(limit=1, offset=1)
    ]
    assert datasets.find("base").id == parent  # type: ignore[union-attr]
    assert datasets.count() == 2
    assert datasets.get("nope") is None


def test_missing_dataset_is_a_typed_error(services: Services) -> None:
    with pytest.raises(NotFoundError, match="no dataset 'nope'"):
        services.datasets.require("nope")
    with pytest.raises(InvalidParameterError) as info:
        services.datasets.check_reference("nope")
    assert info.value.field == "dataset_id"
    with pytest.raises(NotFoundError):
        services.datasets.load_instance("nope")


def test_instance_round_trip(services: Services, small_bank: Instance) -> None:
    datasets = services.datasets
    ds = datasets.save_instance(small_bank, name="small", created_by="k1")
    assert (ds.n_customers, ds.n_rms) == (small_bank.n_customers, small_bank.n_rms)
    assert ds.size_bytes > 0 and len(ds.sha256) == 64
    again = datasets.save_instance(small_bank)
    assert again.sha256 == ds.sha256  # same bank, same digest
    loaded = datasets.load_instance(ds.id)
    pd.testing.assert_frame_equal(loaded.customers, small_bank.customers, check_like=True)
    pd.testing.assert_frame_equal(loaded.rms, small_bank.rms, check_like=True)


def test_cached_instance_is_parsed_once(services: Services, small_bank: Instance) -> None:
    ds = services.datasets.save_instance(small_bank)
    first = services.datasets.cached_instance(ds.id)
    assert services.datasets.cached_instance(ds.id) is first
