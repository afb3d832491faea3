"""`consortium run`: the same run as the web app, synchronously, with the run id printed last."""

from __future__ import annotations

from click.testing import CliRunner

from consortium.cli import AppHolder, cli
from consortium.db import commit
from consortium.models import Run
from tests.runs.conftest import fresh


def _invoke(app, *args):
    holder = AppHolder()
    holder._app = app
    return CliRunner().invoke(cli, list(args), obj=holder, catch_exceptions=False)


def test_run_prints_progress_and_the_run_id_last(app, session, closed_round):
    result = _invoke(app, "run", "test-round", "--time-limit", "20", "--gap", "0")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    run = session.get(Run, int(lines[-1]))
    assert run.status == "succeeded" and run.time_limit == 20 and run.fairness is True
    assert any(line.strip().startswith("solve") for line in lines)
    assert "12 units placed in 1 tranches" in result.output and "savings 70,000" in result.output


def test_cli_and_browser_give_the_same_plan(app, admin_client, session, closed_round):
    response = admin_client.post(f"/admin/rounds/{closed_round.id}/runs",
                                 data={"time_limit": "60", "gap": "0.000001", "fairness": "y",
                                       "solver": "highs"})
    web = session.get(Run, int(response.headers["Location"].rsplit("/", 1)[-1]))
    result = _invoke(app, "run", "test-round")
    cli_run = fresh(session, session.get(Run, int(result.output.strip().splitlines()[-1])))
    assert cli_run.problem == web.problem
    strip = lambda plan: {k: v for k, v in plan.items() if k != "solver"}
    assert strip(cli_run.plan) == strip(web.plan)


def test_no_fairness_and_errors(app, session, closed_round):
    result = _invoke(app, "run", "test-round", "--no-fairness")
    assert result.exit_code == 0
    assert session.get(Run, int(result.output.strip().splitlines()[-1])).fairness is False
    result = _invoke(app, "run", "no-such-round")
    assert result.exit_code == 1 and "No round has the slug 'no-such-round'" in result.output
    result = _invoke(app, "run", "test-round", "--time-limit", "0")
    assert result.exit_code == 1 and "time limit must be between 1 and 3600" in result.output
    closed_round.status = "open"
    session.add(closed_round)
    session.commit()
    result = _invoke(app, "run", "test-round")
    assert result.exit_code == 1 and "Close the round before running the optimizer" in result.output


def test_a_failing_solve_exits_non_zero_with_the_run_id(app, session, closed_round, monkeypatch):
    from consortium import optimizer

    def broken(problem, **kwargs):
        raise RuntimeError("no solver")

    monkeypatch.setattr(optimizer, "optimize", broken)
    result = _invoke(app, "run", "test-round")
    assert result.exit_code == 1
    run = session.get(Run, int(result.output.strip().splitlines()[-1]))
    assert run.status == "failed" and "no solver" in run.error
    assert "Failed: The optimizer stopped with an error: no solver." in result.output


def test_the_demo_round_gives_the_same_plan_from_the_browser_and_the_cli(app, admin_client, session):
    from sqlmodel import select

    from consortium.cli import FIXTURES
    from consortium.models import Round
    from consortium.services.fixtures import load_fixtures

    load_fixtures(session, FIXTURES / "demo")
    commit(session)
    demo = session.exec(select(Round).where(Round.status == "closed")).first()
    assert demo is not None, "the demo fixtures have a closed round"
    response = admin_client.post(f"/admin/rounds/{demo.id}/runs",
                                 data={"time_limit": "60", "gap": "0.000001", "fairness": "y",
                                       "solver": "highs"})
    web = session.get(Run, int(response.headers["Location"].rsplit("/", 1)[-1]))
    assert web.status == "succeeded", web.error
    result = _invoke(app, "run", demo.slug)
    assert result.exit_code == 0, result.output
    cli_run = fresh(session, session.get(Run, int(result.output.strip().splitlines()[-1])))
    assert cli_run.problem == web.problem
    strip = lambda plan: {k: v for k, v in plan.items() if k != "solver"}
    assert strip(cli_run.plan) == strip(web.plan)
    assert web.plan["placed_units"] > 0 and web.plan["totals"]["savings"] > 0
    assert admin_client.get(f"/admin/runs/{web.id}").status_code == 200
