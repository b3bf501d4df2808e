"""The scenario spec: file form and Python form, validation that lists every problem, grids."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from allocator.errors import InputError
from scenarios.spec import (
    AddRms,
    Baseline,
    Generate,
    PolicyEdit,
    RemoveRms,
    ScenarioSpec,
    load_spec,
    parse_spec,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

FILE_FORM = {
    "name": "cfp",
    "seed": 7,
    "baseline": {"generate": {"customers": 500, "seed": 1}},
    "edits": [
        {
            "add_rms": {
                "count": 3,
                "line": "retail",
                "grade": "senior",
                "certifications": "CFP",
                "branch_id": "C0",
                "unit": "wealth_center",
            },
            "id": "hires",
        },
        {"remove_rms": {"rm_ids": "M00012;M00013"}},
        {"policy": {"tiers": {"private": {"aum_min": 8000000}}}, "id": "thr"},
    ],
    "sweep": {
        "grid": {
            "hires.count": {"start": 0, "stop": 4, "step": 2},
            "thr.tiers.private.aum_min": [6e6, 8e6],
        }
    },
}


def test_file_form_equals_python_form() -> None:
    spec = parse_spec(FILE_FORM)
    built = ScenarioSpec(
        name="cfp",
        seed=7,
        baseline=Baseline(generate=Generate(customers=500, seed=1)),
        edits=[
            AddRms(
                id="hires",
                count=3,
                line="retail",
                grade="senior",
                certifications=["CFP"],
                branch_id="C0",
                unit="wealth_center",
            ),
            RemoveRms(rm_ids=["M00012", "M00013"]),
            PolicyEdit(id="thr", override={"tiers": {"private": {"aum_min": 8000000}}}),
        ],
        sweep=spec.sweep,
    )
    assert spec == built
    assert parse_spec(spec.to_dict()) == spec  # the file form round-trips
    assert parse_spec(yaml.safe_load(spec.to_yaml())) == spec


def test_every_problem_is_listed() -> None:
    bad = {
        "baseline": {"sample": True, "generate": {"customers": 10}},
        "edits": [{"fly": {}}, {"add_rms": {"count": 1}, "remove_rms": {"rm_ids": ["x"]}}],
        "seed": "seven",
    }
    with pytest.raises(InputError) as err:
        parse_spec(bad)
    text = str(err.value)
    assert len(err.value.issues) >= 3
    assert "baseline" in text and "edit 0" in text and "edit 1" in text and "seed" in text


def test_bad_edit_parameters_name_the_field() -> None:
    with pytest.raises(InputError) as err:
        parse_spec({"baseline": "sample", "edits": [{"add_rms": {"count": -1, "line": "x"}}]})
    columns = {i.column for i in err.value.issues}
    assert any(c and "count" in c for c in columns) and any(c and "line" in c for c in columns)


def test_grid_keys_must_name_an_edit() -> None:
    with pytest.raises(InputError, match="no edit with id or index 'nope'"):
        parse_spec({**FILE_FORM, "sweep": {"grid": {"nope.count": [1]}}})
    with pytest.raises(InputError, match="ids must be unique"):
        parse_spec({**FILE_FORM, "edits": [FILE_FORM["edits"][0]] * 2, "sweep": None})


def test_grid_points_and_params() -> None:
    spec = parse_spec(FILE_FORM)
    points = spec.sweep.points()
    assert points == [
        {"hires.count": c, "thr.tiers.private.aum_min": t} for c in (0, 2, 4) for t in (6e6, 8e6)
    ]
    at = spec.with_params(points[3])
    assert at.edits[0].count == 2
    assert at.edits[2].override == {"tiers": {"private": {"aum_min": 8e6}}}
    assert at.sweep is None and spec.edits[0].count == 3  # the spec itself is unchanged
    by_index = spec.with_params({"0.count": 9})
    assert by_index.edits[0].count == 9


def test_load_spec_resolves_paths_against_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(
        "baseline: {customers: data/c.csv, rms: data/r.csv}\nsalaries: data/s.csv\n"
    )
    spec = load_spec(spec_file)
    assert spec.baseline.customers == str(tmp_path / "data" / "c.csv")
    assert spec.salaries == str(tmp_path / "data" / "s.csv")
    assert load_spec({"baseline": "sample", "salaries": "default"}).salaries == "default"


def test_unreadable_spec_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_spec(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(InputError, match="mapping"):
        load_spec(tmp_path / "list.yaml")


@pytest.mark.parametrize("name", ["scenario_cfp_hires.yaml", "sweep_cfp.yaml"])
def test_example_specs_are_valid(name: str) -> None:
    spec = load_spec(EXAMPLES / name)
    assert spec.edits
    if name.startswith("sweep"):
        assert spec.sweep is not None and len(spec.sweep.points()) > 1
