"""Random draws the generator is built from: exact counts, heavy tails, weighted picks.

Why these and not plain i.i.d. draws: a bank of any size must land *inside* its configured shares
(2,000 customers or 10^6), so counts are exact and then placed at random; money is heavy-tailed
(Pareto above a threshold, lognormal below) and floored to cents so no amount is lifted over a
threshold by rounding. Every helper takes the :class:`numpy.random.Generator` it draws from and is
vectorised: one call per stage, never one per customer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from allocator.synth.config import Range

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Objects = npt.NDArray[np.object_]


def draw_in(rng: np.random.Generator, bounds: Range) -> float:
    """One value of ``bounds`` drawn uniformly (``lo`` itself when the range is a point, so a
    fixed figure consumes no randomness)."""
    lo, hi = bounds
    return float(rng.uniform(lo, hi)) if hi > lo else float(lo)


def exact_count(n: int, share: float, bounds: Range) -> int:
    """``share`` of ``n`` as a count, kept inside ``bounds`` when rounding would leave them."""
    count = round(share * n)
    lo, hi = math.ceil(bounds[0] * n - 1e-9), math.floor(bounds[1] * n + 1e-9)
    return min(max(count, lo), hi) if lo <= hi else count


def exact_labels(n: int, counts: list[int], rng: np.random.Generator) -> Ints:
    """Labels ``0..k-1`` with exactly ``counts[i]`` of each, label ``k`` for the rest, at random.

    Exact counts (not i.i.d. draws) keep tier shares inside their configured ranges at any size.
    """
    total = sum(counts)
    if total > n:
        raise ValueError("label counts exceed the population")
    labels = np.full(n, len(counts), dtype=np.int64)
    labels[rng.choice(n, size=total, replace=False)] = np.repeat(
        np.arange(len(counts), dtype=np.int64), counts
    )
    return labels


def top_k(weight_log: Floats, k: int, rng: np.random.Generator) -> Ints:
    """Indices of a weighted sample of ``k`` without replacement, best first (Gumbel top-k).

    ``weight_log`` is the log of each item's weight; one vectorised draw, no loop.
    """
    k = min(k, weight_log.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    key = -(weight_log + rng.gumbel(size=weight_log.shape[0]))
    top = np.argpartition(key, k - 1)[:k]
    return top[np.argsort(key[top], kind="stable")].astype(np.int64)


def pareto_between(
    lo: float, hi: float, alpha: float, size: int, rng: np.random.Generator
) -> Floats:
    """Pareto(``alpha``) from ``lo``, truncated to ``[lo, hi)`` (inverse CDF, one draw each)."""
    u = rng.random(size)
    if math.isinf(hi):
        x = lo * (1.0 - u) ** (-1.0 / alpha)
    else:
        ratio = (lo / hi) ** alpha
        x = lo * (1.0 - u * (1.0 - ratio)) ** (-1.0 / alpha)
        x = np.minimum(x, np.nextafter(hi, 0.0))
    return np.maximum(x, lo)


def lognormal_below(
    median: float, sigma: float, hi: float, size: int, rng: np.random.Generator
) -> Floats:
    """Lognormal values below ``hi`` (rejection: redraw the few that land above)."""
    x = rng.lognormal(math.log(median), sigma, size)
    for _ in range(64):
        bad = np.flatnonzero(x >= hi)
        if bad.size == 0:
            return x
        x[bad] = rng.lognormal(math.log(median), sigma, bad.size)
    return np.minimum(x, np.nextafter(hi, 0.0))  # pragma: no cover - only with absurd settings


def cents(x: Floats) -> Floats:
    """Amounts floored to cents: flooring (not rounding) never lifts a value over a threshold."""
    return np.floor(x * 100.0) / 100.0


def banded_amounts(
    thresholds: list[float],
    counts: list[int],
    n: int,
    body: tuple[float, float],
    alpha: float,
    rng: np.random.Generator,
) -> tuple[Floats, Ints]:
    """Heavy-tailed amounts with exactly ``counts[i]`` in band ``[thresholds[i], above)``.

    ``thresholds`` are descending; band ``i`` ends where band ``i - 1`` starts. The rest lie
    below the lowest threshold (lognormal ``body`` = (median, sigma)). Returns amounts and band
    labels (``len(counts)`` for the rest).
    """
    labels = exact_labels(n, counts, rng)
    out = np.zeros(n, dtype=np.float64)
    upper = math.inf
    for i, lo in enumerate(thresholds):
        sel = np.flatnonzero(labels == i)
        out[sel] = pareto_between(lo, upper, alpha, sel.size, rng)
        upper = lo
    rest = np.flatnonzero(labels == len(counts))
    out[rest] = lognormal_below(body[0], body[1], upper, rest.size, rng)
    return cents(out), labels


def partition(
    total: int, bounds: tuple[int, int], min_parts: int, rng: np.random.Generator
) -> Ints:
    """Split ``total`` items into parts of ``bounds`` sizes (the last may be smaller), at least
    ``min_parts`` of them when there are enough items (then split evenly)."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = bounds
    sizes = rng.integers(lo, hi + 1, size=total // lo + 1)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, total)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(cum[k - 1]) - total
    parts = min(min_parts, total)
    if sizes.size < parts:
        sizes = np.array([len(a) for a in np.array_split(np.arange(total), parts)], dtype=np.int64)
    return sizes.astype(np.int64)


def stochastic_round(x: Floats, rng: np.random.Generator) -> Ints:
    """Unbiased integer rounding: floor, plus one with probability the fractional part."""
    base = np.floor(x)
    return (base + (rng.random(x.shape[0]) < x - base)).astype(np.int64)


def rescale_counts(counts: Ints, total: int, rng: np.random.Generator) -> Ints:
    """``counts`` scaled to sum exactly to ``total`` (largest remainder, random tie-break)."""
    weight = counts.astype(np.float64)
    if weight.sum() <= 0:
        weight = np.ones_like(weight)
    quota = weight * (total / weight.sum())
    out = np.floor(quota).astype(np.int64)
    short = total - int(out.sum())
    if short > 0:
        order = np.lexsort((rng.random(quota.shape[0]), -(quota - out)))
        out[order[:short]] += 1
    return out


def pick_by_probability(
    probs: Mapping[str, float],
    size: int,
    rng: np.random.Generator,
    allowed: list[str] | None = None,
) -> Objects:
    """Draw ``size`` labels from a ``{label: probability}`` mix (restricted to ``allowed``)."""
    labels = [k for k in probs if allowed is None or k in allowed]
    if not labels:
        labels = list(allowed or probs)
        weights = np.ones(len(labels))
    else:
        weights = np.array([probs[k] for k in labels], dtype=np.float64)
    return np.asarray(labels, dtype=object)[
        rng.choice(len(labels), size=size, p=weights / weights.sum())
    ]
