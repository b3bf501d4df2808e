"""Distributed allocation (issue 17): the decomposed parts of a bank solved on a Dask cluster.

A real ``LocalCluster`` (two worker processes, one thread each) is started once for the module;
the bank is a generated one of 4,000 customers in ten provinces. The cluster's plan must pass
the independent checker (the pipeline runs it; it is run again here) and have the cover value of
the single-machine decompose plan, both proven optimal. A head-office RM joins provinces into one
component, which is solved whole: the plan is still optimal.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from daskcluster import local_cluster

from allocator.backends import SolveControl, available_backends
from allocator.checker import check_plan
from allocator.compile import compile_problem
from allocator.decomposition import components
from allocator.errors import SchedulerError
from allocator.executors import DaskCluster
from allocator.instance import Instance
from allocator.params import SolveParams
from allocator.pipeline import on_cluster, solve
from allocator.plan import Plan
from allocator.policy import load_policy
from allocator.solution import SolutionStatus, Termination
from allocator.synth.bank import generate_bank, write_bank
from allocator.synth.config import GeneratorConfig
from allocator.validation import load_instance

needs_milp = pytest.mark.skipif("milp" not in available_backends(), reason="no HiGHS")
#: HiGHS proves every part of this bank in well under a second: both plans are optimal
INNER = {"decompose": {"inner": "milp", "min_part_pairs": 100}}
LIMIT = 30.0
#: an address where nothing listens
NOBODY = "tcp://127.0.0.1:9"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A scheduler with two one-thread worker processes; its address."""
    with local_cluster() as address:
        yield address


@pytest.fixture(scope="module")
def provinces() -> Instance:
    """4,000 customers in ten provinces."""
    return generate_bank(4000, 3, config=GeneratorConfig(customers_per_province=400))


@pytest.fixture(scope="module")
def local_plan(provinces: Instance) -> Plan:
    return solve(
        provinces, None, SolveParams(time_limit=LIMIT, backend="decompose", settings=INNER)
    )


def province_of(instance: Instance) -> pd.Series:
    """Each branch's province (its ancestor at the province level)."""
    b = instance.branches.set_index("branch_id")
    out = {}
    for branch in b.index:
        node = branch
        while node and b.at[node, "level"] not in ("province", "head_office"):
            node = b.at[node, "parent_id"]
        out[branch] = node
    return pd.Series(out)


def assert_checked(plan: Plan) -> None:
    report = check_plan(plan.instance, plan.assignments, plan.policy, solve=plan.kpis["solve"])
    assert report.ok, report.summary()


# ------------------------------------------------------------------------------------------------
# parameters
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "address", ["tcp://10.0.0.5:8786", "tls://scheduler.bank.internal:8786", "tcp://[::1]:8786"]
)
def test_scheduler_addresses_accepted(address: str) -> None:
    params = SolveParams.from_dict({"scheduler": address})
    assert params.scheduler == address and params.options().scheduler == address
    assert SolveParams.from_dict(params.to_dict()) == params


@pytest.mark.parametrize(
    "address", ["", "localhost:8786", "http://host:8786", "tcp://host:8786/x", "tcp://a b", 8786]
)
def test_bad_scheduler_address_refused(address: object) -> None:
    with pytest.raises(ValueError, match="scheduler must be a Dask scheduler address"):
        SolveParams(scheduler=address)  # type: ignore[arg-type]


def test_on_a_cluster_every_backend_solves_the_parts() -> None:
    addr = "tcp://h:1"
    assert on_cluster(SolveParams(backend="milp")).backend == "milp"  # no cluster: unchanged
    assert on_cluster(SolveParams(backend="auto", scheduler=addr)).backend == "decompose"
    milp = on_cluster(SolveParams(backend="milp", scheduler=addr, settings=INNER))
    assert milp.backend == "decompose" and milp.settings["decompose"]["inner"] == "milp"
    assert milp.settings["decompose"]["min_part_pairs"] == 100


@pytest.mark.parametrize(
    "settings", [{"inner": "decompose"}, {"inner": "nope"}, {"connect_timeout": 0}]
)
def test_bad_decompose_settings_refused(settings: dict[str, object]) -> None:
    from allocator.backends.decompose import DecomposeBackend

    params = SolveParams(backend="decompose", settings={"decompose": settings})
    with pytest.raises(ValueError, match=r"settings\.decompose\.(inner|connect_timeout)"):
        DecomposeBackend.settings(params.options())


def test_unreachable_scheduler_is_a_clear_error_not_a_hang(provinces: Instance) -> None:
    params = SolveParams(
        time_limit=LIMIT,
        backend="decompose",
        scheduler=NOBODY,
        settings={"decompose": {"connect_timeout": 1}},
    )
    t0 = time.monotonic()
    with pytest.raises(SchedulerError, match=f"cannot use the Dask scheduler at {NOBODY}"):
        solve(provinces, None, params)
    assert time.monotonic() - t0 < 15


# ------------------------------------------------------------------------------------------------
# solving on the cluster
# ------------------------------------------------------------------------------------------------
@needs_milp
def test_cluster_plan_equals_local_plan(
    provinces: Instance, local_plan: Plan, cluster: str
) -> None:
    params = SolveParams(time_limit=LIMIT, backend="milp", settings=INNER, scheduler=cluster)
    plan = solve(provinces, None, params)
    assert plan.solution.backend == "decompose"
    assert_checked(plan)
    for p in (plan, local_plan):
        cover = p.solution.stage("cover_value")
        assert cover is not None and cover.status == SolutionStatus.OPTIMAL
        assert cover.objective == cover.bound
    assert plan.kpis["cover_value"] == local_plan.kpis["cover_value"]
    assert plan.solution.stage("cover_value").objective == (  # type: ignore[union-attr]
        local_plan.solution.stage("cover_value").objective  # type: ignore[union-attr]
    )


@needs_milp
def test_head_office_rm_joins_provinces_and_stays_exact(provinces: Instance, cluster: str) -> None:
    rms = provinces.rms
    at_province = rms[rms["branch_id"].str.fullmatch(r"P\d+") & rms["active"]]
    head = at_province.iloc[[-1]].assign(rm_id="HO1", branch_id="H0")
    bank = load_instance(
        provinces.customers, pd.concat([rms, head], ignore_index=True), provinces.branches
    )
    pol = load_policy(None)
    before = components(compile_problem(provinces, pol).problem)
    problem = compile_problem(bank, pol).problem
    after = components(problem)
    assert len(after) < len(before)
    # the largest component now holds customers of several provinces
    home = bank.customers.set_index("customer_id")["branch_id"]
    largest = max(after, key=len)
    province = province_of(bank)
    assert province[home[problem.customer_ids[largest]].to_numpy()].nunique() >= 2

    params = SolveParams(time_limit=LIMIT, backend="milp", settings=INNER)
    local = solve(bank, pol, params.replace(backend="decompose"))
    remote = solve(bank, pol, params.replace(scheduler=cluster))
    assert_checked(remote)
    assert "HO1" in set(remote.assignments["rm_id"])
    assert remote.kpis["cover_value"] == local.kpis["cover_value"]
    cover = remote.solution.stage("cover_value")
    assert cover is not None and cover.status == SolutionStatus.OPTIMAL


@pytest.mark.skipif("cpsat" not in available_backends(), reason="no CP-SAT")
def test_stop_request_reaches_the_cluster(cluster: str) -> None:
    # CP-SAT does not prove the balance stage of this bank's larger part (the default part size
    # bundles its provinces): without the stop it would spend its balance budget, 30 % of the
    # time limit, i.e. 90 s
    bank = generate_bank(4000, 3, config=GeneratorConfig(customers_per_province=1000))
    control = SolveControl()
    params = SolveParams(time_limit=300.0, backend="cpsat", scheduler=cluster)
    threading.Timer(3.0, control.stop.set).start()
    t0 = time.monotonic()
    plan = solve(bank, None, params, control)
    assert time.monotonic() - t0 < 30
    assert plan.solution.termination == Termination.INTERRUPTED
    assert_checked(plan)
    assert plan.kpis["assigned"] > 0


def test_cluster_executor_reports_its_lanes(cluster: str) -> None:
    with DaskCluster(cluster, connect_timeout=5) as executor:
        assert executor.lanes == 2
        assert executor.submit(abs, -3).result(timeout=30) == 3


# ------------------------------------------------------------------------------------------------
# the command line
# ------------------------------------------------------------------------------------------------
def rmalloc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmalloc", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def bank_files(provinces: Instance, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    paths = write_bank(provinces, tmp_path_factory.mktemp("bank"), "csv")
    return [
        arg for name in ("customers", "rms", "branches") for arg in (f"--{name}", str(paths[name]))
    ]


@needs_milp
def test_cli_allocates_on_the_cluster(
    bank_files: list[str], local_plan: Plan, cluster: str, tmp_path: Path
) -> None:
    plan, kpis = tmp_path / "plan.csv", tmp_path / "kpis.json"
    res = rmalloc(
        "allocate",
        *bank_files,
        "--backend",
        "milp",
        "--scheduler",
        cluster,
        "--time-limit",
        str(LIMIT),
        "--out",
        str(plan),
        "--kpis",
        str(kpis),
        "--quiet",
    )
    assert res.returncode == 0, res.stderr
    figures = json.loads(kpis.read_text())
    assert figures["solve"]["backend"] == "decompose"
    # the CLI's decompose has the default part size: other parts, the same optimum
    assert figures["cover_value"] == local_plan.kpis["cover_value"]
    assert len(pd.read_csv(plan)) == len(local_plan.assignments)


def test_cli_unreachable_scheduler_exits_2(bank_files: list[str], tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"settings": {"decompose": {"connect_timeout": 1}}}))
    plan = tmp_path / "plan.csv"
    res = rmalloc(
        "allocate", *bank_files, "--params", str(params), "--scheduler", NOBODY, "--out", str(plan)
    )
    assert res.returncode == 2
    assert f"cannot use the Dask scheduler at {NOBODY}" in res.stderr
    assert not plan.exists()


def test_cli_bad_scheduler_address_exits_2(bank_files: list[str], tmp_path: Path) -> None:
    res = rmalloc(
        "allocate", *bank_files, "--scheduler", "host:8786", "--out", str(tmp_path / "p.csv")
    )
    assert res.returncode == 2
    assert "scheduler must be a Dask scheduler address" in res.stderr
