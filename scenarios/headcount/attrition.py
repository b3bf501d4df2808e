"""Over time, as data and as draws: who leaves, who follows them out, which customers arrive.

RMs leave (banks weed out 3-5 % a year), the top RMs more often -- and when one does, the best
customers of its book follow (DOMAIN.md, "RM risk"); customers grow tier by tier. The rates are
policy data (``scenarios/data/horizon.yaml``); the draws are seeded, one stream per quarter, so a
plan over quarters is the same from run to run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from allocator.instance import Instance
from allocator.policy import Policy
from allocator.rules import assign_tiers
from scenarios.edits import grow_customers, remove_rms
from scenarios.headcount.bank import active_rms
from scenarios.shipped import load_shipped

#: where the shipped defaults live (package data of ``scenarios``)
DEFAULT_HORIZON = "data/horizon.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Attrition(_Frozen):
    """Who leaves a year, and who follows them (``horizon.yaml`` documents each field)."""

    annual_rate: float = Field(ge=0, lt=1)
    top_share: float = Field(ge=0, le=1)
    top_multiplier: float = Field(ge=1, le=10)
    follow_share: float = Field(ge=0, le=1)

    def quarterly(self, top: bool) -> float:
        """The chance an RM leaves within a quarter (a top RM: ``top_multiplier`` times the
        yearly rate, capped below 1)."""
        annual = min(self.annual_rate * (self.top_multiplier if top else 1.0), 0.99)
        return 1.0 - (1.0 - annual) ** 0.25


class Horizon(_Frozen):
    """A plan over quarters: how many, attrition, growth per tier and year."""

    quarters: int = Field(ge=1, le=12)
    attrition: Attrition
    growth: dict[str, float]


def load_horizon(
    source: str | os.PathLike[str] | Mapping[str, Any] | Horizon | None = None,
) -> Horizon:
    """The shipped horizon with ``source`` (YAML file or mapping) merged over it.

    Raises
    ------
    allocator.errors.InputError
        When the merged horizon does not validate.
    """
    return load_shipped(Horizon, DEFAULT_HORIZON, source, "horizon")


def book_values(instance: Instance, policy: Policy) -> pd.Series:
    """Each active RM's book: the cover value (tier priority) of its customers today."""
    tiers = assign_tiers(instance.customers, policy)
    value = pd.Series(tiers["priority"].to_numpy(dtype=float), index=instance.customers.index)
    book = value.groupby(instance.customers["current_rm_id"]).sum()
    rms = active_rms(instance)
    return pd.Series(rms["rm_id"].map(book).fillna(0.0).to_numpy(), index=rms["rm_id"].to_numpy())


def top_rms(books: pd.Series, share: float) -> set[str]:
    """The RMs of the top ``share`` of books (ties broken by id, so the set is stable)."""
    n = math.ceil(share * len(books) - 1e-9)
    order = sorted(books.index, key=lambda r: (-books[r], r))
    return set(order[:n])


def draw_leavers(
    instance: Instance, policy: Policy, attrition: Attrition, rng: np.random.Generator
) -> list[str]:
    """The RMs in position ``rm`` who leave this quarter (each by its own chance)."""
    rms = active_rms(instance)
    if "position" in rms.columns:
        rms = rms[rms["position"].isin(["rm", ""])]
    books = book_values(instance, policy).reindex(rms["rm_id"]).fillna(0.0)
    top = top_rms(books, attrition.top_share)
    ids = sorted(rms["rm_id"])
    chance = np.array([attrition.quarterly(r in top) for r in ids])
    return [r for r, leave in zip(ids, rng.random(len(ids)) < chance, strict=True) if leave]


def followers(
    instance: Instance, policy: Policy, leavers: list[str], attrition: Attrition
) -> list[str]:
    """Customers who leave the bank with a top leaver: the most valuable ``follow_share`` of
    its book (at least one of a book that has any)."""
    books = book_values(instance, policy)
    top = top_rms(books, attrition.top_share)
    tiers = assign_tiers(instance.customers, policy)
    cust = instance.customers.assign(_value=tiers["priority"].to_numpy(dtype=float))
    out: list[str] = []
    for rm in leavers:
        if rm not in top or attrition.follow_share <= 0:
            continue
        book = cust[cust["current_rm_id"] == rm].sort_values(
            ["_value", "customer_id"], ascending=[False, True]
        )
        n = math.ceil(attrition.follow_share * len(book) - 1e-9)
        out += book["customer_id"].iloc[:n].tolist()
    return out


def quarter_of_attrition(
    instance: Instance, policy: Policy, attrition: Attrition, rng: np.random.Generator
) -> tuple[Instance, list[str], list[str]]:
    """The bank after one quarter's leavers (inactive) and their followers (gone):
    ``(bank, leavers, followers)``."""
    leavers = draw_leavers(instance, policy, attrition, rng)
    gone = followers(instance, policy, leavers, attrition)
    bank = remove_rms(instance, rm_ids=leavers) if leavers else instance
    if gone:
        keep = ~bank.customers["customer_id"].isin(gone)
        bank = bank.replace(customers=bank.customers[keep.to_numpy()].reset_index(drop=True))
    return bank, leavers, gone


def quarter_of_growth(
    instance: Instance,
    policy: Policy,
    growth: Mapping[str, float],
    carry: dict[str, float],
    seed: int,
) -> tuple[Instance, int]:
    """The bank after one quarter's new customers, tier by tier (``carry`` keeps the fractions of
    a customer from quarter to quarter, so small tiers grow too). Returns the bank and how many
    customers arrived."""
    tiers = assign_tiers(instance.customers, policy)["tier"]
    arrived = 0
    for i, (tier, rate) in enumerate(sorted(growth.items())):
        n_tier = int((tiers == tier).sum())
        if n_tier == 0 or rate <= 0:
            continue
        want = n_tier * ((1.0 + rate) ** 0.25 - 1.0) + carry.get(tier, 0.0)
        n_new = math.floor(want + 1e-9)
        carry[tier] = want - n_new
        if n_new > 0:
            instance = grow_customers(
                instance, policy, tier=tier, percent=100.0 * n_new / n_tier, seed=seed + i
            )
            arrived += n_new
    return instance, arrived
