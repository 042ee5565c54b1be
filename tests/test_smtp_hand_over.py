"""The outbox's SMTP transaction (`mail.send_plain`) puts on the wire what smtplib's `sendmail` would.

Checked against a real SMTP server (aiosmtpd on 127.0.0.1) that records each envelope as it
arrived: the same sender, recipient and content bytes as `sendmail` gives it, dot-stuffing
undone, refusals raised as `sendmail` raises them, and the connection still good for the next.
"""

import smtplib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from solidarity.messaging.mail import send_plain, wire_bytes
from tests.conftest import free_port

SENDER = "noreply@network.example.org"


@dataclass
class Envelope:
    sender: str
    recipients: list[str]
    mail_options: list[str]
    content: bytes


@dataclass
class Recorder:
    envelopes: list[Envelope] = field(default_factory=list)
    refuse_mail: str = ""
    refuse_rcpt: dict[str, str] = field(default_factory=dict)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.refuse_mail:
            return self.refuse_mail
        envelope.mail_from, envelope.mail_options = address, list(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(
            Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.mail_options, envelope.original_content)
        )
        return "250 OK"


@pytest.fixture
def server() -> Iterator[tuple[Recorder, int]]:
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def message(body: str) -> bytes:
    return wire_bytes(f"From: Red <{SENDER}>\nTo: a@example.org\nSubject: Asamblea\nMessage-ID: <1@x>\n\n{body}")


BODIES = {
    "plain": "Hello neighbour,\nthe assembly is on Thursday.\n",
    "leading dots": ".\n..\n.hidden line\nmiddle\n. a dot and a space\n",
    "no final newline": "the last line has no line end",
    "8bit": "Hola, compañera: la asamblea será el jueves.\n.¿Vienes?\n",
}


@pytest.mark.parametrize("body", list(BODIES))
def test_the_server_receives_what_sendmail_would_send(server: tuple[Recorder, int], body: str) -> None:
    recorder, port = server
    data = message(BODIES[body])
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail(SENDER, ["a@example.org"], data)
        send_plain(smtp, SENDER, "a@example.org", data)
    by_sendmail, by_us = recorder.envelopes
    assert (by_us.sender, by_us.recipients, by_us.content) == (
        by_sendmail.sender,
        by_sendmail.recipients,
        by_sendmail.content,
    )
    assert by_us.content.rstrip(b"\r\n") == data.rstrip(b"\r\n")  # dot-stuffing undone, nothing else changed
    assert f"SIZE={len(data)}" in by_us.mail_options
    assert ("BODY=8BITMIME" in by_us.mail_options) is (body == "8bit")


def test_a_refused_recipient_is_raised_and_the_connection_carries_the_next(server: tuple[Recorder, int]) -> None:
    recorder, port = server
    recorder.refuse_rcpt = {"gone@example.org": "550 no such user", "later@example.org": "451 try again later"}
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, code in (("gone@example.org", 550), ("later@example.org", 451)):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                send_plain(smtp, SENDER, address, message("hello\n"))
            assert refused.value.recipients[address][0] == code
        send_plain(smtp, SENDER, "b@example.org", message("hello\n"))
    assert [envelope.recipients for envelope in recorder.envelopes] == [["b@example.org"]]


def test_a_refused_sender_is_raised_as_sendmail_raises_it(server: tuple[Recorder, int]) -> None:
    recorder, port = server
    recorder.refuse_mail = "451 local error"
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            send_plain(smtp, SENDER, "a@example.org", message("hello\n"))
        assert refused.value.smtp_code == 451
        recorder.refuse_mail = ""
        send_plain(smtp, SENDER, "a@example.org", message("hello\n"))
    assert len(recorder.envelopes) == 1


def test_a_server_that_closes_with_421_leaves_the_connection_closed(server: tuple[Recorder, int]) -> None:
    recorder, port = server
    recorder.refuse_rcpt = {"a@example.org": "421 closing"}
    smtp = smtplib.SMTP("127.0.0.1", port)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_plain(smtp, SENDER, "a@example.org", message("hello\n"))
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_plain(smtp, SENDER, "b@example.org", message("hello\n"))


def test_an_address_that_needs_quoting_goes_through_sendmail(server: tuple[Recorder, int]) -> None:
    recorder, port = server
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        send_plain(smtp, SENDER, '"two words"@example.org', message("hello\n"))
    assert recorder.envelopes[0].recipients == ['"two words"@example.org']


def test_a_line_break_in_an_address_cannot_add_a_recipient(server: tuple[Recorder, int]) -> None:
    recorder, port = server
    with smtplib.SMTP("127.0.0.1", port) as smtp, pytest.raises(ValueError, match="newline"):
        send_plain(smtp, SENDER, "a@example.org>\r\nRCPT TO:<thief@example.org", message("hello\n"))
    assert recorder.envelopes == []
