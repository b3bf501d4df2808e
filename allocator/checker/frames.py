"""Plain column helpers of the checker: plans and inputs arrive as CSV strings, frames with NaN
or numbers; the rules compare Python strings."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd


def as_str(series: pd.Series) -> pd.Series:
    """Python strings with "" for empty, as an ``object`` Series on a fresh range index.

    Plans may come from a CSV (strings) or a frame (NaN, None, numbers). ``object`` rather than
    pandas' Arrow-backed ``str`` dtype because the rules iterate and hash these values, which is
    several times faster on Python strings.
    """
    values = series.to_numpy(dtype=object, na_value="")
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        values = np.array([v if isinstance(v, str) else str(v) for v in values], dtype=object)
    return text_series(values)


def text_series(values: npt.ArrayLike) -> pd.Series:
    """An ``object`` Series (a numpy object array alone would be inferred as ``str`` dtype)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def column_or(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    """``frame[name]``, or ``default`` everywhere when an optional column is absent."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index)


def member(values: pd.Series | npt.ArrayLike, pool: object) -> npt.NDArray[np.bool_]:
    """``values`` in ``pool`` (any collection), as a numpy bool array.

    Both sides are hashed as Python objects: pandas' Arrow-backed ``isin`` converts a large pool
    one scalar at a time, which dominated the checker's time on a province's plan.
    """
    if isinstance(pool, (set, frozenset, dict)):
        pool = list(pool)
    keys = np.asarray(pool, dtype=object)
    return text_series(values).isin(keys).to_numpy(dtype=bool)
