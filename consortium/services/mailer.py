"""Email delivery of the outbox by SMTP; only the job queue calls `deliver` (never a request).

`SMTP_URL` names the server: `smtp://user:pass@host:25` (plain), `smtp+starttls://...:587` or
`smtp://...?starttls=true` (upgraded with STARTTLS), `smtps://...:465` (TLS from the start).
Without it the message stays in the outbox, marked "not sent: no SMTP configured", where an
admin can read it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from consortium.config import Settings
from consortium.db import session_scope, utcnow
from consortium.models import OutboxMessage
from consortium.models.status import OutboxStatus, sources, transition

MAX_ATTEMPTS = 4  # the first try and three retries
NO_SMTP = "not sent: no SMTP configured (delivered to the outbox)"
# Messages whose link must not outlive delivery (it signs the person in).
SECRET_LINK_KINDS = ("password_reset",)


class DeliveryFailed(Exception):
    """The SMTP server refused or could not be reached; the job queue retries."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    mode: str  # "plain", "starttls" or "ssl"
    username: str = ""
    password: str = ""


def parse_smtp_url(url: str) -> SmtpTarget:
    """The server, port, security mode and credentials of an `SMTP_URL`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    starttls = parse_qs(parts.query).get("starttls", [""])[0].lower() in ("1", "true", "yes")
    modes = {"smtp": "starttls" if starttls else "plain", "smtp+starttls": "starttls",
             "smtps": "ssl"}
    if scheme not in modes or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:pass@host:port, "
                         "smtp+starttls://... or smtps://...")
    mode = modes[scheme]
    port = parts.port or {"plain": 25, "starttls": 587, "ssl": 465}[mode]
    return SmtpTarget(host=parts.hostname, port=port, mode=mode,
                      username=unquote(parts.username or ""), password=unquote(parts.password or ""))


def build_email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    """The email of an outbox message: its body and, if any, the full address of its link."""
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="consortium")
    text = message.body
    if message.link:
        text += f"\n\n{settings.public_url}{message.link}"
    email.set_content(text + f"\n\n-- \n{settings.consortium_name}\n")
    return email


def smtp_send(target: SmtpTarget, email: EmailMessage, timeout: float = 30) -> None:
    """Send one email to the SMTP server (raises smtplib.SMTPException or OSError on failure)."""
    context = ssl.create_default_context()
    if target.mode == "ssl":
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        if target.mode == "starttls":
            client.starttls(context=context)
        if target.username:
            client.login(target.username, target.password)
        client.send_message(email)


def _claim(engine: Engine, message_id: int) -> bool:
    # One conditional UPDATE: a retry and the periodic sweep never send the same message twice.
    with session_scope(engine) as session:
        claimed = session.exec(update(OutboxMessage).where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_(sources(OutboxStatus.SENDING))).values(
            status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1)).rowcount
    return claimed == 1


def deliver(engine: Engine, settings: Settings, message_id: int) -> str:
    """Send one queued outbox message; returns its new status.

    A failure leaves it queued (with the error) and raises DeliveryFailed for the queue to retry,
    until MAX_ATTEMPTS, when it is marked failed.
    """
    if not _claim(engine, message_id):
        with session_scope(engine) as session:
            message = session.get(OutboxMessage, message_id)
            return message.status if message else "missing"
    with session_scope(engine) as session:
        message = session.get(OutboxMessage, message_id)
        error = ""
        if not settings.smtp_url:
            transition(message, OutboxStatus.UNSENT)
            message.last_error = NO_SMTP
        else:
            try:
                smtp_send(parse_smtp_url(settings.smtp_url), build_email(message, settings))
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                message.last_error = error
                transition(message, OutboxStatus.FAILED if message.attempts >= MAX_ATTEMPTS
                           else OutboxStatus.QUEUED)
            else:
                transition(message, OutboxStatus.SENT)
                message.last_error, message.sent_at = "", utcnow()
                if message.kind in SECRET_LINK_KINDS:
                    message.link = ""  # delivered: the reset link is no longer kept in clear
        session.add(message)
        status = message.status
    if status == OutboxStatus.QUEUED:
        raise DeliveryFailed(error)
    return status


def stranded(session: Session, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Queued messages nobody enqueued (written by the CLI, or a lost task), oldest first."""
    return list(session.exec(select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.created_at <= utcnow() - older_than)
        .order_by(OutboxMessage.id)).all())
