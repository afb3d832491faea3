"""`consortium award ROUND_SLUG` and `consortium award approve AWARD_RUN_ID`."""

from __future__ import annotations

from click.testing import CliRunner
from sqlmodel import select

from consortium.award import award_to_dict, optimize_award, parse_award_problem
from consortium.cli import cli
from consortium.models import AwardRun, AwardRunStatus
from consortium.services import awards


def _cli(app, args):
    settings = app.extensions["consortium.settings"]
    env = {"DATABASE_URL": settings.database_url, "CONSORTIUM_ENV": "testing",
           "CONSORTIUM_INSTANCE": str(settings.instance_path), "SECRET_KEY": "", "REDIS_URL": "",
           "BID_SEALING_KEY": ""}
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_award_runs_a_round_and_prints_the_run_id_last(app, session, tender, admin):
    bid = awards.opened_bids(session, tender)[0]["bid"]
    awards.set_evaluation(session, bid, admin, responsive=False, reason="No bid bond")
    session.commit()
    result = _cli(app, ["award", tender.slug, "--max-lots-per-vendor", "3", "--time-limit", "20"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    run = session.exec(select(AwardRun)).one()
    assert lines[-1] == str(run.id)
    assert "(1 excluded)" in lines[0] and "lots per vendor: 3" in lines[0]
    assert run.status == AwardRunStatus.SUCCEEDED and run.problem["max_lots_per_vendor"] == 3
    expected = award_to_dict(optimize_award(parse_award_problem(run.problem), time_limit=20))
    assert run.result["awards"] == expected["awards"]
    assert f"{run.result['awarded_units']} units awarded" in result.stdout
    assert any(line.startswith("  not awarded: ") for line in lines)  # 3 lots a vendor

    # The explicit subcommand is the same command, and options may come before the slug.
    again = _cli(app, ["award", "run", tender.slug])
    assert again.exit_code == 0, again.output
    second = int(again.stdout.strip().splitlines()[-1])
    first_options = _cli(app, ["award", "--time-limit", "15", tender.slug])
    assert first_options.exit_code == 0, first_options.output
    third = session.get(AwardRun, int(first_options.stdout.strip().splitlines()[-1]))
    assert third.time_limit == 15 and third.id not in (run.id, second)

    approved = _cli(app, ["award", "approve", str(second)])
    assert approved.exit_code == 0, approved.output
    assert f"Award run {second} is now the approved award" in approved.stdout
    session.expire_all()
    assert awards.approved_award_run(session, tender).id == second
    twice = _cli(app, ["award", "approve", str(second)])
    assert twice.exit_code == 1 and "already the approved award" in twice.output
    assert _cli(app, ["award", "approve", "999999"]).exit_code == 1


def test_award_refuses_an_unknown_round_and_bad_parameters(app, session, tender):
    unknown = _cli(app, ["award", "no-such-round"])
    assert unknown.exit_code == 1 and "No round has the slug 'no-such-round'" in unknown.output
    bad = _cli(app, ["award", tender.slug, "--max-lots-per-vendor", "0"])
    assert bad.exit_code == 1 and "most lots per vendor" in bad.output
    assert session.exec(select(AwardRun)).all() == []
    helped = _cli(app, ["award", "--help"])
    assert helped.exit_code == 0 and "approve" in helped.output and "ROUND_SLUG" in helped.output
    bare = _cli(app, ["award"])
    assert "approve" in bare.output and session.exec(select(AwardRun)).all() == []
