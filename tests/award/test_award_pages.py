"""The award pages: evaluate, run, follow, read, compare and approve, as an admin only."""

from __future__ import annotations

from sqlmodel import select

from consortium.models import AwardRun, AwardRunStatus, BidEvaluation
from consortium.services import awards
from tests import factories
from tests.conftest import csrf_token, login

DEMO_SIGN_INS = {"fleet": ("fleet@los-angeles.example", "demo-fleet-2027"),
                 "vendor": ("sales@pacific.example", "demo-vendor-2027")}


def _sign_in(client, who: str) -> None:
    email, password = DEMO_SIGN_INS[who]
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302


def test_the_admin_evaluates_runs_compares_and_approves(client, session, tender, admin):
    login(client, admin)
    page = client.get(f"/admin/rounds/{tender.id}/award")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = awards.opened_bids(session, tender)
    assert html.count('class="evaluation-form"') == len(rows)
    bid = rows[0]["bid"]

    # Not responsive without a reason: refused, nothing stored.
    refused = client.post(f"/admin/bids/{bid.id}/evaluation",
                          data={f"bid{bid.id}-responsive": "no", f"bid{bid.id}-reason": ""},
                          follow_redirects=True)
    assert "Give the reason" in refused.get_data(as_text=True)
    assert session.exec(select(BidEvaluation)).all() == []
    done = client.post(f"/admin/bids/{bid.id}/evaluation",
                       data={f"bid{bid.id}-responsive": "no",
                             f"bid{bid.id}-reason": "No Buy America certification"},
                       follow_redirects=True)
    assert "is marked not responsive" in done.get_data(as_text=True)
    assert "No Buy America certification" in done.get_data(as_text=True)

    # A bad limit is refused with a message and starts nothing.
    bad = client.post(f"/admin/rounds/{tender.id}/award",
                      data={"max_lots_per_vendor": "0", "time_limit": "30"})
    assert bad.status_code == 422 and "Between 1 and 1000 lots" in bad.get_data(as_text=True)
    assert session.exec(select(AwardRun)).all() == []

    started = client.post(f"/admin/rounds/{tender.id}/award",
                          data={"max_lots_per_vendor": "", "time_limit": "30"})
    assert started.status_code == 302
    first = session.exec(select(AwardRun).order_by(AwardRun.id)).all()[-1]
    assert started.headers["Location"].endswith(f"/admin/award-runs/{first.id}")
    session.refresh(first)
    assert first.status == AwardRunStatus.SUCCEEDED  # the test queue runs the task at once
    assert f"BID-{bid.id}" not in {b["id"] for b in first.problem["bids"]}
    detail = client.get(f"/admin/award-runs/{first.id}").get_data(as_text=True)
    for heading in ("Awards per lot", "Discounts applied", "Unawarded lots",
                    "Members against their estimates", "Runner-up"):
        assert heading in detail
    award = first.result["awards"][0]
    assert award["vendor"] in detail and award["lot"] in detail

    progress = client.get(f"/admin/award-runs/{first.id}/progress", headers={"HX-Request": "1"})
    assert progress.headers.get("HX-Refresh") == "true"
    assert client.get(f"/admin/award-runs/{first.id}/award.json").get_json() == first.result
    assert client.get(f"/admin/award-runs/{first.id}/problem.json").get_json() == first.problem

    client.post(f"/admin/rounds/{tender.id}/award",
                data={"max_lots_per_vendor": "2", "time_limit": "30"})
    second = session.exec(select(AwardRun).order_by(AwardRun.id)).all()[-1]
    assert second.id != first.id
    compared = client.get(f"/admin/rounds/{tender.id}/award/compare"
                          f"?run={first.id}&run={second.id}").get_data(as_text=True)
    assert "Winners per lot" in compared and "◆" in compared
    assert f"Award run {first.id}" in compared and f"Award run {second.id}" in compared

    approved = client.post(f"/admin/award-runs/{second.id}/approve", follow_redirects=True)
    assert "is now the approved award" in approved.get_data(as_text=True)
    session.refresh(second)
    assert second.approved_at is not None
    listing = client.get(f"/admin/rounds/{tender.id}/award").get_data(as_text=True)
    assert "The approved award is" in listing and f"award run {second.id}" in listing


def test_the_round_page_and_the_tabulation_link_to_the_award(client, session, tender, admin):
    login(client, admin)
    assert f"/admin/rounds/{tender.id}/award" in \
        client.get(f"/admin/rounds/{tender.id}").get_data(as_text=True)
    package = awards.opened_bids(session, tender)[0]["package"]
    assert f"/admin/rounds/{tender.id}/award" in \
        client.get(f"/bids/packages/{package.id}/tabulation").get_data(as_text=True)


def test_a_round_without_packages_says_so(client, session, admin):
    login(client, admin)
    round_ = factories.make_round(session, status="closed")
    html = client.get(f"/admin/rounds/{round_.id}/award").get_data(as_text=True)
    assert "no published bid packages yet" in html and "No award run yet" in html
    assert 'class="run-form"' not in html


def test_fleet_managers_and_vendors_are_refused(client, session, tender, admin):
    run = awards.create_award_run(session, tender, admin)
    session.commit()
    bid = awards.opened_bids(session, tender)[0]["bid"]
    for who in ("fleet", "vendor"):
        _sign_in(client, who)
        for url in (f"/admin/rounds/{tender.id}/award", f"/admin/award-runs/{run.id}",
                    f"/admin/award-runs/{run.id}/problem.json",
                    f"/admin/rounds/{tender.id}/award/compare?run={run.id}"):
            assert client.get(url).status_code == 403, (who, url)
        assert client.post(f"/admin/award-runs/{run.id}/approve").status_code == 403
        assert client.post(f"/admin/bids/{bid.id}/evaluation",
                           data={f"bid{bid.id}-responsive": "no",
                                 f"bid{bid.id}-reason": "x"}).status_code == 403
        client.post("/logout")
    assert session.exec(select(BidEvaluation)).all() == []
    session.refresh(run)
    assert run.approved_at is None


def test_approval_needs_the_csrf_token(csrf_client, session, tender, admin, engine):
    run = awards.start_award_run(session, tender, admin,
                                 enqueue=lambda run_id: awards.execute_award_run(engine, run_id))
    from consortium.db import commit
    commit(session)
    login_page = csrf_client.get("/login").get_data(as_text=True)
    from tests.factories import PASSWORD
    csrf_client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                     "csrf_token": csrf_token(login_page)})
    csrf_client.post(f"/admin/award-runs/{run.id}/approve")
    session.expire_all()
    assert session.get(AwardRun, run.id).approved_at is None
    page = csrf_client.get(f"/admin/award-runs/{run.id}").get_data(as_text=True)
    assert "data-confirm=" in page
    token = csrf_token(page[page.index('action="/admin/award-runs/'):])
    csrf_client.post(f"/admin/award-runs/{run.id}/approve", data={"csrf_token": token})
    session.expire_all()
    assert session.get(AwardRun, run.id).approved_at is not None


def test_a_queued_run_shows_its_progress_and_polls(client, session, tender, admin):
    run = awards.create_award_run(session, tender, admin)
    session.commit()
    login(client, admin)
    detail = client.get(f"/admin/award-runs/{run.id}").get_data(as_text=True)
    assert "Waiting for the worker" in detail
    assert f'hx-get="/admin/award-runs/{run.id}/progress"' in detail
    partial = client.get(f"/admin/award-runs/{run.id}/progress", headers={"HX-Request": "1"})
    assert "HX-Refresh" not in partial.headers and "every 1s" in partial.get_data(as_text=True)
    assert client.get(f"/admin/award-runs/{run.id}/award.json").status_code == 404
    assert "Approve this award" not in detail
