"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps what it receives, and can refuse on demand."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.conftest import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    content: bytes = b""  # as it arrived (dot-stuffing undone)
    mail_options: list[str] = field(default_factory=list)  # MAIL FROM's, e.g. ["SIZE=2250"]


@dataclass
class Inbox:
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply, e.g. "550 no such user"
    refuse_mail: str = ""  # an SMTP reply to every MAIL FROM, e.g. "451 local error"
    pipelining: bool = False  # offer PIPELINING (RFC 2920) in the EHLO reply, as Postfix does
    refuse_data: dict[str, str] = field(default_factory=dict)  # recipient -> reply to its message, e.g. "554 spam"

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.refuse_mail:
            return self.refuse_mail
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refusals = [self.refuse_data[to] for to in envelope.rcpt_tos if to in self.refuse_data]
        if refusals:
            return refusals[0]
        message = message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default)
        received = Received(
            envelope.mail_from, list(envelope.rcpt_tos), message, envelope.original_content, list(envelope.mail_options)
        )
        self.messages.append(received)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [received.message for received in self.messages if address in received.recipients]


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    @property
    def mailers(self) -> dict[str, Any]:
        return {
            "default": {"BACKEND": "solidarity.messaging.mail.OutboxBackend"},
            "transport": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
            },
        }

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
