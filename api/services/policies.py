"""Policies of jobs, parsed once per process.

A job names its policy as overrides (a JSON mapping, or ``None`` for policy v1). The web process
needs the parsed policy twice for one job -- to refuse a bad one at submission (a 422, before
anything is queued) and to recompile the dataset when a customer's assignment is explained --
and a worker runs many jobs under the same few policies. Parsing merges the overrides over the
default and validates the whole model, so each process keeps the last few parsed policies keyed
by the overrides' canonical JSON. A :class:`~allocator.policy.Policy` is a frozen model, so one
object may be shared by every caller.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from allocator.policy import Policy, load_policy


def policy_key(source: Mapping[str, Any] | None) -> str:
    """The canonical JSON of a job's policy overrides (equal overrides, equal keys)."""
    return json.dumps(source, sort_keys=True, separators=(",", ":"), default=str)


class PolicyCache:
    """The last ``size`` policies parsed in this process.

    Parameters
    ----------
    size
        Policies kept; a job's overrides are usually one of a few a bank uses.
    """

    def __init__(self, size: int = 16):
        self.size = size
        self._items: OrderedDict[str, Policy] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, source: Mapping[str, Any] | None) -> Policy:
        """The policy for a job's overrides (``None``: policy v1).

        Raises
        ------
        allocator.errors.PolicyError
            When the merged policy is invalid (nothing is cached then).
        """
        key = policy_key(source)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        policy = load_policy(source)
        with self._lock:
            self._items[key] = policy
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return policy
