"""Email delivery by the job queue: a fake SMTP server on 127.0.0.1, failures and retries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from consortium.jobs import MAIL_RETRIES, make_jobs
from consortium.services import mailer, notifications
from consortium.services.mailer import MAX_ATTEMPTS, DeliveryFailed, deliver, parse_smtp_url
from tests.notify.conftest import outbox


def _queue_one(session, user, kind="round_closed") -> int:
    notifications.notify(session, [user], kind=kind, subject="Round X is closed", body="Closed.",
                         link="/demand/")
    session.commit()
    [message_id] = notifications.take_committed(session)
    return message_id


@pytest.mark.parametrize("url, expected", [
    ("smtp://mail.example.org", ("mail.example.org", 25, "plain", "", "")),
    ("smtp://u%40x:p%3Aw@mail.example.org:2525", ("mail.example.org", 2525, "plain", "u@x", "p:w")),
    ("smtp://u:p@mail.example.org?starttls=true", ("mail.example.org", 587, "starttls", "u", "p")),
    ("smtp+starttls://mail.example.org", ("mail.example.org", 587, "starttls", "", "")),
    ("smtps://u:p@mail.example.org", ("mail.example.org", 465, "ssl", "u", "p")),
])
def test_parse_smtp_url(url, expected):
    t = parse_smtp_url(url)
    assert (t.host, t.port, t.mode, t.username, t.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "mail.example.org"])
def test_parse_smtp_url_refuses_other_urls(url):
    with pytest.raises(ValueError):
        parse_smtp_url(url)


def test_sent_through_smtp_with_login(engine, settings, session, fleet_manager, smtp):
    smtp.credentials = ("mailer", "s3cret")
    cfg = replace(settings, smtp_url=smtp.url(user="mailer", password="s3cret"),
                  mail_from="Consortium <noreply@consortium.test>", public_url="https://c.test")
    message_id = _queue_one(session, fleet_manager)
    assert deliver(engine, cfg, message_id) == "sent"
    [received] = smtp.messages
    assert received.login == ("mailer", "s3cret")
    assert received.recipients == [fleet_manager.email]
    assert received.message["Subject"] == "Round X is closed"
    assert received.message["From"] == "Consortium <noreply@consortium.test>"
    assert "https://c.test/demand/" in received.message.get_content()
    [row] = outbox(session)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "") and row.sent_at
    assert deliver(engine, cfg, message_id) == "sent" and len(smtp.messages) == 1  # never twice


def test_without_smtp_the_message_stays_in_the_outbox(engine, settings, session, fleet_manager):
    message_id = _queue_one(session, fleet_manager)
    assert deliver(engine, settings, message_id) == "unsent"
    [row] = outbox(session)
    assert row.last_error.startswith("not sent: no SMTP configured")


def test_failure_is_retried_then_marked_failed(engine, settings, session, fleet_manager, smtp):
    cfg = replace(settings, smtp_url=smtp.url())
    message_id = _queue_one(session, fleet_manager)
    smtp.fail_next = MAX_ATTEMPTS
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(DeliveryFailed):
            deliver(engine, cfg, message_id)
        [row] = outbox(session)
        assert (row.status, row.attempts) == ("queued", attempt)
        assert "451" in row.last_error
    assert deliver(engine, cfg, message_id) == "failed"
    assert outbox(session)[0].attempts == MAX_ATTEMPTS and smtp.messages == []


def test_unreachable_server_is_a_recorded_failure(engine, settings, session, fleet_manager):
    cfg = replace(settings, smtp_url="smtp://127.0.0.1:9")  # discard port: connection refused
    message_id = _queue_one(session, fleet_manager)
    with pytest.raises(DeliveryFailed):
        deliver(engine, cfg, message_id)
    assert outbox(session)[0].last_error.startswith("ConnectionRefusedError")


def test_the_queue_retries_a_failed_send(engine, settings, session, fleet_manager, smtp):
    """Through Huey: the first try fails, the queue schedules a retry, the retry sends it."""
    jobs = make_jobs(replace(settings, smtp_url=smtp.url()), get_engine=lambda: engine,
                     name="mail-retry-test")
    message_id = _queue_one(session, fleet_manager)
    smtp.fail_next = 1
    jobs.enqueue_email(message_id)
    assert outbox(session)[0].status == "queued" and smtp.messages == []
    [retry] = jobs.huey.scheduled()
    assert retry.retries == MAIL_RETRIES - 1
    jobs.huey.execute(retry, timestamp=retry.eta)
    [row] = outbox(session)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [m.recipients for m in smtp.messages] == [[fleet_manager.email]]


def test_a_reset_link_is_not_kept_once_delivered(engine, settings, session, fleet_manager, smtp):
    cfg = replace(settings, smtp_url=smtp.url())
    from consortium.services.accounts import request_password_reset
    request_password_reset(session, email=fleet_manager.email, ip="10.0.0.1")
    session.commit()
    [message_id] = notifications.take_committed(session)
    assert deliver(engine, cfg, message_id) == "sent"
    assert "/reset-password/" in smtp.messages[0].message.get_content()
    assert outbox(session)[0].link == ""


def test_request_hands_committed_emails_to_the_queue(admin_client, session, smtp, app):
    """An admin's action writes the rows; the queue (immediate in tests) sends after commit."""
    from consortium.web import create_app  # noqa: F401 (the app fixture built it)
    from consortium.jobs import get_jobs
    jobs = get_jobs(app)
    sent = []
    jobs.email_task = sent.append  # record what the request enqueues
    from tests import factories
    vendor = factories.make_vendor(session, status="pending")
    factories.make_user(session, "vendor", vendor=vendor)
    admin_client.post(f"/admin/vendors/{vendor.id}/approve")
    assert sent == [m.id for m in outbox(session)] and len(sent) == 1
    assert outbox(session)[0].status == "queued"  # not sent inside the request


def test_stranded_messages_are_found_by_the_sweep(session, fleet_manager):
    from datetime import timedelta
    _queue_one(session, fleet_manager)
    assert mailer.stranded(session, older_than=timedelta(0)) == [outbox(session)[0].id]
    assert mailer.stranded(session) == []  # younger than 5 minutes


def test_cli_sends_due_reminders_once(tmp_path):
    from click.testing import CliRunner
    from sqlmodel import Session, select

    from consortium import cli as cli_module
    from consortium.db import make_engine
    from consortium.models import OutboxMessage
    from consortium.db import utcnow
    from datetime import timedelta
    from tests import factories

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "CONSORTIUM_ENV": "development",
           "CONSORTIUM_INSTANCE": str(tmp_path), "SECRET_KEY": "", "REDIS_URL": "", "SMTP_URL": ""}
    runner = CliRunner()
    assert runner.invoke(cli_module.cli, ["init-db"], env=env).exit_code == 0
    engine = make_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as s:
            factories.make_user(s, "fleet_manager", email="late@city.example.com")
            round_ = factories.make_round(s, deadline=utcnow() + timedelta(days=30))
            at = (round_.deadline - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")
        args = ["notify", "reminders", "--now", at]
        first = runner.invoke(cli_module.cli, args, env=env, catch_exceptions=False)
        assert "Reminded 1 fleet manager;" in first.output
        second = runner.invoke(cli_module.cli, args, env=env, catch_exceptions=False)
        assert "Reminded 0 fleet managers" in second.output
        bad = runner.invoke(cli_module.cli, ["notify", "reminders", "--now", "soon"], env=env)
        assert bad.exit_code == 2 and "ISO time" in bad.output
        with Session(engine) as s:
            [message] = s.exec(select(OutboxMessage)).all()
            assert message.to == "late@city.example.com" and message.status == "queued"
    finally:
        engine.dispose()
