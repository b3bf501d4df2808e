"""Settings shipped with the package, with a user's file or mapping merged over them.

The grade review, the staffing rules, the levers and the horizon are all read the same way: the
shipped YAML first, then ``source`` merged over it key by key (a partial file is the common
case), then validated as one model. One function does it so that every such file merges, and
reports a bad value, alike: the problem is named after the file when there is one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from allocator.errors import InputError, InputIssue
from allocator.policy import deep_merge

M = TypeVar("M", bound=BaseModel)

#: what ``source`` may be: a file, a mapping, the model itself, or nothing (the shipped one)
Source = str | os.PathLike[str] | Mapping[str, Any] | BaseModel | None


def read_yaml(path: Path) -> Any:
    """A YAML file's content (``{}`` for an empty file)."""
    return yaml.safe_load(path.read_text("utf-8")) or {}


def load_shipped(
    model: type[M],
    default: str,
    source: Source,
    what: str,
    read: Callable[[Path], Any] = read_yaml,
) -> M:
    """The shipped ``default`` (a file of the ``scenarios`` package) with ``source`` merged over
    it, as ``model``; ``source`` already a ``model`` is returned as it is.

    Parameters
    ----------
    what
        The name of the problem's place when ``source`` is not a file.
    read
        How a file ``source`` is read (for files that have their own read limits).

    Raises
    ------
    allocator.errors.InputError
        When the merged settings do not validate (named after the file, if one was given).
    """
    if isinstance(source, model):
        return source
    data = yaml.safe_load(resources.files("scenarios").joinpath(default).read_text("utf-8"))
    if source is not None:
        override = source if isinstance(source, Mapping) else read(Path(source))  # type: ignore[arg-type]
        data = deep_merge(data, override)
    try:
        return model.model_validate(data)
    except ValueError as exc:
        where = what if source is None or isinstance(source, Mapping) else str(source)
        raise InputError([InputIssue(where, None, None, None, str(exc))]) from exc
