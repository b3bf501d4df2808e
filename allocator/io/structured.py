"""Reading the product's small structured files -- policy, solve parameters, scenario specs --
as YAML, JSON or TOML, within :class:`ReadLimits`.

YAML is the one that needs care: an alias names a node written before, so nine lines of nested
aliases name 10^9 strings (the "billion laughs"). PyYAML builds the shared node once, but
everything after it -- merging over the default policy, validating it -- walks every path, and
a 1 kB policy took 3 GB and minutes. :func:`load_yaml` therefore measures the document on
PyYAML's *event stream* first, which never expands anything: its nesting depth, and its size
with every alias counted as the whole node it names. Only a document within the limits is built.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import yaml

from allocator.io.limits import ReadLimits, how_to_raise

#: the C parser where PyYAML was built with libyaml (several times faster), else Python's
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Frame:
    """A mapping or sequence being measured: its anchor and its expanded size so far."""

    __slots__ = ("anchor", "size")

    def __init__(self, anchor: str | None):
        self.anchor = anchor
        self.size = 1


def _measure(text: str, name: str, limits: ReadLimits) -> None:
    """Refuse a document nested deeper than ``max_yaml_depth`` or larger, aliases expanded,
    than ``max_yaml_nodes`` -- on the event stream, as soon as the limit is passed."""
    sizes: dict[str, int] = {}
    stack: list[_Frame] = [_Frame(None)]
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Frame(event.anchor))
            if len(stack) - 1 > limits.max_yaml_depth:
                raise ValueError(
                    f"{name}: nested more than {limits.max_yaml_depth} levels deep: "
                    + how_to_raise("max_yaml_depth", limits.max_yaml_depth)
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                sizes[done.anchor] = done.size
            added = done.size
        elif isinstance(event, yaml.AliasEvent):
            added = sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.ScalarEvent):
            added = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        else:
            continue
        stack[-1].size += added
        if stack[-1].size > limits.max_yaml_nodes:
            raise ValueError(
                f"{name}: more than {limits.max_yaml_nodes:,} values with its aliases expanded "
                "(an alias bomb?): " + how_to_raise("max_yaml_nodes", limits.max_yaml_nodes)
            )


def _check_size(text: str, name: str, limits: ReadLimits) -> None:
    size = len(text.encode("utf-8"))
    if size > limits.max_yaml_bytes:
        raise ValueError(
            f"{name}: {size:,} bytes, more than allowed: "
            + how_to_raise("max_yaml_bytes", limits.max_yaml_bytes)
        )


def load_yaml(text: str, *, name: str = "YAML", limits: ReadLimits | None = None) -> Any:
    """Parse YAML (or JSON, which YAML reads too) safely and within the limits.

    Parameters
    ----------
    text
        The document.
    name
        The file's label in messages.
    limits
        ``max_yaml_bytes``, ``max_yaml_depth`` and ``max_yaml_nodes`` apply (the defaults of
        :class:`ReadLimits` when ``None``).

    Raises
    ------
    ValueError
        For a document beyond a limit (the message names the limit and how to raise it) or one
        that is not valid YAML (the message names the line).
    """
    limits = limits or ReadLimits()
    _check_size(text, name, limits)
    try:
        _measure(text, name, limits)
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ValueError(f"{name}: not valid YAML: {exc}") from None


def load_structured(path: str | Path, limits: ReadLimits | None = None) -> Any:
    """A YAML, JSON or TOML file (by its suffix; YAML otherwise), read within the limits.

    Raises
    ------
    ValueError
        When the file cannot be read, is beyond a limit or does not parse; the message names
        the file.
    """
    where = Path(path)
    limits = limits or ReadLimits()
    try:
        size = where.stat().st_size
        if size > limits.max_yaml_bytes:
            raise ValueError(
                f"{where}: {size:,} bytes, more than allowed: "
                + how_to_raise("max_yaml_bytes", limits.max_yaml_bytes)
            )
        text = where.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{where}: cannot read: {exc}") from None
    suffix = where.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
    except RecursionError:
        raise ValueError(f"{where}: nested too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError, tomllib.TOMLDecodeError
        raise ValueError(f"{where}: cannot parse: {exc}") from None
    return load_yaml(text, name=str(where), limits=limits)
