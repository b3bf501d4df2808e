"""The published GAP instances (OR-Library, Yagiura), where the GAP benchmark finds them: beside
the repository (``<repo>/../shared/data/gap``, as in CI). Tests that need them are skipped, with
the reason, when the folder is absent (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

import pytest

from benchmarks.gap_bench import DEFAULT_DATA_DIR as GAP_DATA

needs_data = pytest.mark.skipif(
    not GAP_DATA.is_dir(),
    reason=f"GAP data folder {GAP_DATA} is absent (CI puts shared/ beside the repo)",
)
