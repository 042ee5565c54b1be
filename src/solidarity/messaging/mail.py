"""Django's email, pointed at the outbox: `MAILERS["default"]` queues, `MAILERS["transport"]` sends.

Every `send_mail`, allauth's mail and a part's own mail become outbox rows (one per
recipient), sent by the worker with retries. The transport is the real SMTP server (or the
console in development), used only by messaging.pump.
"""

from email.message import Message as MimeMessage
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.crypto import get_random_string

from solidarity.messaging.models import Channel
from solidarity.messaging.services import Outgoing, enqueue_many


class OutboxBackend(BaseEmailBackend):
    """Queues each message once per recipient; the Message-ID stays, so a resend can be recognised."""

    def send_messages(self, email_messages: Any) -> int:
        outgoing = []
        for email in email_messages:
            mime = email.message()
            recipients = email.recipients()
            if not recipients:
                continue
            # A stable, meaningless key: the Message-ID's random part, never the address.
            key = f"mail:{mime['Message-ID'] or get_random_string(24)}"
            for position, recipient in enumerate(recipients):
                outgoing.append(
                    Outgoing(
                        channel=Channel.EMAIL,
                        to=recipient,
                        content={"mime": mime.as_string(), "from": email.from_email},
                        idempotency_key=f"{key}:{position}"[:200],
                        language=str(mime.get("Content-Language", "")),
                    )
                )
        enqueue_many(outgoing)
        return len({item.idempotency_key.rsplit(":", 1)[0] for item in outgoing})


class RawEmail(EmailMessage):
    """An already-built MIME message for a Django mail backend: sent as it is, to one recipient.

    `subject` and `body` are filled in for backends that show them (the console, tests' locmem).
    """

    def __init__(self, mime: MimeMessage, *, to: str, from_email: str) -> None:
        super().__init__(subject=str(mime.get("Subject", "")), body=plain_text(mime), from_email=from_email, to=[to])
        self.mime = mime

    def message(self, *, policy: Any = None) -> Any:
        # SMTP wants CRLF line ends: smtplib sends bytes as they are, and a bare-LF message is one long line.
        if policy is not None:
            self.mime.policy = policy
        return self.mime

    def recipients(self) -> list[str]:
        return list(self.to)


def plain_text(mime: MimeMessage) -> str:
    for part in mime.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""
