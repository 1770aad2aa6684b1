"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise one .eml file per message under instance/outbox.

A mail that cannot be sent never fails the request that sends it: every message also has another way to its
reader (a link on the page, a dashboard), so send_mail says whether it went and the caller tells the user."""
from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from uuid import uuid4

from flask import current_app


def send_mail(to: str, subject: str, body: str, attachments: tuple[tuple[str, str, bytes], ...] = ()) -> bool:
    """True once the message is handed to the SMTP server (or written to the outbox); False, logged, if not.
    attachments: (file name, MIME type such as "text/calendar", content)."""
    return deliver(to, subject, body, attachments=attachments) is None


def deliver(to: str, subject: str, body: str, *, html: str | None = None, headers: dict[str, str] | None = None,
            attachments: tuple[tuple[str, str, bytes], ...] = ()) -> str | None:
    """Send a message (plain text, with an HTML alternative, extra headers and attachments when given); None once
    it is handed over, else why not (logged), for a caller that keeps and retries it."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, mime_type, content in attachments:
        maintype, subtype = mime_type.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    try:
        if not config.get("MAIL_SERVER"):
            outbox = Path(config["MAIL_OUTBOX_DIR"])
            outbox.mkdir(parents=True, exist_ok=True)
            (outbox / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid4().hex[:8]}.eml").write_bytes(bytes(message))
            return None
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:  # refused, timed out, rejected, disk full: caller says so
        current_app.logger.warning("mail %r not sent (%s): %s", subject, type(error).__name__, error)
        return f"{type(error).__name__}: {error}"[:500]
    return None
