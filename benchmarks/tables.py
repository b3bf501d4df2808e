"""Result tables as Markdown, for ``RESULTS.md`` and the benchmarks' ``--markdown`` output.

Every benchmark prints its rows the same way, without the optional ``tabulate`` dependency
that ``DataFrame.to_markdown`` would need.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table: ``header``, a rule, then one line per row (cells as ``str``; a short
    row, such as a run's error note, is written as it is)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
