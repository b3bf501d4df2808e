"""Tests of allocator.synth.draws: exact counts stay inside their ranges at any size, amounts land
in their bands, partitions and rescaled counts add up."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.synth.draws import (
    banded_amounts,
    cents,
    exact_count,
    exact_labels,
    partition,
    pick_by_probability,
    rescale_counts,
    top_k,
)


@pytest.mark.parametrize("n", [1, 7, 150, 2_000, 1_000_003])
def test_exact_count_stays_inside_its_bounds(n: int) -> None:
    bounds = (0.004, 0.006)
    count = exact_count(n, 0.005, bounds)
    lo, hi = np.ceil(bounds[0] * n - 1e-9), np.floor(bounds[1] * n + 1e-9)
    if lo <= hi:  # some whole count is inside the range: it is the one
        assert lo <= count <= hi
    else:  # none is (a tiny bank): plain rounding
        assert count == round(0.005 * n)


def test_exact_labels_have_exact_counts() -> None:
    labels = exact_labels(1_000, [3, 40, 100], np.random.default_rng(0))
    assert np.bincount(labels).tolist() == [3, 40, 100, 857]
    with pytest.raises(ValueError):
        exact_labels(10, [6, 6], np.random.default_rng(0))


def test_banded_amounts_land_in_their_bands_as_cents() -> None:
    rng = np.random.default_rng(1)
    thresholds = [6_000_000.0, 500_000.0, 200_000.0]  # descending
    amounts, labels = banded_amounts(thresholds, [5, 50, 100], 5_000, (20_000.0, 1.6), 1.5, rng)
    assert np.bincount(labels).tolist() == [5, 50, 100, 4_845]
    upper = np.inf
    for i, lo in enumerate(thresholds):
        band = amounts[labels == i]
        assert ((band >= lo) & (band < upper)).all()
        upper = lo
    assert (amounts[labels == 3] < thresholds[-1]).all()
    assert np.allclose(amounts * 100, np.round(amounts * 100))  # whole cents


def test_cents_never_lift_an_amount() -> None:
    x = np.array([199_999.999, 0.015, 5.0])
    assert (cents(x) <= x).all()
    assert cents(x).tolist() == [199_999.99, 0.01, 5.0]


@pytest.mark.parametrize("total", [0, 1, 5, 17, 400])
def test_partition_adds_up(total: int) -> None:
    parts = partition(total, (2, 4), 3, np.random.default_rng(total))
    assert int(parts.sum()) == total
    if total >= 3:
        assert parts.size >= 3


def test_rescale_counts_hits_the_total() -> None:
    counts = np.array([10, 0, 3, 7], dtype=np.int64)
    out = rescale_counts(counts, 57, np.random.default_rng(2))
    assert int(out.sum()) == 57 and out[1] == 0
    assert int(rescale_counts(np.zeros(3, np.int64), 4, np.random.default_rng(2)).sum()) == 4


def test_top_k_is_distinct_and_bounded() -> None:
    picked = top_k(np.zeros(10), 4, np.random.default_rng(3))
    assert len(set(picked.tolist())) == 4
    assert top_k(np.zeros(3), 10, np.random.default_rng(3)).size == 3
    assert top_k(np.zeros(3), 0, np.random.default_rng(3)).size == 0


def test_pick_by_probability_respects_allowed() -> None:
    rng = np.random.default_rng(4)
    out = pick_by_probability({"a": 0.9, "b": 0.1}, 200, rng, allowed=["b"])
    assert set(out) == {"b"}
    assert set(pick_by_probability({"a": 1.0}, 5, rng, allowed=["c"])) == {"c"}
