"""Fuzzing the readers the command line uses (issue 13): random bytes and CSV-like text through
``read_table``, ``load_instance``, the policy loader and the YAML reader. Whatever comes in, the
answer is a value or a typed error (``InputError``, ``PolicyError``, or ``ValueError`` from the
YAML reader) -- never another exception -- and every example finishes well within the deadline
(no hang). Runs in CI in a few seconds."""

from __future__ import annotations

import contextlib
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.contract import CUSTOMER_REQUIRED, RM_REQUIRED
from allocator.errors import InputError, PolicyError
from allocator.io import ReadLimits, load_yaml, read_table
from allocator.policy import load_policy
from allocator.validation import load_instance

#: small limits: a fuzzer's file never needs more, and the guards are under test too
LIMITS = ReadLimits(max_rows=200, max_columns=30, max_cell_chars=200, max_yaml_nodes=2_000)
FUZZ = settings(
    max_examples=60, deadline=2_000, suppress_health_check=[HealthCheck.too_slow], database=None
)

_cell_chars = string.ascii_letters + string.digits + " ,;\t\"'\r\n=+-@.eE零售\x00|"
_cells = st.text(alphabet=_cell_chars, max_size=12)
_names = st.sampled_from([*CUSTOMER_REQUIRED, *RM_REQUIRED, "locked", "capacity", "x", ""])


@st.composite
def csv_like(draw: st.DrawFn) -> str:
    """Text that is mostly a CSV table: a header of contract names, rows of odd cells, sometimes
    ragged, other separators, quotes and newlines inside."""
    header = draw(st.lists(_names, min_size=1, max_size=8))
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    rows = draw(
        st.lists(st.lists(_cells, min_size=0, max_size=len(header) + 2), min_size=0, max_size=6)
    )
    return "\n".join(sep.join(r) for r in [header, *rows]) + draw(st.sampled_from(["", "\n"]))


def write(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    path = folder / f"t{suffix}"
    path.write_bytes(data)
    return path


@FUZZ
@given(data=st.binary(max_size=3_000), suffix=st.sampled_from([".csv", ".xlsx", ".parquet"]))
def test_random_bytes_read_or_refuse(data: bytes, suffix: str) -> None:
    path = write(data, suffix)
    try:
        read_table(path, name=path.name, limits=LIMITS)
    except InputError as exc:
        assert exc.issues and all(i.file == path.name for i in exc.issues)


@FUZZ
@given(customers=csv_like(), rms=csv_like(), encoding=st.sampled_from(["utf-8", "gbk"]))
def test_csv_like_banks_validate_or_refuse(customers: str, rms: str, encoding: str) -> None:
    c = write(customers.encode(encoding, errors="replace"), ".csv")
    r = write(rms.encode("utf-8", errors="replace"), ".csv")
    try:
        instance = load_instance(c, r, limits=LIMITS)
    except InputError as exc:
        assert exc.count >= 1
    else:
        assert instance.n_customers >= 1


@FUZZ
@given(text=st.text(alphabet=string.printable + "&*!|>{}[]零", max_size=400))
def test_random_yaml_parses_or_refuses(text: str) -> None:
    with contextlib.suppress(ValueError):  # the one error the YAML reader raises
        load_yaml(text, limits=LIMITS)


@FUZZ
@given(text=st.text(alphabet=string.printable + "&*", max_size=300))
def test_random_policy_files_load_or_refuse(text: str) -> None:
    path = write(text.encode("utf-8"), ".yaml")
    with contextlib.suppress(PolicyError):
        load_policy(path, limits=LIMITS)
