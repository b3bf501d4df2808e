"""How much a reader may read, and how a CSV file is spelled.

:class:`ReadLimits` bounds every parser of the product -- CSV, Parquet, Excel, YAML -- so that
no file, however it was made, can make a reader run out of memory or time: an Excel file is
measured from its zip directory before anything is inflated, a YAML file is measured with its
aliases expanded before anything is built. The defaults suit the command line on a province-sized
bank; the web service passes stricter ones. A file beyond a limit is refused with a message
naming the limit and how to raise it (``--limit NAME=VALUE`` on the command line).

:class:`CsvOptions` says how a CSV file is spelled (delimiter, encoding) when it is not the
contract's UTF-8 with commas.
"""

from __future__ import annotations

import codecs
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from allocator.errors import LIMIT_MARKER

_MIB = 1024**2


@dataclass(frozen=True)
class ReadLimits:
    """The most any one input file may hold (every field a positive number).

    Attributes
    ----------
    max_file_bytes : int
        Size of one input file on disk (CSV, Parquet, Excel). Default 2 GiB.
    max_rows : int
        Data rows of one table (the header not counted). Default 10^7 (ten provinces).
    max_columns : int
        Columns of one table. Default 1,000.
    max_cell_chars : int
        Characters of one cell. Default 10,000 (an id or a certification list is short).
    max_uncompressed_bytes : int
        What a compressed file may inflate to: the summed sizes of an Excel file's zip entries
        (read from the zip's central directory before anything is inflated), or the decoded
        column data of a Parquet file (from its footer). Default 1 GiB.
    max_compression_ratio : float
        Uncompressed over compressed size of an Excel file's zip entries, each and in all.
        Default 100 (sheets compress 5-20x; a zip bomb 1,000x and more).
    max_zip_entries : int
        Entries of an Excel file's zip. Default 10,000.
    max_yaml_bytes : int
        Size of a YAML/JSON/TOML file (policy, solve parameters, scenario spec). Default 1 MiB.
    max_yaml_depth : int
        Nesting of mappings and lists in such a file. Default 32 (a policy nests 4 deep).
    max_yaml_nodes : int
        Nodes of such a file *with its aliases expanded* (an alias counts the whole node it
        names), so that an alias bomb is refused before it is built. Default 100,000.
    max_issues : int
        Problems validation records per rule and table (the rest are counted, not listed), so
        that a file of a million bad rows does not take gigabytes to report. Default 10,000.
    """

    max_file_bytes: int = 2 * 1024 * _MIB
    max_rows: int = 10_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 10_000
    max_uncompressed_bytes: int = 1024 * _MIB
    max_compression_ratio: float = 100.0
    max_zip_entries: int = 10_000
    max_yaml_bytes: int = _MIB
    max_yaml_depth: int = 32
    max_yaml_nodes: int = 100_000
    max_issues: int = 10_000

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            whole = f.type in (int, "int")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"ReadLimits.{f.name} must be a number, got {value!r}")
            if whole and not isinstance(value, int):
                raise ValueError(f"ReadLimits.{f.name} must be a whole number, got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"ReadLimits.{f.name} must be a number > 0, got {value!r}")

    def replace(self, **changes: object) -> ReadLimits:
        """A copy with some limits changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_pairs(cls, pairs: Mapping[str, str], base: ReadLimits | None = None) -> ReadLimits:
        """Limits from ``NAME=VALUE`` text pairs (the command line's ``--limit``) over ``base``.

        Raises
        ------
        ValueError
            For an unknown name or a value that is not a positive number.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}
        changes: dict[str, object] = {}
        for name, text in pairs.items():
            if name not in known:
                raise ValueError(f"unknown limit {name!r}: use one of {', '.join(known)}")
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"limit {name} must be a number, got {text!r}") from None
            whole = known[name].type in (int, "int")
            if whole and not (math.isfinite(number) and number.is_integer()):
                raise ValueError(f"limit {name} must be a whole number, got {text!r}")
            changes[name] = int(number) if whole else number
        return (base or cls()).replace(**changes)


def how_to_raise(limit: str, value: object) -> str:
    """The sentence every guard ends with: which limit, and how to raise it."""
    return (
        f"{LIMIT_MARKER}{limit}={value}; raise it with --limit {limit}=N on the command line "
        f"(ReadLimits({limit}=N) in Python)"
    )


@dataclass(frozen=True)
class CsvOptions:
    """How a CSV file is spelled, when it is not the contract's UTF-8 with commas.

    Attributes
    ----------
    delimiter : str, optional
        The field separator, one character. ``None`` (the default) reads commas, and refuses a
        file whose header has no comma but semicolons or tabs, saying so.
    encoding : str
        A Python codec name (``utf-8``, ``gbk``, ``gb18030``, ``latin-1``, ...). A UTF-8
        byte-order mark is accepted either way.
    """

    delimiter: str | None = None
    encoding: str = "utf-8"

    def __post_init__(self) -> None:
        d = self.delimiter
        if d is not None and (len(d) != 1 or d in '"\r\n'):
            raise ValueError(f"delimiter must be one character (not a quote or newline): {d!r}")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}") from None

    @property
    def separator(self) -> str:
        """The delimiter actually used (a comma unless one was given)."""
        return self.delimiter or ","

    @property
    def utf8(self) -> bool:
        """Whether the file is read as UTF-8."""
        return codecs.lookup(self.encoding).name == "utf-8"
