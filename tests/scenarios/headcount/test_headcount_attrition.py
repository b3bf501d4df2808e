"""Over time as data and draws: quarterly chances, the top RMs leave more, their best customers
follow, customers grow with fractions carried; the same seed, the same quarter."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.errors import InputError
from allocator.instance import Instance
from allocator.policy import Policy
from scenarios.headcount.attrition import (
    Attrition,
    book_values,
    draw_leavers,
    followers,
    load_horizon,
    quarter_of_growth,
    top_rms,
)


def test_quarterly_chance() -> None:
    a = Attrition(annual_rate=0.04, top_share=0.2, top_multiplier=2.0, follow_share=0.1)
    assert a.quarterly(False) == pytest.approx(1 - 0.96**0.25)
    assert a.quarterly(True) == pytest.approx(1 - 0.92**0.25)


def test_the_horizon_file() -> None:
    h = load_horizon({"quarters": 8})
    assert h.quarters == 8 and 0.03 <= h.attrition.annual_rate <= 0.05
    with pytest.raises(InputError, match="horizon"):
        load_horizon({"quarters": 0})


def test_top_books_and_their_followers(small_bank: Instance, policy: Policy) -> None:
    books = book_values(small_bank, policy)
    top = top_rms(books, 0.1)  # 2 of 12 RMs
    assert len(top) == 2 and books[sorted(top)].min() >= books.drop(sorted(top)).max()
    all_out = Attrition(annual_rate=0.0, top_share=0.1, top_multiplier=1.0, follow_share=0.5)
    rm = sorted(top)[0]
    gone = followers(small_bank, policy, [rm], all_out)
    book = small_bank.customers[small_bank.customers["current_rm_id"] == rm]
    assert len(gone) == -(-len(book) // 2) and set(gone) <= set(book["customer_id"])


def test_leavers_are_seeded(small_bank: Instance, policy: Policy) -> None:
    sure = Attrition(annual_rate=0.5, top_share=0.2, top_multiplier=1.0, follow_share=0.0)
    one = draw_leavers(small_bank, policy, sure, np.random.default_rng(4))
    two = draw_leavers(small_bank, policy, sure, np.random.default_rng(4))
    assert one == two and one  # with half leaving a year, some leave this quarter


def test_growth_carries_fractions(small_bank: Instance, policy: Policy) -> None:
    carry: dict[str, float] = {}
    bank, n = quarter_of_growth(small_bank, policy, {"private": 0.2}, carry, seed=1)
    assert n == 0 and carry["private"] == pytest.approx(9 * (1.2**0.25 - 1))  # 0.42 of one
    bank, n = quarter_of_growth(bank, policy, {"private": 0.2}, carry, seed=2)
    bank, n2 = quarter_of_growth(bank, policy, {"private": 0.2}, carry, seed=3)
    assert n + n2 == 1 and len(bank.customers) == len(small_bank.customers) + 1
