"""`consortium rounds list|close` and `consortium export-problem`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlmodel import select

from consortium.cli import cli
from consortium.models import AuditEntry, Round
from consortium.services.problem import build_problem, problem_json
from tests import factories


@pytest.fixture
def runner(database_url, monkeypatch, tmp_path, session):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CONSORTIUM_ENV", "testing")
    monkeypatch.setenv("CONSORTIUM_INSTANCE", str(tmp_path))
    return CliRunner()


@pytest.fixture
def demand(session, member, other_member):
    round_ = factories.make_round(session, slug="fleet-2027", periods=["2027Q1", "2027Q2"])
    factories.make_round(session, slug="draft-2028", status="draft")
    product = factories.make_product(session, "BEB-40", min_tranche=2)
    factories.make_line(session, round=round_, member=member, product=product, ref="LA-1", quantity=6)
    factories.make_line(session, round=round_, member=other_member, product=product, ref="SEA-1",
                        quantity=2, earliest="2027Q2")
    return round_


def test_rounds_list(runner, demand):
    result = runner.invoke(cli, ["rounds", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["SLUG", "STATUS", "DEADLINE", "LINES"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["fleet-2027"][1] == "open" and rows["fleet-2027"][-1] == "2"
    assert rows["draft-2028"][1] == "draft" and rows["draft-2028"][-1] == "0"
    assert " ".join(rows["fleet-2027"][2:5]) == demand.deadline.strftime("%Y-%m-%d %H:%M UTC")


def test_rounds_list_when_empty(runner):
    result = runner.invoke(cli, ["rounds", "list"])
    assert result.exit_code == 0 and "No rounds yet" in result.output


def test_rounds_close(runner, session, demand):
    result = runner.invoke(cli, ["rounds", "close", "fleet-2027"])
    assert result.exit_code == 0, result.output
    assert "Closed fleet-2027 with 2 demand lines." in result.output
    session.expire_all()
    round_ = session.get(Round, demand.id)
    assert round_.status == "closed" and round_.closed_at is not None
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "close")).one()
    assert entry.user_email == "system" and entry.round_id == demand.id
    again = runner.invoke(cli, ["rounds", "close", "fleet-2027"])
    assert again.exit_code != 0 and "already closed" in again.output
    draft = runner.invoke(cli, ["rounds", "close", "draft-2028"])
    assert draft.exit_code != 0 and "still a draft" in draft.output
    unknown = runner.invoke(cli, ["rounds", "close", "nope"])
    assert unknown.exit_code != 0 and "No round has the slug 'nope'" in unknown.output
    assert "fleet-2027" in unknown.output  # lists the known slugs


def test_export_problem_to_a_file_is_accepted_by_the_optimizer(runner, session, demand, tmp_path):
    from consortium.optimizer import load_problem, parse_problem

    out = tmp_path / "problem.json"
    result = runner.invoke(cli, ["export-problem", "fleet-2027", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 products, 2 demand lines" in result.output
    assert out.read_text() == problem_json(build_problem(session, demand))
    data = json.loads(out.read_text())
    assert [d["id"] for d in data["demand"]] == ["LA-1", "SEA-1"]
    assert list(parse_problem(data).periods) == ["2027Q1", "2027Q2"]
    load_problem(out)  # the optimizer's own file reader accepts it too


def test_export_problem_to_stdout_and_errors(runner, session, demand, tmp_path):
    result = runner.invoke(cli, ["export-problem", "fleet-2027", "-o", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == build_problem(session, demand)
    missing_o = runner.invoke(cli, ["export-problem", "fleet-2027"])
    assert missing_o.exit_code != 0 and "-o" in missing_o.output
    unknown = runner.invoke(cli, ["export-problem", "nope", "-o", "-"])
    assert unknown.exit_code != 0 and "No round has the slug 'nope'" in unknown.output
    bad_dir = runner.invoke(cli, ["export-problem", "fleet-2027", "-o",
                                  str(tmp_path / "no" / "such" / "dir.json")])
    assert bad_dir.exit_code != 0 and "Cannot write" in bad_dir.output
