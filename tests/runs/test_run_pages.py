"""The run pages: start a run from the browser, progress, downloads, compare, approve, access."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.db import utcnow
from consortium.models import AuditEntry, Run
from tests import factories
from tests.conftest import login
from tests.runs.conftest import fresh

FORM = {"time_limit": "30", "gap": "0", "fairness": "y", "solver": "highs"}


def _run_from_browser(client, round_, **overrides):
    response = client.post(f"/admin/rounds/{round_.id}/runs", data={**FORM, **overrides})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_admin_runs_the_optimizer_from_the_browser(admin_client, session, closed_round):
    page = admin_client.get(f"/admin/rounds/{closed_round.id}/runs").get_data(as_text=True)
    assert "Run the optimizer" in page and "No runs yet" in page
    run_id = _run_from_browser(admin_client, closed_round)
    run = session.get(Run, run_id)
    assert run.status == "succeeded" and run.fairness is True and run.time_limit == 30
    page = admin_client.get(f"/admin/runs/{run_id}").get_data(as_text=True)
    for text in ("$1,220,000", "$1,150,000", "$70,000", "5.74 %", "2 of 3", "Los Angeles: 6",
                 "Seattle: 6", "SEA-2", "Unplaced lines",
                 'id="run-charts"', "js/runs.js", "Download plan file"):
        assert text in page, text
    charts = json.loads(page.split('id="run-charts">', 1)[1].split("</script>", 1)[0])
    assert charts["units"] == [{"product": "BUS", "values": [0, 12, 0, 0]}]
    listing = admin_client.get(f"/admin/rounds/{closed_round.id}/runs").get_data(as_text=True)
    assert f"Run {run_id}" in listing and "$70,000" in listing


def test_fairness_off_and_field_errors(admin_client, session, closed_round):
    run_id = _run_from_browser(admin_client, closed_round, fairness="")
    assert session.get(Run, run_id).fairness is False
    response = admin_client.post(f"/admin/rounds/{closed_round.id}/runs",
                                 data={**FORM, "time_limit": "0", "gap": "2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Between 1.0 and 3600.0 seconds." in page and "Between 0.0 and 0.5" in page
    assert len(session.exec(select(Run)).all()) == 1


def test_an_open_round_cannot_be_run(admin_client, session):
    round_ = factories.make_round(session, status="open")
    page = admin_client.get(f"/admin/rounds/{round_.id}/runs").get_data(as_text=True)
    assert "close the round for demand first" in page
    response = admin_client.post(f"/admin/rounds/{round_.id}/runs", data=FORM)
    assert response.status_code == 422 and "Close the round" in response.get_data(as_text=True)


def test_invalid_demand_is_listed(admin_client, session, member):
    round_ = factories.make_round(session, status="closed")
    product = factories.make_product(session, tiers=())
    factories.make_line(session, round=round_, member=member, product=product)
    response = admin_client.post(f"/admin/rounds/{round_.id}/runs", data=FORM)
    assert response.status_code == 422
    assert "cannot be optimized as it is" in response.get_data(as_text=True)
    assert "tiers" in response.get_data(as_text=True)


def test_progress_partial_while_running_and_when_done(admin_client, session, closed_round):
    run = factories.make_run(session, round=closed_round, status="running", plan=None,
                             stage="solve", progress_done=2, progress_total=7,
                             started_at=utcnow() - timedelta(seconds=42))
    response = admin_client.get(f"/admin/runs/{run.id}/progress", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "Solving: subproblem 2 of 7" in body and "42 s elapsed" in body
    assert 'hx-trigger="every 1s"' in body and "HX-Refresh" not in response.headers
    run.status, run.stage, run.finished_at = "succeeded", "done", utcnow()
    run.plan = {"status": "optimal"}
    session.add(run)
    session.commit()
    response = admin_client.get(f"/admin/runs/{run.id}/progress", headers={"HX-Request": "true"})
    assert response.headers["HX-Refresh"] == "true"
    assert "every 1s" not in response.get_data(as_text=True)


def test_a_crashed_worker_shows_as_failed_on_the_page(admin_client, session, closed_round, settings):
    old = utcnow() - timedelta(minutes=settings.run_stale_minutes + 1)
    run = factories.make_run(session, round=closed_round, status="running", plan=None,
                             started_at=old, heartbeat_at=old)
    page = admin_client.get(f"/admin/runs/{run.id}").get_data(as_text=True)
    assert "The worker stopped while solving (no progress for 10 minutes). Run it again." in page
    assert fresh(session, run).status == "failed"


def test_downloads(admin_client, session, closed_round):
    run_id = _run_from_browser(admin_client, closed_round)
    run = session.get(Run, run_id)
    response = admin_client.get(f"/admin/runs/{run_id}/problem.json")
    assert response.mimetype == "application/json"
    assert f"test-round-run{run_id}-problem.json" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"  # it holds every member's demand
    assert json.loads(response.data) == run.problem
    assert json.loads(admin_client.get(f"/admin/runs/{run_id}/plan.json").data) == run.plan
    failed = factories.make_run(session, round=closed_round, status="failed", plan=None)
    assert admin_client.get(f"/admin/runs/{failed.id}/plan.json").status_code == 404


def test_approval(admin_client, session, closed_round, admin):
    run_id = _run_from_browser(admin_client, closed_round)
    failed = factories.make_run(session, round=closed_round, status="failed", plan=None, error="x")
    response = admin_client.post(f"/admin/runs/{failed.id}/approve", follow_redirects=True)
    assert "Only a run that succeeded can be approved." in response.get_data(as_text=True)
    assert fresh(session, closed_round).approved_run_id is None
    response = admin_client.post(f"/admin/runs/{run_id}/approve", follow_redirects=True)
    assert f"Run {run_id} is now the approved plan" in response.get_data(as_text=True)
    assert fresh(session, closed_round).approved_run_id == run_id
    run = fresh(session, session.get(Run, run_id))
    assert run.approved_by_id == admin.id and run.approved_at
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "approve")).one()
    assert entry.before == {"approved_run_id": None} and entry.after == {"approved_run_id": run_id}
    # A second successful run replaces the approval; the first stays as it was.
    second = _run_from_browser(admin_client, closed_round, fairness="")
    admin_client.post(f"/admin/runs/{second}/approve")
    assert fresh(session, closed_round).approved_run_id == second
    assert fresh(session, run).status == "succeeded"
    assert "already published" not in admin_client.get(f"/admin/runs/{second}").get_data(as_text=True)


def test_approving_after_publication_says_to_publish_addenda(admin_client, session, closed_round):
    from consortium.models import BidPackage, Product

    first_id = _run_from_browser(admin_client, closed_round)
    first = session.get(Run, first_id)
    admin_client.post(f"/admin/runs/{first_id}/approve")
    product = session.exec(select(Product)).first() or factories.make_product(session)
    session.add(BidPackage(round_id=closed_round.id, product_id=product.id, reference="ocds-x-1",
                           title="Published earlier"))
    session.commit()
    second = session.get(Run, _run_from_browser(admin_client, closed_round, fairness=""))
    page = admin_client.post(f"/admin/runs/{second.id}/approve", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert f"Run {second.id} is now the approved plan" in text
    assert "publish an addendum to each package" in text
    assert fresh(session, closed_round).approved_run_id == second.id != first.id


def test_approval_needs_csrf(session, closed_round, admin, csrf_client):
    run = factories.make_run(session, round=closed_round, plan=factories.plan_dict())
    client = csrf_client
    with client.session_transaction() as s:
        s["_user_id"] = str(admin.id)
        s["_fresh"] = True
    assert client.post(f"/admin/runs/{run.id}/approve").status_code == 400
    assert fresh(session, closed_round).approved_run_id is None


def test_compare_page(admin_client, session, closed_round):
    a = _run_from_browser(admin_client, closed_round)
    b = _run_from_browser(admin_client, closed_round, fairness="")
    page = admin_client.get(f"/admin/rounds/{closed_round.id}/runs/compare?a={a}&b={b}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Stand-alone cost" in body
    assert "same tranches" in body  # same demand, fairness costs nothing here
    other_round = factories.make_round(session, status="closed")
    assert admin_client.get(f"/admin/rounds/{other_round.id}/runs/compare?a={a}&b={b}").status_code == 404
    assert admin_client.get(f"/admin/rounds/{closed_round.id}/runs/compare?a={a}&b=x").status_code == 404


@pytest.mark.parametrize("who", ["fleet_manager", "vendor_user"])
def test_only_admins_run_approve_or_see_runs(client, session, closed_round, request, who):
    user = request.getfixturevalue(who)
    run = factories.make_run(session, round=closed_round, plan=factories.plan_dict())
    login(client, user)
    for url in (f"/admin/rounds/{closed_round.id}/runs", f"/admin/runs/{run.id}",
                f"/admin/runs/{run.id}/progress", f"/admin/runs/{run.id}/plan.json",
                f"/admin/runs/{run.id}/problem.json",
                f"/admin/rounds/{closed_round.id}/runs/compare?a={run.id}&b={run.id}"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/rounds/{closed_round.id}/runs", data=FORM).status_code == 403
    assert client.post(f"/admin/runs/{run.id}/approve").status_code == 403
    assert session.exec(select(Run)).all() == [run] and fresh(session, closed_round).approved_run_id is None


def test_unknown_ids_are_404(admin_client):
    assert admin_client.get("/admin/runs/999").status_code == 404
    assert admin_client.get("/admin/rounds/999/runs").status_code == 404
