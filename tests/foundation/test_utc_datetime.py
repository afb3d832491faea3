"""One datetime column type: UTC in, aware UTC out, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import SQLModel, select

from consortium.db import utcnow
from consortium.models import Round, Run, UTCDateTime, as_utc
from tests import factories

NAIVE = datetime(2027, 3, 24, 9, 30, 15, 123456)
AWARE = NAIVE.replace(tzinfo=UTC)
ELSEWHERE = datetime(2027, 3, 24, 11, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))


def test_every_datetime_column_uses_the_utc_type():
    columns = [(t.name, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns
               if getattr(c.type, "python_type", None) is datetime
               or isinstance(c.type, UTCDateTime)]
    assert columns
    wrong = [f"{t}.{c}" for t, c in columns
             if not isinstance(SQLModel.metadata.tables[t].columns[c].type, UTCDateTime)]
    assert not wrong, wrong


def test_as_utc():
    assert as_utc(None) is None
    assert as_utc(NAIVE) == AWARE and as_utc(NAIVE).tzinfo is UTC
    assert as_utc(ELSEWHERE) == AWARE and as_utc(ELSEWHERE).tzinfo is UTC


def test_naive_and_aware_values_round_trip_to_the_same_aware_utc_value(session):
    rows = [factories.make_round(session, status="draft", deadline=value)
            for value in (NAIVE, AWARE, ELSEWHERE)]
    ids = [r.id for r in rows]
    session.expire_all()
    for round_id in ids:
        deadline = session.get(Round, round_id).deadline
        assert deadline == AWARE
        assert deadline.utcoffset() == timedelta(0) and deadline.tzinfo is UTC


def test_a_row_made_by_validation_is_aware_before_it_is_written():
    round_ = Round.model_validate({"name": "Fleet", "slug": "fleet", "periods": ["2027Q1"],
                                   "deadline": "2027-03-24T09:30:15.123456"})
    assert round_.deadline == AWARE and round_.deadline.tzinfo is UTC
    assert round_.created_at.tzinfo is not None


def test_comparisons_with_now_work_in_python_and_in_sql(session):
    past = factories.make_round(session, status="closed", deadline=utcnow() - timedelta(days=1))
    future = factories.make_round(session, status="open",
                                  deadline=(utcnow() + timedelta(days=1)).replace(tzinfo=None))
    session.expire_all()
    assert session.get(Round, past.id).deadline < utcnow() < session.get(Round, future.id).deadline
    passed = session.exec(select(Round.id).where(Round.deadline < utcnow())).all()
    assert passed == [past.id]
    # A naive bound is UTC too.
    naive_now = utcnow().replace(tzinfo=None)
    ahead = session.exec(select(Round.id).where(Round.deadline > naive_now)).all()
    assert ahead == [future.id]


def test_optional_columns_keep_none(session):
    round_ = factories.make_round(session, status="closed")
    run = factories.make_run(session, round=round_, status="queued")
    session.expire_all()
    stored = session.get(Run, run.id)
    assert stored.finished_at is None and stored.created_at.tzinfo is UTC
