"""The outbox's SMTP transaction (`mail.send_plain`) puts on the wire what smtplib's `sendmail` would.

Checked against a real SMTP server (aiosmtpd on 127.0.0.1) that records each envelope as it
arrived: the same sender, recipient and content bytes as `sendmail` gives it, dot-stuffing
undone, refusals raised as `sendmail` raises them, and the connection still good for the next.
"""

import smtplib
from collections.abc import Iterator

import pytest

from solidarity.messaging.mail import (
    Following,
    can_pipeline,
    finish_pipelined,
    pipelined_envelope,
    send_plain,
    wire_bytes,
)
from tests.smtp import SmtpServer, smtp_server

SENDER = "noreply@network.example.org"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


def message(body: str) -> bytes:
    return wire_bytes(f"From: Red <{SENDER}>\nTo: a@example.org\nSubject: Asamblea\nMessage-ID: <1@x>\n\n{body}")


BODIES = {
    "plain": "Hello neighbour,\nthe assembly is on Thursday.\n",
    "leading dots": ".\n..\n.hidden line\nmiddle\n. a dot and a space\n",
    "no final newline": "the last line has no line end",
    "8bit": "Hola, compañera: la asamblea será el jueves.\n.¿Vienes?\n",
}


@pytest.mark.parametrize("body", list(BODIES))
def test_the_server_receives_what_sendmail_would_send(server: SmtpServer, body: str) -> None:
    data = message(BODIES[body])
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        smtp.sendmail(SENDER, ["a@example.org"], data)
        send_plain(smtp, SENDER, "a@example.org", data)
    by_sendmail, by_us = server.inbox.messages
    assert (by_us.sender, by_us.recipients, by_us.content) == (
        by_sendmail.sender,
        by_sendmail.recipients,
        by_sendmail.content,
    )
    assert by_us.content.rstrip(b"\r\n") == data.rstrip(b"\r\n")  # dot-stuffing undone, nothing else changed
    assert f"SIZE={len(data)}" in by_us.mail_options
    assert ("BODY=8BITMIME" in by_us.mail_options) is (body == "8bit")


def test_a_refused_recipient_is_raised_and_the_connection_carries_the_next(server: SmtpServer) -> None:
    server.inbox.refuse = {"gone@example.org": "550 no such user", "later@example.org": "451 try again later"}
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        for address, code in (("gone@example.org", 550), ("later@example.org", 451)):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                send_plain(smtp, SENDER, address, message("hello\n"))
            assert refused.value.recipients[address][0] == code
        send_plain(smtp, SENDER, "b@example.org", message("hello\n"))
    assert [received.recipients for received in server.inbox.messages] == [["b@example.org"]]


def test_a_refused_sender_is_raised_as_sendmail_raises_it(server: SmtpServer) -> None:
    server.inbox.refuse_mail = "451 local error"
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            send_plain(smtp, SENDER, "a@example.org", message("hello\n"))
        assert refused.value.smtp_code == 451
        server.inbox.refuse_mail = ""
        send_plain(smtp, SENDER, "a@example.org", message("hello\n"))
    assert len(server.inbox.messages) == 1


def test_a_server_that_closes_with_421_leaves_the_connection_closed(server: SmtpServer) -> None:
    server.inbox.refuse = {"a@example.org": "421 closing"}
    smtp = smtplib.SMTP("127.0.0.1", server.port)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_plain(smtp, SENDER, "a@example.org", message("hello\n"))
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_plain(smtp, SENDER, "b@example.org", message("hello\n"))


def test_an_address_that_needs_quoting_goes_through_sendmail(server: SmtpServer) -> None:
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        send_plain(smtp, SENDER, '"two words"@example.org', message("hello\n"))
    assert server.inbox.messages[0].recipients == ['"two words"@example.org']


def test_a_line_break_in_an_address_cannot_add_a_recipient(server: SmtpServer) -> None:
    with smtplib.SMTP("127.0.0.1", server.port) as smtp, pytest.raises(ValueError, match="newline"):
        send_plain(smtp, SENDER, "a@example.org>\r\nRCPT TO:<thief@example.org", message("hello\n"))
    assert server.inbox.messages == []


def test_a_transaction_begun_ahead_delivers_what_sendmail_would_and_says_no_size_it_was_not_told(
    server: SmtpServer,
) -> None:
    server.inbox.pipelining = True
    data = message(BODIES["8bit"])
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        smtp.sendmail(SENDER, ["a@example.org"], data)
        assert can_pipeline(smtp, SENDER, "a@example.org")
        assert not can_pipeline(smtp, SENDER, '"two words"@example.org')
        smtp.send(pipelined_envelope(smtp, SENDER, "a@example.org", size=None, eight_bit=True))
        finish_pipelined(smtp, SENDER, "a@example.org", data)
        server.inbox.refuse = {"gone@example.org": "550 no such user"}
        smtp.send(pipelined_envelope(smtp, SENDER, "gone@example.org", size=len(data), eight_bit=False))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            finish_pipelined(smtp, SENDER, "gone@example.org", data)
        send_plain(smtp, SENDER, "b@example.org", data)  # the connection carries the next
    by_sendmail, by_us, next_one = server.inbox.messages
    assert (by_us.sender, by_us.recipients, by_us.content) == (
        by_sendmail.sender,
        by_sendmail.recipients,
        by_sendmail.content,
    )
    assert by_us.mail_options == ["BODY=8BITMIME"]
    assert next_one.recipients == ["b@example.org"]


def test_the_next_transaction_goes_with_a_messages_data_and_survives_its_refusal(server: SmtpServer) -> None:
    """RFC 2920: the next MAIL, RCPT and DATA in the same write as a message; a refused message is no reset of them."""
    server.inbox.pipelining = True
    server.inbox.refuse_data = {"c@example.org": "554 5.7.1 looks like spam"}
    data = message("hello\n")
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        smtp.ehlo()
        to_b, to_c, to_d = (
            Following(pipelined_envelope(smtp, SENDER, to, size=len(data), eight_bit=False))
            for to in ("b@example.org", "c@example.org", "d@example.org")
        )
        send_plain(smtp, SENDER, "a@example.org", data, to_b)
        finish_pipelined(smtp, SENDER, "b@example.org", data, to_c)
        with pytest.raises(smtplib.SMTPDataError):
            finish_pipelined(smtp, SENDER, "c@example.org", data, to_d)
        finish_pipelined(smtp, SENDER, "d@example.org", data)  # went with c's data, untouched by c's refusal
        send_plain(smtp, SENDER, "e@example.org", data)
    assert (to_b.written, to_c.written, to_d.written) == (True, True, True)
    assert [received.recipients for received in server.inbox.messages] == [
        ["a@example.org"],
        ["b@example.org"],
        ["d@example.org"],
        ["e@example.org"],
    ]
    assert all(received.content.endswith(b"hello\r\n") for received in server.inbox.messages)
