"""The status table: every allowed change works, every other one is refused with a message."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from consortium.models import HintJob, MemberValueJob, Round, Run, Vendor
from consortium.models.status import (
    TRANSITIONS,
    ForbiddenTransition,
    JobStatus,
    OutboxStatus,
    RoundStatus,
    RunStatus,
    VendorStatus,
    live,
    sources,
    terminal,
    transition,
)
from consortium.services.errors import NotAllowed
from tests import factories

PAIRS = [(kind, old, new) for kind, table in TRANSITIONS.items() for old in kind for new in kind]
ALLOWED = [p for p in PAIRS if p[2] in TRANSITIONS[p[0]][p[1]]]
FORBIDDEN = [p for p in PAIRS if p[2] not in TRANSITIONS[p[0]][p[1]]]


def _row(status):
    return SimpleNamespace(id=7, name="Fleet 2027", status=status)


def test_the_table_lists_every_status_of_every_enum():
    for kind, table in TRANSITIONS.items():
        assert set(table) == set(kind), kind
        assert all(target in set(kind) for targets in table.values() for target in targets)
    assert ALLOWED and FORBIDDEN


def test_values_are_the_stored_strings():
    assert [s.value for s in RoundStatus] == ["draft", "open", "closed"]
    assert [s.value for s in RunStatus] == ["queued", "running", "succeeded", "failed"]
    assert [s.value for s in VendorStatus] == ["pending", "approved", "rejected"]
    assert [s.value for s in OutboxStatus] == ["queued", "sending", "sent", "failed", "unsent"]
    assert RoundStatus.OPEN == "open" and f"{RunStatus.FAILED}" == "failed"


@pytest.mark.parametrize(("kind", "old", "new"), ALLOWED,
                         ids=[f"{k.__name__}:{o}->{n}" for k, o, n in ALLOWED])
def test_an_allowed_change_is_made(kind, old, new):
    row = _row(old.value)  # as a plain string too: rows built by hand hold strings
    transition(row, new)
    assert row.status is new


@pytest.mark.parametrize(("kind", "old", "new"), FORBIDDEN,
                         ids=[f"{k.__name__}:{o}->{n}" for k, o, n in FORBIDDEN])
def test_a_forbidden_change_is_refused_with_a_message(kind, old, new):
    row = _row(old)
    with pytest.raises(ForbiddenTransition) as caught:
        transition(row, new)
    assert row.status is old  # unchanged
    message = str(caught.value)
    assert "Fleet 2027" in message
    if old == new:
        assert f"is already {new.value}." in message
    if sources(new):
        assert message.startswith("Only ") and " or ".join(s.value for s in sources(new)) in message
    else:
        assert message.startswith("No ")
    assert isinstance(caught.value, NotAllowed)  # the web and the CLI show it like other refusals


def test_round_messages_read_well():
    with pytest.raises(ForbiddenTransition, match="Only an open round can be closed; "
                                                  "Fleet 2027 is still a draft."):
        transition(_row(RoundStatus.DRAFT), RoundStatus.CLOSED)
    with pytest.raises(ForbiddenTransition, match="Fleet 2027 is already closed."):
        transition(_row(RoundStatus.CLOSED), RoundStatus.CLOSED)


def test_job_kinds_share_one_enum_and_name_their_rows_in_refusals():
    from consortium.models import AwardRunStatus

    assert RunStatus is JobStatus and AwardRunStatus is JobStatus
    job = HintJob(id=4, run_id=1, status=JobStatus.SUCCEEDED)
    with pytest.raises(ForbiddenTransition, match="Only a queued hint job can be started; "
                                                  "Hint job 4 is succeeded."):
        transition(job, JobStatus.RUNNING)
    job = MemberValueJob(id=5, run_id=1, status=JobStatus.FAILED)
    with pytest.raises(ForbiddenTransition, match="Member-value job 5 is already failed."):
        transition(job, JobStatus.FAILED)


def test_helpers_follow_the_table():
    assert terminal(RunStatus) == (RunStatus.SUCCEEDED, RunStatus.FAILED)
    assert live(RunStatus) == (RunStatus.QUEUED, RunStatus.RUNNING)
    assert set(sources(RunStatus.FAILED)) == {RunStatus.QUEUED, RunStatus.RUNNING}
    assert sources(OutboxStatus.SENDING) == (OutboxStatus.QUEUED,)


def test_rows_read_back_hold_enum_members(session):
    round_ = factories.make_round(session, status="open")
    run = factories.make_run(session, round=round_, status="running")
    hint_job = HintJob(run_id=run.id, status="failed")
    value_job = MemberValueJob(run_id=run.id, status="succeeded")
    session.add_all([hint_job, value_job])
    vendor = Vendor.model_validate({"name": "Acme Buses", "status": "approved"})
    session.add(vendor)
    session.commit()
    session.expire_all()
    assert session.get(Round, round_.id).status is RoundStatus.OPEN
    assert session.get(Run, run.id).status is RunStatus.RUNNING
    assert session.get(HintJob, hint_job.id).status is JobStatus.FAILED
    assert session.get(MemberValueJob, value_job.id).status is JobStatus.SUCCEEDED
    assert session.get(Vendor, vendor.id).status is VendorStatus.APPROVED
    # Filters with a plain string still work, and an unknown status finds nothing.
    from sqlmodel import select
    assert session.exec(select(Round).where(Round.status == "open")).all()
    assert not session.exec(select(Round).where(Round.status == "nonsense")).all()
