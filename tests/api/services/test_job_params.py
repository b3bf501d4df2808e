"""Solve parameters of a job: typed at submission (errors name the field), JSON when stored."""

from __future__ import annotations

import pytest

from allocator.params import SolveParams, StageBudget
from api.services.errors import InvalidParameterError
from api.services.params import JobParams, solve_params, time_limit_within


@pytest.mark.parametrize(
    "values,field",
    [
        ({"time_limit": -1.0}, "time_limit"),
        ({"time_limit": float("inf")}, "time_limit"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**31}, "seed"),
        ({"backend": "quantum"}, "backend"),
        ({"backend": ""}, "backend"),
        ({"settings": {"lns": "fast"}}, "settings"),
        ({"settings": {"lns": {"no_such_knob": 1}}}, "settings.lns"),
        ({"settings": {"quantum": {}}}, "settings.quantum"),
        ({"settings": {"greedy": {"depth": 3}}}, "settings.greedy"),
        ({"workers_please": 8}, "workers_please"),
    ],
)
def test_a_bad_value_names_its_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        solve_params({"time_limit": 10.0, **values})
    assert info.value.field == field
    assert info.value.detail


def test_good_values_become_typed_params() -> None:
    params = solve_params(
        {"time_limit": 5, "seed": 7, "backend": "auto", "settings": {"lns": {"initial_free": 50}}}
    )
    assert params == SolveParams(
        time_limit=5.0, seed=7, backend="auto", settings={"lns": {"initial_free": 50}}
    )


def test_time_limit_within_the_server_limits() -> None:
    assert time_limit_within(None, default=30.0, maximum=600.0) == 30.0
    assert time_limit_within(600, default=30.0, maximum=600.0) == 600.0
    with pytest.raises(InvalidParameterError, match="above the maximum") as info:
        time_limit_within(601, default=30.0, maximum=600.0)
    assert info.value.field == "time_limit"


def test_stored_json_keeps_the_client_fields_only() -> None:
    job = JobParams(SolveParams(time_limit=5.0, seed=3, workers=8, check=False))
    assert job.kind == "solve"
    assert job.to_json() == {"policy": None, "time_limit": 5.0, "seed": 3, "backend": "auto"}
    chosen = JobParams(
        SolveParams(time_limit=5.0, settings={"lns": {"initial_free": 50}}, warm_start=False),
        policy={"version": 1},
    )
    stored = chosen.to_json()
    assert stored["settings"] == {"lns": {"initial_free": 50}} and stored["warm_start"] is False
    assert JobParams.from_json(stored) == chosen


def test_json_round_trip_with_staging() -> None:
    job = JobParams(SolveParams(time_limit=9.0, staging=StageBudget(balance_cap=0.3)))
    assert JobParams.from_json(job.to_json()) == job


def test_older_json_reads_back() -> None:
    old = {"policy": None, "time_limit": 12, "seed": 4, "backend": "auto"}
    job = JobParams.from_json(old)
    assert job.params == SolveParams(time_limit=12.0, seed=4) and job.policy is None


def test_a_scenario_without_a_seed_takes_the_spec_seed() -> None:
    job = JobParams(SolveParams(time_limit=5.0), spec={"name": "x"}, seed_from_spec=True)
    stored = job.to_json()
    assert job.kind == "scenario"
    assert list(stored) == ["spec", "policy", "time_limit", "seed", "backend"]
    assert stored["seed"] is None
    back = JobParams.from_json(stored)
    assert back.seed_from_spec and back.spec == {"name": "x"}
    given = JobParams.from_json({**stored, "seed": 5})
    assert not given.seed_from_spec and given.params.seed == 5


def test_the_worker_sets_the_server_owned_fields() -> None:
    job = JobParams(SolveParams(time_limit=5.0, seed=3))
    params = job.for_worker(workers=1)
    assert (params.workers, params.log, params.check) == (1, False, True)
    assert (params.time_limit, params.seed) == (5.0, 3)
