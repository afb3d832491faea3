"""The access policy: deny by default, rules that bind admins too, and one answer for a row and
for a list (the Python check of a row agrees with the SQL filter of the same rule)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import DateTime, Integer, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlmodel import SQLModel, select

from consortium import models, policy
from consortium.models import (AuditEntry, DemandLine, LoginAttempt, Member, Notification, Round,
                               Run, User, Vendor)
from tests import factories

# Tables only the app itself reads and writes (sign-in limits, the audit chain, reset links...):
# no page loads them by id, so they have no rule and nobody may see them through the policy.
INTERNAL = {"AuditChain", "DeadlineReminder", "DemandRefCounter", "LoginAttempt",
            "NotificationOptOut", "PasswordResetRequest", "PasswordResetToken", "Throttle"}


def test_every_table_has_a_rule_or_is_internal():
    tables = {name for name in models.__all__
              if isinstance(getattr(models, name), type)
              and issubclass(getattr(models, name), SQLModel)
              and hasattr(getattr(models, name), "__table__")}
    without = sorted(t for t in tables if not policy.has_rule(getattr(models, t)))
    assert without == sorted(INTERNAL)


def test_a_model_without_a_rule_is_denied_even_to_admins(session, admin):
    attempt = LoginAttempt(ip="192.0.2.1", email=admin.email)
    session.add(attempt)
    session.commit()
    assert not policy.can_see(admin, attempt, session)
    assert not policy.can_change(admin, attempt, session)
    assert session.exec(select(LoginAttempt).where(policy.visible(admin, LoginAttempt))).all() == []


def test_visitors_may_see_nothing(session, member):
    from flask_login import AnonymousUserMixin
    assert not policy.can_see(AnonymousUserMixin(), member, session)
    assert not policy.can_see(None, member, session)


def test_notifications_are_personal_even_for_admins(session, admin, fleet_manager):
    mine = Notification(user_id=admin.id, kind="k", subject="for the admin")
    theirs = Notification(user_id=fleet_manager.id, kind="k", subject="for the fleet manager")
    session.add_all([mine, theirs])
    session.commit()
    assert policy.can_see(admin, mine, session) and policy.can_change(admin, mine, session)
    assert not policy.can_see(admin, theirs, session)
    assert not policy.can_change(admin, theirs, session)
    listed = session.exec(select(Notification).where(policy.visible(admin, Notification))).all()
    assert [n.subject for n in listed] == ["for the admin"]


def test_the_audit_log_is_never_changed_not_even_by_an_admin(session, admin):
    entry = AuditEntry(user_id=admin.id, user_email=admin.email, action="create", entity="x",
                       summary="made x")
    session.add(entry)
    session.commit()
    assert policy.can_see(admin, entry, session)
    assert not policy.can_change(admin, entry, session)


def test_a_rule_is_registered_once(monkeypatch):
    monkeypatch.setattr(policy, "_RULES", dict(policy._RULES))
    with pytest.raises(ValueError, match="already has an access rule"):
        policy.rule(Round)(lambda user: policy.EVERYTHING)


def test_admin_only_models_are_the_admins_alone_and_registered_once(monkeypatch, session, admin,
                                                                   fleet_manager, vendor_user):
    from consortium.models import BidEvaluation, HintJob, MemberValueJob, Scenario, ScenarioRun
    assert set(policy.ADMINS_ALONE) == {HintJob, MemberValueJob, Scenario, ScenarioRun,
                                        BidEvaluation}
    for model in policy.ADMINS_ALONE:
        assert str(policy.visible(admin, model)) == str(policy.ALL_ROWS)
        for user in (fleet_manager, vendor_user):
            assert str(policy.visible(user, model)) == str(policy.NOTHING_MATCHES)
            assert str(policy.changeable(user, model)) == str(policy.NOTHING_MATCHES)
    monkeypatch.setattr(policy, "_RULES", dict(policy._RULES))
    with pytest.raises(ValueError, match="Scenario already has an access rule"):
        policy.admin_only(Scenario)


# --- sealed bids: hidden from admins until the deadline --------------------------------------------

class _Base(DeclarativeBase):
    pass


class SealedBid(_Base):
    """A tiny stand-in for the bid stage's sealed bid (its own metadata: no table of the app)."""

    __tablename__ = "sealed_bid"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(DateTime)


NOW = datetime(2027, 3, 1, 12, 0)


def _sealed_bid_rule(user) -> policy.Access:
    if user.is_vendor:
        own = SealedBid.vendor_id == user.vendor_id
        return policy.Access(see=own, change=own & (SealedBid.opens_at > NOW))
    if user.is_admin:  # admins too see a bid only once it is opened
        return policy.read_only(SealedBid.opens_at <= NOW)
    return policy.NOBODY


@pytest.fixture
def sealed_rule(monkeypatch):
    monkeypatch.setattr(policy, "_RULES", dict(policy._RULES))
    policy.rule(SealedBid)(_sealed_bid_rule)


def _user(role: str, **fields) -> User:
    return User(id=fields.pop("id", 1), role=role, email=f"{role}@example.com",
                password_hash="x", **fields)


def test_a_rule_can_hide_a_row_from_admins(sealed_rule):
    admin = _user("admin")
    vendor = _user("vendor", id=2, vendor_id=7)
    sealed = SealedBid(id=1, vendor_id=7, opens_at=NOW + timedelta(days=1))
    opened = SealedBid(id=2, vendor_id=7, opens_at=NOW - timedelta(days=1))
    someone_elses = SealedBid(id=3, vendor_id=8, opens_at=NOW + timedelta(days=1))
    no_session = None  # these conditions compare the row's own columns: answered without SQL
    assert not policy.can_see(admin, sealed, no_session)
    assert policy.can_see(admin, opened, no_session)
    assert not policy.can_change(admin, opened, no_session)
    assert policy.can_see(vendor, sealed, no_session) and policy.can_change(vendor, sealed, no_session)
    assert not policy.can_change(vendor, opened, no_session)  # too late to change it
    assert not policy.can_see(vendor, someone_elses, no_session)
    assert not policy.can_see(_user("fleet_manager", member_id=1), opened, no_session)


def test_the_same_rule_filters_a_list_query(sealed_rule):
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([SealedBid(id=1, vendor_id=7, opens_at=NOW + timedelta(days=1)),
                         SealedBid(id=2, vendor_id=7, opens_at=NOW - timedelta(days=1)),
                         SealedBid(id=3, vendor_id=8, opens_at=NOW - timedelta(days=2))])
        session.commit()

        def ids(user):
            query = select(SealedBid.id).where(policy.visible(user, SealedBid)).order_by(SealedBid.id)
            return list(session.scalars(query))

        assert ids(_user("admin")) == [2, 3]
        assert ids(_user("vendor", vendor_id=7)) == [1, 2]
        assert ids(_user("fleet_manager", member_id=1)) == []
    engine.dispose()


# --- one answer for a row and for a list ------------------------------------------------------------

@pytest.fixture
def rows(session, member, other_member, fleet_manager, other_fleet_manager, admin, vendor_user):
    product = factories.make_product(session)
    draft = factories.make_round(session, status="draft")
    open_ = factories.make_round(session)
    closed = factories.make_round(session, status="closed")
    for round_ in (open_, closed):
        for m in (member, other_member):
            factories.make_line(session, round=round_, member=m, product=product)
    factories.make_run(session, round=closed, approved=True)
    factories.make_run(session, round=closed)
    session.add_all([Notification(user_id=u.id, kind="k", subject="s")
                     for u in (admin, fleet_manager, vendor_user)])
    session.add(AuditEntry(user_email="x", action="create", entity="demandline", summary="s",
                           member_id=member.id))
    factories.make_vendor(session, status="pending")
    session.commit()
    return draft


@pytest.mark.parametrize("model", [Round, DemandLine, Member, User, Vendor, Run, Notification,
                                   AuditEntry])
def test_a_rows_answer_agrees_with_the_list_filter(session, rows, model, admin, fleet_manager,
                                                   other_fleet_manager, vendor_user):
    for user in (admin, fleet_manager, other_fleet_manager, vendor_user):
        every = session.exec(select(model)).all()
        assert every, model
        listed = {r.id for r in session.exec(select(model).where(policy.visible(user, model)))}
        seen = {r.id for r in every if policy.can_see(user, r, session)}
        assert seen == listed, (model.__name__, user.role)
        changeable = {r.id for r in session.exec(select(model).where(policy.changeable(user, model)))}
        assert {r.id for r in every if policy.can_change(user, r, session)} == changeable
        assert changeable <= listed


def test_fleet_managers_see_their_own_lines_and_no_draft_round(session, rows, member,
                                                               fleet_manager):
    lines = session.exec(select(DemandLine).where(policy.visible(fleet_manager, DemandLine))).all()
    assert lines and {line.member_id for line in lines} == {member.id}
    assert not policy.can_see(fleet_manager, rows, session)  # the draft round
    # A line not saved yet: its member decides whether the fleet manager may add it.
    assert policy.can_change(fleet_manager, DemandLine(member_id=member.id), session)
    assert not policy.can_change(fleet_manager, DemandLine(member_id=member.id + 1), session)


# --- guards -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("audience, role, status, allowed", [
    (policy.ADMIN, "admin", "approved", True), (policy.ADMIN, "fleet_manager", "approved", False),
    (policy.FLEET_MANAGER, "fleet_manager", "approved", True),
    (policy.VENDOR, "vendor", "pending", True),
    (policy.APPROVED_VENDOR, "vendor", "approved", True),
    (policy.APPROVED_VENDOR, "vendor", "pending", False),
    (policy.APPROVED_VENDOR, "vendor", "rejected", False),
    (policy.APPROVED_VENDOR, "admin", "approved", False),
])
def test_audiences(session, audience, role, status, allowed):
    vendor = factories.make_vendor(session, status=status) if role == "vendor" else None
    user = factories.make_user(session, role, vendor=vendor)
    verdict = policy.admits(audience, user, session)
    assert verdict.allowed is allowed and not verdict.sign_in
    if role == "vendor" and not allowed:
        assert verdict.reason == policy.NOT_APPROVED  # the 403 page says why
    assert policy.admits(audience, None, session) == policy.SIGN_IN
    assert policy.admits(policy.PUBLIC, None, session).allowed


def test_hint_jobs_are_for_admins_only(session, admin, fleet_manager, vendor_user, member):
    from consortium.models import HintJob
    round_ = factories.make_round(session, status="closed")
    run = factories.make_run(session, round=round_, approved=True)
    job = HintJob(run_id=run.id, status="succeeded", visible=True, result={"lines": []})
    session.add(job)
    session.commit()
    assert policy.can_see(admin, job, session) and policy.can_change(admin, job, session)
    for user in (fleet_manager, vendor_user):  # even visible: the row holds every city's hints
        assert not policy.can_see(user, job, session)
        assert not session.exec(select(HintJob).where(policy.visible(user, HintJob))).all()


@pytest.mark.parametrize("role", ["admin", "fleet_manager", "vendor"])
def test_the_admins_unseen_pages_answer_others_as_missing(session, role, member):
    """The what-if pages: admins in, other signed-in users refused as if they did not exist
    (404), visitors sent to sign in."""
    vendor = factories.make_vendor(session, status="approved") if role == "vendor" else None
    user = factories.make_user(session, role, vendor=vendor,
                               member=member if role == "fleet_manager" else None)
    verdict = policy.admits(policy.ADMIN_ONLY_UNSEEN, user, session)
    assert verdict.allowed is (role == "admin")
    assert verdict.not_found is (role != "admin")
    assert policy.admits(policy.ADMIN_ONLY_UNSEEN, None, session) == policy.SIGN_IN


def test_scenarios_and_member_values_are_the_admins_alone(session, admin, fleet_manager):
    from consortium.models import MemberValueJob, Scenario, ScenarioRun
    round_ = factories.make_round(session, status="closed")
    run = factories.make_run(session, round=round_, approved=True)  # visible to fleet managers
    scenario = Scenario(round_id=round_.id, base_run_id=run.id, name="What if")
    session.add(scenario)
    session.commit()
    job = MemberValueJob(run_id=run.id)
    link = ScenarioRun(scenario_id=scenario.id, run_id=run.id)
    session.add_all([job, link])
    session.commit()
    assert policy.can_see(fleet_manager, run, session)
    for row in (scenario, job, link):
        assert policy.can_see(admin, row, session) and policy.can_change(admin, row, session)
        assert not policy.can_see(fleet_manager, row, session)
        assert not policy.can_change(fleet_manager, row, session)


def test_bid_evaluations_and_award_runs_are_the_admins_alone(session, admin, fleet_manager,
                                                             vendor_user):
    from consortium.models import AwardRun, BidEvaluation
    round_ = factories.make_round(session, status="closed")
    award_run = AwardRun(round_id=round_.id, status="succeeded", result={"awards": []})
    session.add(award_run)
    session.commit()
    # The evaluation's rule looks at no column, so an unsaved row is answered like a saved one.
    evaluation = BidEvaluation(bid_id=1, responsive=False, reason="No Buy America certificate")
    rows = [award_run, evaluation]
    for row in rows:
        assert policy.can_see(admin, row, session) and policy.can_change(admin, row, session)
        for user in (fleet_manager, vendor_user):
            assert not policy.can_see(user, row, session)
            assert not policy.can_change(user, row, session)
    for model in (AwardRun, BidEvaluation):
        for user in (fleet_manager, vendor_user):
            assert session.exec(select(model).where(policy.visible(user, model))).all() == []


def test_award_contracts_are_their_members_and_vendors_and_frozen_for_admins(
        session, admin, fleet_manager, other_fleet_manager, vendor_user):
    from decimal import Decimal

    from consortium.models import AwardContract, AwardRelease, AwardRun
    round_ = factories.make_round(session, status="closed")
    run = AwardRun(round_id=round_.id, status="succeeded", result={"awards": []})
    session.add(run)
    session.commit()
    other_vendor = factories.make_vendor(session)
    rows = [AwardContract(award_run_id=run.id, round_id=round_.id, member_id=member_id,
                          vendor_id=vendor_id, reference=f"C-{n}", member_name="m",
                          vendor_name="v", gross=Decimal(1), discount=Decimal(0), net=Decimal(1),
                          pdf=b"%PDF", pdf_sha256="0" * 64, csv=b"a", csv_sha256="0" * 64)
            for n, (member_id, vendor_id) in enumerate([
                (fleet_manager.member_id, vendor_user.vendor_id),
                (other_fleet_manager.member_id, other_vendor.id)])]
    release = AwardRelease(award_run_id=run.id, package_id=1, releases=[])
    session.add_all(rows)
    session.commit()
    mine, theirs = rows
    assert policy.can_see(fleet_manager, mine, session)
    assert not policy.can_see(fleet_manager, theirs, session)
    assert not policy.can_see(other_fleet_manager, mine, session)
    assert policy.can_see(vendor_user, mine, session)
    assert not policy.can_see(vendor_user, theirs, session)
    for user in (admin, fleet_manager, vendor_user):
        assert not policy.can_change(user, mine, session)  # frozen, even for an admin
    assert policy.can_see(admin, theirs, session)
    assert session.exec(select(AwardContract.id).where(
        policy.visible(fleet_manager, AwardContract))).all() == [mine.id]
    # The award releases are public data; an unpublished run stays the admins'.
    for user in (admin, fleet_manager, vendor_user):
        assert policy.can_see(user, release, session) and not policy.can_change(user, release,
                                                                                session)
    assert not policy.can_see(fleet_manager, run, session)
    run.published_at = datetime(2027, 5, 1)
    session.add(run)
    session.commit()
    assert policy.can_see(fleet_manager, run, session) and policy.can_see(vendor_user, run, session)
    assert not policy.can_change(vendor_user, run, session)
