"""PolicyCache: a job's policy is parsed once per process, and a bad one is never cached."""

from __future__ import annotations

import pytest

from allocator.errors import PolicyError
from api.services import policies as policies_module
from api.services.policies import PolicyCache, policy_key


def test_equal_overrides_share_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = policies_module.load_policy

    def counting(source: object) -> object:
        calls.append(source)
        return real(source)  # type: ignore[arg-type]

    monkeypatch.setattr(policies_module, "load_policy", counting)
    cache = PolicyCache()
    overrides = {"default_capacity": {"retail": 90.0}}
    first = cache.load(overrides)
    assert cache.load({"default_capacity": {"retail": 90.0}}) is first
    assert cache.load(None) is cache.load(None)
    assert len(calls) == 2  # one parse per distinct policy


def test_a_bad_policy_raises_every_time() -> None:
    cache = PolicyCache()
    bad = {"tiers": {"private": {"aum_min": -1}}}
    for _ in range(2):
        with pytest.raises(PolicyError):
            cache.load(bad)


def test_least_recently_used_is_dropped() -> None:
    cache = PolicyCache(size=1)
    first = {"default_capacity": {"retail": 90.0}}
    a = cache.load(first)
    cache.load({"default_capacity": {"retail": 80.0}})
    assert cache.load(first) is not a  # parsed again: it was dropped
    assert cache.load(first) == a


def test_key_is_canonical() -> None:
    assert policy_key({"b": 1, "a": 2}) == policy_key({"a": 2, "b": 1})
    assert policy_key(None) != policy_key({})
