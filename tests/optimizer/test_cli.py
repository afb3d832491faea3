"""The `optimize` command, driven through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from consortium.optimizer import read_plan
from consortium.cli.optimize import optimize_command
from tests.optimizer.checker import check_plan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"
SMALL = str(FIXTURES / "small.json")


def test_summary_names_totals_tranches_and_unplaced_lines():
    result = CliRunner().invoke(optimize_command, [SMALL])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Status: optimal" in out
    assert "Placed units: 22" in out
    assert "Consortium total: $20,940,000" in out
    assert "Stand-alone total: $22,080,000" in out
    assert "Savings: $1,140,000 (5.16% of stand-alone)" in out
    assert "T1     BEB-40       2027Q2       10" in out
    assert "ELM-1 (Elmira, 1 unit): 1 unit is below the vendor minimum of 2" in out


def test_writes_the_plan_file(tmp_path):
    target = tmp_path / "plan.json"
    result = CliRunner().invoke(optimize_command, [SMALL, "-o", str(target), "--time-limit", "30",
                                                   "--gap", "0"])
    assert result.exit_code == 0, result.output
    assert f"Plan written to {target}" in result.stdout
    data = json.loads(target.read_text())
    check_plan(json.loads(Path(SMALL).read_text()), data, fairness=True)
    assert data["solver"]["time_limit"] == 30.0 and data["solver"]["gap_requested"] == 0.0
    assert read_plan(target).to_dict() == data


def test_dash_writes_only_the_plan_json_to_stdout():
    result = CliRunner().invoke(optimize_command, [SMALL, "-o", "-"])
    assert result.exit_code == 0
    plan = json.loads(result.stdout)
    assert plan["total_cost"] == 20_940_000 and plan["status"] == "optimal"


def test_no_fairness_and_cbc_options():
    result = CliRunner().invoke(optimize_command, [SMALL, "-o", "-", "--no-fairness",
                                                   "--solver", "cbc"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["solver"]["name"] == "CBC" and plan["solver"]["fairness"] is False
    assert plan["total_cost"] == 20_940_000


def test_invalid_problem_exits_2_listing_every_error_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"periods": ["2027Q1"], "products": [], "demand": [
        {"id": "a", "member": "m", "product": "X", "quantity": 0, "earliest": "2029Q1",
         "latest": "2027Q1"}]}))
    result = CliRunner().invoke(optimize_command, [str(bad)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    err = result.stderr
    assert "invalid problem (3 errors)" in err
    assert 'demand[0].product: "X" is not one of the product codes' in err
    assert "demand[0].quantity: 0 must be an integer >= 1" in err
    assert 'demand[0].earliest: "2029Q1" is not one of the periods' in err
    assert "Traceback" not in result.output


def test_unreadable_and_non_json_files_exit_2(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(optimize_command, [str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json at all")
    result = runner.invoke(optimize_command, [str(garbage)])
    assert result.exit_code == 2 and "not valid JSON" in result.stderr


def test_bad_options_are_usage_errors():
    result = CliRunner().invoke(optimize_command, [SMALL, "--solver", "gurobi"])
    assert result.exit_code == 2
    result = CliRunner().invoke(optimize_command, [SMALL, "--time-limit", "0"])
    assert result.exit_code == 2
