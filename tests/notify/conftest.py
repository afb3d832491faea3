"""Fixtures for the notification and account tests: a fake SMTP server and outbox helpers."""

from __future__ import annotations

import pytest
from sqlmodel import select

from consortium.models import Notification, OutboxMessage
from tests.notify import smtp_server
from tests.publish.conftest import deadlines, demo_round, published  # noqa: F401 (fixtures)


@pytest.fixture
def smtp():
    """A fake SMTP server on 127.0.0.1 (see smtp_server.py)."""
    state = smtp_server.FakeSmtp()
    server = smtp_server.start(state)
    yield state
    server.shutdown()
    server.server_close()


def outbox(session, *, kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    """The outbox messages (optionally of one kind or recipient), oldest first, fresh from the DB."""
    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to == to)
    return list(session.exec(query).all())


def inbox(session, user) -> list[Notification]:
    """A user's in-app notifications, oldest first."""
    session.expire_all()
    return list(session.exec(select(Notification).where(Notification.user_id == user.id)
                             .order_by(Notification.id)).all())
