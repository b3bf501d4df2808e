"""Reading one CSV file: fast, every cell as text, and a clear word when the file is not what
the contract says.

The common mistakes of a spreadsheet export each get a sentence instead of a cascade of
missing columns: a file separated by semicolons or tabs (a European or Chinese Excel's default),
a file in GBK or another non-UTF-8 encoding (naming the byte and line, and the encoding it looks
like), rows of uneven length (each one named). The size guards of :class:`ReadLimits` apply
before the file is parsed where they can (header width) and right after otherwise.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from allocator.errors import InputError, InputIssue
from allocator.io.limits import CsvOptions, ReadLimits, how_to_raise
from allocator.io.safecsv import unescape_series
from allocator.io.text import STR_TYPES

#: separators a contract file is often written with, and their names
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: bytes read to guess the encoding of a file that is not UTF-8
SNIFF_BYTES = 1 << 20


def file_issue(name: str, message: str, column: str | None = None) -> InputIssue:
    """An issue about a whole file."""
    return InputIssue(file=name, row=None, column=column, value=None, message=message)


def duplicate_header_issues(name: str, header: Sequence[object]) -> list[InputIssue]:
    """Issues for column names that appear twice: pandas would silently rename the second one
    (``aum.1``), and which of the two the user meant cannot be guessed."""
    counts: dict[str, int] = {}
    for h in header:
        key = str(h).strip()
        if key:
            counts[key] = counts.get(key, 0) + 1
    return [
        file_issue(name, f"column appears {n} times in the header", column=col)
        for col, n in counts.items()
        if n > 1
    ]


def _encoding(options: CsvOptions) -> str:
    return "utf-8-sig" if options.utf8 else options.encoding


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline(1 << 16)


def separator_hint(path: Path, header: Sequence[str], options: CsvOptions) -> str | None:
    """The message for a file that looks separated by another character than the one read
    with: its header is one field, holding another separator."""
    if len(header) != 1:
        return None
    line = _first_line(path).decode(_encoding(options), errors="replace")
    used = SEPARATORS.get(options.separator, repr(options.separator))
    for sep, word in SEPARATORS.items():
        if sep != options.separator and line.count(sep) >= 1:
            shown = "\\t" if sep == "\t" else sep
            advice = "convert it to comma-separated, or " if sep != "," else ""
            return (
                f"this file looks {word}-separated (its header has no {used} but "
                f"{line.count(sep)} {word}s): {advice}pass --delimiter '{shown}' "
                f"(CsvOptions(delimiter='{shown}') in Python)"
            )
    return None


def read_header(path: Path, name: str, options: CsvOptions, limits: ReadLimits) -> list[str]:
    """The header row, checked: not empty, no column twice, not wider than the limit, and
    separated the way ``options`` says."""
    with path.open(encoding=_encoding(options), newline="") as handle:
        header = next(csv.reader(handle, delimiter=options.separator), None)
    if not header:
        raise InputError([file_issue(name, "the file is empty: a header row is required")])
    if len(header) > limits.max_columns:
        message = f"{len(header)} columns, more than allowed: " + how_to_raise(
            "max_columns", limits.max_columns
        )
        raise InputError([file_issue(name, message)])
    hint = separator_hint(path, header, options)
    if hint is not None:
        raise InputError([file_issue(name, hint)])
    if issues := duplicate_header_issues(name, header):
        raise InputError(issues)
    return header


def utf8_error(path: Path) -> tuple[int, int] | None:
    """The byte offset and line number (1-based) of the first byte that is not UTF-8, read in
    chunks so that a large file costs no more memory than one chunk."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(SNIFF_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                pending = len(decoder.getstate()[0])
                start = max(exc.start - pending, 0)
                return offset + start, lines + chunk.count(b"\n", 0, start) + 1
            offset += len(chunk)
            lines += chunk.count(b"\n")
    return None


def guess_encoding(path: Path) -> str | None:
    """A Python codec that reads the start of the file, among those banks' files come in."""
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for codec in ("gbk", "gb18030", "big5", "shift_jis"):
        try:
            sample.decode(codec)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
                continue
        return codec
    return "cp1252"


def encoding_issue(path: Path, name: str) -> InputIssue:
    """Where a file stops being UTF-8, and what it looks like instead."""
    where = utf8_error(path)
    guess = guess_encoding(path)
    place = f"byte {where[0]} (line {where[1]})" if where else "a byte"
    looks = {"gbk": "GBK", "gb18030": "GB18030", "utf-16": "UTF-16"}.get(guess or "", guess)
    message = f"not UTF-8 text: {place} is not valid UTF-8"
    if guess is not None:
        message += (
            f"; the file looks {looks}-encoded: save it as UTF-8, or pass --encoding {guess} "
            f"(CsvOptions(encoding='{guess}') in Python)"
        )
    return InputIssue(name, where[1] if where else None, None, None, message)


def ragged_row_issues(path: Path, name: str, width: int, options: CsvOptions) -> list[InputIssue]:
    """Rows whose field count differs from the header's, found by a second, slow pass that only
    a broken file pays for (the fast reader does not know row numbers)."""
    issues = []
    with path.open(encoding=_encoding(options), newline="") as handle:
        for row, record in enumerate(csv.reader(handle, delimiter=options.separator), start=1):
            if record and len(record) != width:
                message = f"has {len(record)} fields but the header has {width}"
                issues.append(InputIssue(name, row, None, None, message))
    return issues or [file_issue(name, "cannot parse as CSV: rows of uneven length")]


def read_csv(path: Path, name: str, limits: ReadLimits, options: CsvOptions) -> pd.DataFrame:
    """Read a CSV with pyarrow (multithreaded, several times faster than pandas' parser on 10^6
    rows), every column as a non-null string, empty lines kept as rows of ``""`` so that row
    numbers match the file's record numbers; the product's spreadsheet escape is undone."""
    try:
        header = read_header(path, name, options, limits)
    except UnicodeDecodeError:
        raise InputError([encoding_issue(path, name)]) from None
    ragged: list[object] = []

    def on_invalid_row(row: object) -> str:
        ragged.append(row)
        return "skip"

    parse = pa_csv.ParseOptions(
        delimiter=options.separator,
        newlines_in_values=True,
        ignore_empty_lines=False,
        invalid_row_handler=on_invalid_row,
    )
    convert = pa_csv.ConvertOptions(
        column_types={column: pa.string() for column in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    read = pa_csv.ReadOptions(encoding=options.encoding) if not options.utf8 else None
    try:
        table = pa_csv.read_csv(
            path, read_options=read, parse_options=parse, convert_options=convert
        )
    except pa.ArrowInvalid as exc:
        # Arrow's message may quote a row of the file: keep customer data out of the message
        if "UTF8" in str(exc) and options.utf8:
            raise InputError([encoding_issue(path, name)]) from exc
        raise InputError([file_issue(name, "cannot parse as CSV")]) from exc
    if ragged:
        raise InputError(ragged_row_issues(path, name, len(header), options))
    frame = table.to_pandas(types_mapper=STR_TYPES.get)
    for position in range(frame.shape[1]):
        frame.isetitem(position, unescape_series(frame.iloc[:, position]).array)
    return frame
