"""``rmalloc compare`` (two plans side by side) and ``rmalloc keys create --role approver
--branch B``, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from quarterbank import write  # type: ignore[import-not-found]

RMALLOC = Path(sys.executable).with_name("rmalloc")


def _run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RMALLOC), *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_compare_two_plans_by_branch_and_tier(tmp_path: Path) -> None:
    bank = write(tmp_path / "bank")
    src = ["--customers", bank["customers"], "--rms", bank["rms"], "--branches", bank["branches"]]
    a = tmp_path / "a.csv"
    done = _run("allocate", *src, "--out", a, "--time-limit", "10", "--quiet")
    assert done.returncode == 0, done.stderr
    # plan b: last quarter's book as it is (every customer kept)
    lines = a.read_text().splitlines()
    b = tmp_path / "b.csv"
    header = lines[0].split(",")
    rows = []
    for line in lines[1:]:
        cells = dict(zip(header, line.split(","), strict=False))
        cells["rm_id"], cells["status"] = cells["previous_rm_id"], "kept"
        rows.append(",".join(cells[h] for h in header))
    b.write_text("\n".join([lines[0], *rows]) + "\n")
    out = _run("compare", a, b, *src, "--json", "--out", tmp_path / "cmp")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    headline = {row["metric"]: row for row in result["headline"]}
    assert headline["differ"]["delta"] == 6
    assert headline["status.moved"]["a"] == 6 and headline["status.moved"]["b"] == 0
    assert headline["rms_over_capacity"]["b"] == 2  # today's book overloads R1 and R3
    by_branch = {row["branch_id"]: row["differ"] for row in result["by_branch"]}
    assert by_branch == {"O1": 4, "O2": 2}
    assert (tmp_path / "cmp" / "differ.csv").read_text().count("\n") == 7
    text = _run("compare", a, b)  # without the bank: the plans alone
    assert text.returncode == 0 and "customers with an RM" in text.stdout


def test_keys_create_an_approver_scoped_to_a_branch(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    made = _run("keys", "create", "--role", "approver", "--branch", "O1", "--db", url)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().splitlines()[-1].startswith("rma_")
    listed = _run("keys", "list", "--db", url).stdout
    assert "\tapprover\tO1\tactive" in listed
    refused = _run("keys", "create", "--role", "admin", "--branch", "O1", "--db", url)
    assert refused.returncode == 2 and "cannot be scoped" in refused.stderr
