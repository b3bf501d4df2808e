"""Tests of allocator.gap: reading the published files, the oracle, the bridge to Problem, the
textbook baselines (they must reach known optima, and match brute force), and ``rmalloc gap``.

The data live beside the repository (``<repo>/../shared/data/gap``, as in CI); tests that need
them are skipped with the reason when the folder is absent.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gapdata import GAP_DATA, needs_data

from allocator.gap import (
    GapInstance,
    best_known,
    canonical_name,
    default_sense,
    is_feasible,
    objective,
    read_best_known,
    read_gap_file,
    to_problem,
)
from benchmarks.gap_baselines import solve_cpsat, solve_highs

REPO = Path(__file__).resolve().parents[2]

ORLIB_FILES = [f"gap{k}.txt" for k in range(1, 13)] + [f"gap{s}.txt" for s in "abcd"]
YAGIURA_FILES = (
    sorted(p.name for p in (GAP_DATA / "yagiura").glob("*")) if GAP_DATA.is_dir() else []
)


def tokens(path: Path) -> list[int]:
    return [int(w) for w in path.read_text().split()]


# -- the published files ---------------------------------------------------------------------------
@needs_data
def test_every_file_is_present() -> None:
    assert len(YAGIURA_FILES) == 57
    assert all((GAP_DATA / "orlib" / f).is_file() for f in ORLIB_FILES)


@needs_data
@pytest.mark.parametrize("fname", ORLIB_FILES)
def test_read_orlib_multi_file(fname: str) -> None:
    path = GAP_DATA / "orlib" / fname
    insts = read_gap_file(path)
    stem = fname.removesuffix(".txt")
    expected_p = 6 if stem[-1] in "abcd" else 5
    assert len(insts) == expected_p
    assert [i.name for i in insts] == [f"{stem}-{k}" for k in range(1, expected_p + 1)]
    # the token count of FORMAT.txt: 1 + sum(2 + 2mn + m)
    assert len(tokens(path)) == 1 + sum(2 + 2 * i.n_agents * i.n_jobs + i.n_agents for i in insts)
    for inst in insts:
        m, n = inst.n_agents, inst.n_jobs
        assert inst.cost.shape == (m, n) and inst.weight.shape == (m, n)
        assert inst.capacity.shape == (m,)
        assert inst.cost.dtype == np.int64 and inst.weight.dtype == np.int64
        assert (inst.weight > 0).all() and (inst.capacity > 0).all()


@needs_data
def test_orlib_sizes_match_format_txt() -> None:
    sizes = {1: (5, 15), 2: (5, 20), 3: (5, 25), 4: (5, 30), 5: (8, 24), 6: (8, 32), 7: (8, 40),
             8: (8, 48), 9: (10, 30), 10: (10, 40), 11: (10, 50), 12: (10, 60)}  # fmt: skip
    for k, size in sizes.items():
        insts = read_gap_file(GAP_DATA / "orlib" / f"gap{k}.txt")
        assert {(i.n_agents, i.n_jobs) for i in insts} == {size}
    ad = [(5, 100), (5, 200), (10, 100), (10, 200), (20, 100), (20, 200)]
    for s in "abcd":
        assert [
            (i.n_agents, i.n_jobs) for i in read_gap_file(GAP_DATA / "orlib" / f"gap{s}.txt")
        ] == ad


@needs_data
@pytest.mark.parametrize("fname", YAGIURA_FILES)
def test_read_yagiura_single_file(fname: str) -> None:
    path = GAP_DATA / "yagiura" / fname
    (inst,) = read_gap_file(path)
    assert inst.name == fname
    assert inst.type == fname[0].upper()
    # the file name is type + m (2 digits) + n
    assert (inst.n_agents, inst.n_jobs) == (int(fname[1:3]), int(fname[3:]))
    assert len(tokens(path)) == 2 + 2 * inst.n_agents * inst.n_jobs + inst.n_agents
    assert (inst.cost >= 0).all() and (inst.weight > 0).all()


@needs_data
def test_orlib_a_to_d_are_the_yagiura_files() -> None:
    for s in "abcd":
        for inst in read_gap_file(GAP_DATA / "orlib" / f"gap{s}.txt"):
            (same,) = read_gap_file(GAP_DATA / "yagiura" / inst.canonical_name)
            assert np.array_equal(inst.cost, same.cost)
            assert np.array_equal(inst.weight, same.weight)
            assert np.array_equal(inst.capacity, same.capacity)


@needs_data
def test_best_known_table_covers_every_instance() -> None:
    table = read_best_known(GAP_DATA / "best_known.csv")
    assert set(table.columns) >= {"instance", "agents", "jobs", "objective_sense", "best_known"}
    assert table["is_optimal"].dtype == bool
    assert len(table) == 57 + 2 * 60
    for fname in [*ORLIB_FILES, *YAGIURA_FILES]:
        folder = "orlib" if fname.startswith("gap") else "yagiura"
        for inst in read_gap_file(GAP_DATA / folder / fname):
            senses = ("max", "min") if inst.type == "OR" else ("min",)
            for sense in senses:
                row = table[
                    (table["instance"] == inst.canonical_name) & (table["objective_sense"] == sense)
                ]
                assert len(row) == 1, (inst.name, sense)
                assert (row["agents"].iloc[0], row["jobs"].iloc[0]) == (inst.n_agents, inst.n_jobs)
    assert best_known(table, "gap1-1", "max") == (336, True)
    assert best_known(table, "gap1-1", "min") == (261, True)
    assert best_known(table, "gapc-3", "min") == best_known(table, "c10100", "min")
    assert best_known(table, "c10100", "max") is None


# -- reading: layouts and errors on hand-made files ------------------------------------------------
def write(path: Path, values: list[int], per_line: int = 7) -> Path:
    lines = [
        " " + " ".join(map(str, values[k : k + per_line])) for k in range(0, len(values), per_line)
    ]
    path.write_text("\n".join(lines) + " \n")
    return path


BLOCK_2X3 = [2, 3, 1, 2, 3, 4, 5, 6, 1, 1, 1, 2, 2, 2, 3, 4]  # m n c(6) a(6) b(2)


def test_single_and_multi_layouts_by_token_count(tmp_path: Path) -> None:
    (one,) = read_gap_file(write(tmp_path / "tiny", BLOCK_2X3))
    assert one.name == "tiny"
    assert one.cost.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert one.weight.tolist() == [[1, 1, 1], [2, 2, 2]]
    assert one.capacity.tolist() == [3, 4]
    many = read_gap_file(write(tmp_path / "two.txt", [2, *BLOCK_2X3, *BLOCK_2X3], per_line=5))
    assert [i.name for i in many] == ["two-1", "two-2"]
    assert np.array_equal(many[1].cost, one.cost)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "0 integer"),
        ("2 3 1 2 3", "fit neither layout"),
        (" ".join(map(str, [*BLOCK_2X3, 9])), "fit neither layout"),
        ("2 3 1 2 x 4", "'x' is not an integer"),
        ("2 3 1.5 2", "'1.5' is not an integer"),
        (" ".join(map(str, [2, 3, -1, *BLOCK_2X3[3:]])), "negative"),
    ],
)
def test_bad_files_raise_naming_the_file(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "broken.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=r"broken\.txt") as err:
        read_gap_file(path)
    assert words in str(err.value)


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_gap_file(tmp_path / "nope")


# -- names and senses ------------------------------------------------------------------------------
def test_names_senses_and_types() -> None:
    assert canonical_name("gapa-1") == "a05100"
    assert canonical_name("gapd-6") == "d20200"
    assert canonical_name("gap3-2") == "gap3-2"
    assert canonical_name("gapa-7") == "gapa-7"
    assert default_sense("x/gap1.txt") == default_sense("gap12-5") == "max"
    assert default_sense("gapa.txt") == default_sense("e801600") == default_sense("gap13") == "min"
    z = np.zeros((1, 1), dtype=np.int64)
    one = np.ones(1, dtype=np.int64)
    assert GapInstance("gap7-2", z, z, one).type == "OR"
    assert GapInstance("gapb-2", z, z, one).type == "B"
    assert GapInstance("d801600", z, z, one).type == "D"
    assert GapInstance("mine", z, z, one).type == "?"
    with pytest.raises(ValueError):
        GapInstance("bad", z, np.zeros((2, 1), dtype=np.int64), one)


# -- the oracle on a hand-made 2 x 3 instance ------------------------------------------------------
@pytest.fixture
def tiny() -> GapInstance:
    """2 agents, 3 jobs; agent 0 fits two jobs, agent 1 fits one heavy job or two light ones."""
    return GapInstance(
        name="tiny",
        cost=np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64),
        weight=np.array([[2, 2, 2], [1, 3, 1]], dtype=np.int64),
        capacity=np.array([4, 3], dtype=np.int64),
    )


def test_objective_and_feasibility_by_hand(tiny: GapInstance) -> None:
    assert objective(tiny, [0, 0, 1]) == 1 + 2 + 6
    assert is_feasible(tiny, [0, 0, 1])  # loads 4 <= 4, 1 <= 3
    assert objective(tiny, [1, 0, 1]) == 4 + 2 + 6
    assert is_feasible(tiny, [1, 0, 1])  # loads 2, 2
    assert objective(tiny, [0, 0, 0]) == 6
    assert not is_feasible(tiny, [0, 0, 0])  # load 6 > 4
    assert not is_feasible(tiny, [1, 1, 0])  # agent 1: 1 + 3 = 4 > 3
    assert is_feasible(tiny, np.array([0, 1, 0], dtype=np.int32))


@pytest.mark.parametrize(
    "bad", [[0, 0], [0, 0, 1, 1], [0, -1, 1], [0, 2, 1], [0.0, 0.0, 1.0], None]
)
def test_malformed_assignments(tiny: GapInstance, bad: object) -> None:
    assert not is_feasible(tiny, bad)  # type: ignore[arg-type]
    if bad is not None:
        with pytest.raises(ValueError):
            objective(tiny, bad)  # type: ignore[arg-type]


# -- the bridge to Problem -------------------------------------------------------------------------
@pytest.mark.parametrize("sense", ["min", "max"])
def test_to_problem_agrees_with_the_oracle(tiny: GapInstance, sense: str) -> None:
    p = to_problem(tiny, sense)  # type: ignore[arg-type]
    assert (p.n_customers, p.n_rms, p.n_pairs) == (3, 2, 6)
    assert p.required.all() and (p.group == -1).all() and not p.exclusive.any()
    assert (p.current == -1).all() and (p.hint == -1).all()
    assert p.stages == ("cover_value",)
    assert p.capacity.tolist() == [4, 3]
    key = p.pair_customer.astype(np.int64) * p.n_rms + p.pair_rm
    assert (np.diff(key) > 0).all()  # sorted by customer then RM, no duplicates
    sign = -1 if sense == "min" else 1
    for a in itertools.product(range(2), repeat=3):
        assert p.cover_value(a) == sign * objective(tiny, a)
        assert (p.violations(a) == []) == is_feasible(tiny, a)
        assert p.loads(a).tolist() == [
            sum(int(tiny.weight[i, j]) for j in range(3) if a[j] == i) for i in range(2)
        ]
    with pytest.raises(ValueError):
        to_problem(tiny, "maximise")  # type: ignore[arg-type]


# -- the textbook baselines ------------------------------------------------------------------------
@needs_data
@pytest.mark.parametrize("solver", [solve_cpsat, solve_highs], ids=["cpsat", "highs"])
@pytest.mark.parametrize(("sense", "optimum"), [("min", 261), ("max", 336)])
def test_baselines_reach_the_known_optimum_of_gap1_1(solver, sense: str, optimum: int) -> None:
    inst = read_gap_file(GAP_DATA / "orlib" / "gap1.txt")[0]
    res = solver(inst, sense, 5.0, 2, 0)
    assert res.status == "optimal"
    assert res.objective == optimum
    assert res.bound == pytest.approx(optimum)
    assert is_feasible(inst, res.assignment)
    assert objective(inst, res.assignment) == optimum
    assert res.seconds < 5.0
    obj, bound, status, _seconds, assignment = res  # unpacks as the brief's tuple
    assert (obj, bound, status) == (optimum, optimum, "optimal")
    assert assignment is res.assignment


def brute_force(inst: GapInstance, sense: str) -> int | None:
    values = [
        objective(inst, a)
        for a in itertools.product(range(inst.n_agents), repeat=inst.n_jobs)
        if is_feasible(inst, a)
    ]
    if not values:
        return None
    return min(values) if sense == "min" else max(values)


def random_instance(seed: int) -> GapInstance:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    weight = rng.integers(1, 10, size=(m, n))
    # capacities around the average load: some instances tight, a few infeasible
    capacity = (weight.sum(axis=1) * rng.uniform(0.3, 0.9, size=m) / m * 1.6).astype(np.int64)
    return GapInstance(f"rand{seed}", rng.integers(0, 20, size=(m, n)), weight, capacity)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("solver", [solve_cpsat, solve_highs], ids=["cpsat", "highs"])
def test_baselines_equal_brute_force_on_tiny_instances(seed: int, solver) -> None:
    inst = random_instance(seed)
    for sense in ("min", "max"):
        expected = brute_force(inst, sense)
        res = solver(inst, sense, 5.0, 1, 0)
        if expected is None:
            assert res.status == "infeasible" and res.assignment is None
        else:
            assert res.status == "optimal"
            assert res.objective == expected
            assert is_feasible(inst, res.assignment)
            assert objective(inst, res.assignment) == expected


def test_random_instances_include_infeasible_ones() -> None:
    """The brute-force test above must cover the infeasible branch too."""
    results = [brute_force(random_instance(seed), "min") for seed in range(12)]
    assert any(r is None for r in results) and any(r is not None for r in results)


# -- rmalloc gap -----------------------------------------------------------------------------------
def _has_cpsat() -> bool:
    from allocator.backends import available_backends

    return "cpsat" in available_backends()


needs_cpsat = pytest.mark.skipif(not _has_cpsat(), reason="the cpsat backend is not available")


@needs_data
@needs_cpsat
def test_rmalloc_gap_prints_the_optimum_and_writes_the_assignment(tmp_path: Path) -> None:
    out = tmp_path / "assign.txt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rmalloc",
            "gap",
            "../shared/data/gap/orlib/gap1.txt",
            "--problem",
            "1",
            "--time-limit",
            "5",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "336"
    lines = out.read_text().splitlines()
    assert len(lines) == 15
    inst = read_gap_file(GAP_DATA / "orlib" / "gap1.txt")[0]
    assignment = [int(x) for x in lines]
    assert is_feasible(inst, assignment)
    assert objective(inst, assignment) == 336


@needs_data
@needs_cpsat
def test_rmalloc_gap_min_sense_and_problem_k(capsys: pytest.CaptureFixture[str]) -> None:
    from rmalloc.cli import main

    path = str(GAP_DATA / "orlib" / "gap1.txt")
    assert main(["gap", path, "--problem", "2", "--time-limit", "5", "--sense", "min"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "269"  # gap1-2, min


@needs_data
def test_rmalloc_gap_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rmalloc.cli import main

    gap1 = str(GAP_DATA / "orlib" / "gap1.txt")
    assert main(["gap", gap1, "--problem", "6", "--time-limit", "1"]) == 2
    assert "out of range" in capsys.readouterr().err
    assert main(["gap", gap1, "--problem", "0", "--time-limit", "1"]) == 2
    capsys.readouterr()
    assert main(["gap", str(tmp_path / "missing"), "--time-limit", "1"]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "junk.txt").write_text("hello")
    assert main(["gap", str(tmp_path / "junk.txt"), "--time-limit", "1"]) == 2
    assert "junk.txt" in capsys.readouterr().err
