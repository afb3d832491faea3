"""The `award-optimize` command, driven through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from consortium.cli.award import award_optimize_command
from consortium.cli import cli
from tests.award.checker import check_award

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "award"
SMALL = str(FIXTURES / "small.json")


def test_summary_names_awards_discounts_reasons_and_totals():
    result = CliRunner().invoke(award_optimize_command, [SMALL])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Status: optimal" in out
    assert "Awarded units: 20" in out
    assert "Total cost: $17,214,000" in out
    assert "BEB-40/LOT-1       BID-1        Pacific Coach Works" in out
    assert "BID-1 (Pacific Coach Works): $150,000 for BEB-40/LOT-1, BEB-40/LOT-3" in out
    assert "VAN/LOT-1: no bid priced it" in out
    assert "Pacific Coach Works             2 lots     11 units" in out
    assert "Springfield             10 units  gross       $9,040,000" in out


def test_writes_the_award_file(tmp_path):
    target = tmp_path / "award.json"
    result = CliRunner().invoke(award_optimize_command,
                                [SMALL, "-o", str(target), "--time-limit", "30"])
    assert result.exit_code == 0, result.output
    assert f"Award written to {target}" in result.stdout
    award = json.loads(target.read_text())
    check_award(json.loads(Path(SMALL).read_text()), award)
    assert award["total_cost"] == 17_214_000 and award["solver"]["name"] == "HiGHS"


def test_dash_writes_only_the_award_json_and_cbc_agrees():
    for solver in ("highs", "cbc"):
        result = CliRunner().invoke(award_optimize_command, [SMALL, "-o", "-", "--solver", solver])
        assert result.exit_code == 0, result.output
        award = json.loads(result.stdout)
        assert award["total_cost"] == 17_214_000 and award["status"] == "optimal"


def test_registered_on_the_consortium_command():
    result = CliRunner().invoke(cli, ["award-optimize", SMALL, "-o", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["awarded_units"] == 20


def test_invalid_problem_exits_2_listing_every_error_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lots": [{"id": "L", "product": "P", "period": "Q",
                                         "quantity": 0}],
                               "bids": [{"id": "B", "vendor": "V",
                                         "prices": [{"lot": "X", "unit_price": 5}]}],
                               "max_lots_per_vendor": 0}))
    result = CliRunner().invoke(award_optimize_command, [str(bad), "-o", str(tmp_path / "a")])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    err = result.stderr
    assert "invalid problem (3 errors)" in err
    assert "lots[0].quantity: 0 must be an integer >= 1" in err
    assert 'bids[0].prices[0].lot: "X" is not one of the lots' in err
    assert "max_lots_per_vendor: 0 must be an integer >= 1" in err
    assert "Traceback" not in result.output
    assert not (tmp_path / "a").exists()


def test_unreadable_and_non_json_files_exit_2(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(award_optimize_command, [str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    result = runner.invoke(award_optimize_command, [str(garbage)])
    assert result.exit_code == 2 and "not valid JSON" in result.stderr


def test_bad_options_are_usage_errors():
    assert CliRunner().invoke(award_optimize_command, [SMALL, "--time-limit", "0"]).exit_code == 2
    assert CliRunner().invoke(award_optimize_command, [SMALL, "--solver", "x"]).exit_code == 2
