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
