"""Every notification event end to end: the admin's action in the web app -> the in-app list and
the outbox (no SMTP here, so each message is delivered to the outbox and marked not sent)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from consortium.db import commit, utcnow
from consortium.models import Download, PackageFile, PackageVersion
from consortium.services.mailer import NO_SMTP
from tests import factories
from tests.notify.conftest import inbox, outbox


def _check_delivered_to_outbox(messages):
    assert messages
    for m in messages:
        assert m.status == "unsent" and m.last_error == NO_SMTP and m.attempts == 1


def test_vendor_approved_and_rejected(admin_client, session):
    vendor = factories.make_vendor(session, "Volta Buses", status="pending")
    rep = factories.make_user(session, "vendor", vendor=vendor, email="rep@volta.example.com")
    assert admin_client.post(f"/admin/vendors/{vendor.id}/approve").status_code == 302
    [approved] = outbox(session, kind="vendor_decision")
    assert approved.to == rep.email and "Volta Buses is approved" in approved.subject
    assert [n.link for n in inbox(session, rep)] == ["/vendors/packages"]
    assert admin_client.post(f"/admin/vendors/{vendor.id}/reject").status_code == 302
    rejected = outbox(session, kind="vendor_decision")[-1]
    assert "not approved" in rejected.subject and rejected.to == rep.email
    _check_delivered_to_outbox(outbox(session))


def test_new_fleet_manager_gets_sign_in_details_without_the_password(admin_client, session, member):
    response = admin_client.post(f"/admin/members/{member.id}/users/new",
                                 data={"email": "new@la.example.com", "name": "New"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    [message] = outbox(session, kind="account_created")
    assert message.to == "new@la.example.com" and message.link == "/login"
    assert "temporary password" in message.body and "first sign-in" in message.body
    shown = re.search(r'<code id="temporary-password">([^<]+)</code>', page).group(1)
    assert len(shown) >= 10 and shown not in message.body  # the one-time password is never emailed
    _check_delivered_to_outbox([message])


def test_round_opened_and_closed_reach_active_fleet_managers(admin_client, session, fleet_manager,
                                                           other_fleet_manager):
    inactive = factories.make_user(session, "fleet_manager", active=False)
    round_ = factories.make_round(session, status="draft")
    assert admin_client.post(f"/admin/rounds/{round_.id}/open").status_code == 302
    opened = outbox(session, kind="round_opened")
    assert sorted(m.to for m in opened) == sorted([fleet_manager.email, other_fleet_manager.email])
    assert inactive.email not in {m.to for m in opened}
    assert inbox(session, fleet_manager)[0].link == f"/demand/rounds/{round_.id}"
    assert admin_client.post(f"/admin/rounds/{round_.id}/close").status_code == 302
    assert len(outbox(session, kind="round_closed")) == 2
    _check_delivered_to_outbox(outbox(session))


def test_plan_approved_tells_members_with_demand_to_see_their_results(
        admin_client, session, fleet_manager, other_fleet_manager, member):
    product = factories.make_product(session)
    round_ = factories.make_round(session, status="closed")
    factories.make_line(session, round=round_, member=member, product=product)
    run = factories.make_run(session, round=round_, plan=factories.plan_dict())
    assert admin_client.post(f"/admin/runs/{run.id}/approve").status_code == 302
    [message] = outbox(session, kind="plan_approved")
    assert message.to == fleet_manager.email and "see your results" in message.subject
    assert message.link == f"/results/rounds/{round_.id}"
    assert inbox(session, other_fleet_manager) == []


def test_package_published_to_approved_vendors_and_addendum_to_downloaders(
        session, admin, published, deadlines):
    approved = factories.make_user(session, "vendor", email="a@approved.example.com",
                                   vendor=factories.make_vendor(session, status="approved"))
    downloader = factories.make_user(session, "vendor", email="d@approved.example.com",
                                     vendor=factories.make_vendor(session, status="approved"))
    # The fixture published before these vendors existed: send the event publish_round sends.
    from consortium.models import BidPackage, Round
    from consortium.services import notifications
    bus = published["BEB-40"]
    round_ = session.get(Round, bus.round_id)
    notifications.package_published(session, round_, list(published.values()))
    session.commit()
    assert {m.to for m in outbox(session, kind="package_published")} >= {approved.email,
                                                                         downloader.email}
    version = session.exec(PackageVersion.__table__.select()
                           .where(PackageVersion.package_id == bus.id)).first()
    file = session.exec(PackageFile.__table__.select()
                        .where(PackageFile.version_id == version.id)).first()
    session.add(Download(user_id=downloader.id, vendor_id=downloader.vendor_id, file_id=file.id,
                         version_id=version.id, at=utcnow()))
    session.commit()
    from consortium.services.publishing import publish_addendum
    publish_addendum(session, session.get(BidPackage, bus.id), admin, change_note="Fixed a typo")
    commit(session)
    [message] = outbox(session, kind="addendum_published")
    assert message.to == downloader.email and "Addendum 1" in message.subject
    assert "Fixed a typo" in message.body and message.link == f"/vendors/packages/{bus.id}"


def test_publishing_a_round_notifies_approved_vendors(admin_client, session, demo_round, deadlines):
    vendor_user = factories.make_user(session, "vendor", email="v@ok.example.com",
                                      vendor=factories.make_vendor(session, status="approved"))
    pending = factories.make_user(session, "vendor", email="p@pending.example.com",
                                  vendor=factories.make_vendor(session, status="pending"))
    round_, _run = demo_round
    fmt = "%Y-%m-%dT%H:%M"
    response = admin_client.post(f"/admin/packages/round/{round_.id}", data={
        "bid_deadline": deadlines["bid_deadline"].strftime(fmt),
        "questions_deadline": deadlines["questions_deadline"].strftime(fmt), "confirm": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    messages = outbox(session, kind="package_published")
    assert [m.to for m in messages] == [vendor_user.email]
    assert pending.email not in {m.to for m in outbox(session)}
    _check_delivered_to_outbox(messages)


def test_turned_off_kind_is_neither_listed_nor_emailed(admin_client, session, fleet_manager,
                                                       other_fleet_manager):
    from consortium.services import notifications
    notifications.set_enabled_kinds(session, fleet_manager, ["round_closed"])  # opened: off
    session.commit()
    round_ = factories.make_round(session, status="draft")
    admin_client.post(f"/admin/rounds/{round_.id}/open")
    assert [m.to for m in outbox(session, kind="round_opened")] == [other_fleet_manager.email]
    assert inbox(session, fleet_manager) == []


def test_security_messages_cannot_be_turned_off(session, fleet_manager):
    from consortium.services import notifications
    with pytest.raises(ValueError):
        notifications.set_enabled_kinds(session, fleet_manager, ["password_reset"])
    assert "password_reset" not in notifications.kinds_for(fleet_manager)


# --- deadline reminders with a fixed clock --------------------------------------------------------

@pytest.fixture
def reminder_round(session, member, other_member, fleet_manager, other_fleet_manager):
    """An open round closing at a fixed time; Los Angeles has entered demand, Seattle has not."""
    deadline = utcnow().replace(microsecond=0) + timedelta(days=30)
    round_ = factories.make_round(session, status="open", deadline=deadline)
    factories.make_line(session, round=round_, member=member, product=factories.make_product(session))
    return round_


def test_reminders_7_days_and_1_day_once_each_to_members_without_demand(
        app, session, reminder_round, other_fleet_manager):
    from consortium.jobs import get_jobs
    jobs = get_jobs(app)
    deadline = reminder_round.deadline
    assert jobs.run_deadline_reminders(deadline - timedelta(days=8)) == 0
    assert jobs.run_deadline_reminders(deadline - timedelta(days=7)) == 1
    assert jobs.run_deadline_reminders(deadline - timedelta(days=6)) == 0  # sent once
    assert jobs.run_deadline_reminders(deadline - timedelta(hours=23)) == 1
    assert jobs.run_deadline_reminders(deadline - timedelta(hours=2)) == 0
    assert jobs.run_deadline_reminders(deadline + timedelta(hours=1)) == 0
    messages = outbox(session, kind="round_deadline")
    assert [m.to for m in messages] == [other_fleet_manager.email] * 2
    assert "in 7 days" in messages[0].subject and "tomorrow" in messages[1].subject
    _check_delivered_to_outbox(messages)  # the job handed them to the queue


def test_a_round_first_seen_a_day_ahead_gets_only_the_1_day_reminder(session, reminder_round):
    from consortium.services.notifications import send_deadline_reminders
    now = reminder_round.deadline - timedelta(hours=20)
    assert send_deadline_reminders(session, now) == 1
    assert send_deadline_reminders(session, now - timedelta(days=3)) == 0  # 7-day one recorded
    session.commit()
    assert len(outbox(session, kind="round_deadline")) == 1
