"""Django's email, pointed at the outbox: `MAILERS["default"]` queues, `MAILERS["transport"]` sends.

Every `send_mail`, allauth's mail and a part's own mail become outbox rows (one per
recipient), sent by the worker with retries. The transport is the real SMTP server (or the
console in development), used only by messaging.pump.
"""

import contextlib
import functools
import re
import smtplib
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import Message as MimeMessage
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.crypto import get_random_string

from solidarity.messaging.models import Channel
from solidarity.messaging.services import PLAIN_ADDRESS, Outgoing, enqueue_many, mime_bytes


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


# The outbox stores each message as text: these send it as it is, without the modern email
# API, which parses and refolds every header (most of the cost of sending a message).

_LINE_END = re.compile(r"\r\n|\r|\n")
# A rewritten message (OpenPGP's outer one) on the wire: headers kept raw are written as they are.
# Refolding a long one (a List-Unsubscribe link) would turn it into RFC 2047 words mail programs ignore.
WIRE = policy.SMTP.clone(refold_source="none")


def wire_bytes(text: str) -> bytes:
    """A stored message as SMTP's DATA wants it: CRLF line ends, characters as stored (as Django's SMTP sends them)."""
    # The outbox stores bare LFs: one replace, not a regular expression over the whole message.
    return mime_bytes(text.replace("\n", "\r\n") if "\r" not in text else _LINE_END.sub("\r\n", text))


def header(text: str, name: str) -> str:
    """One header's value in a stored message, unfolded ("" if absent): its Message-ID, say."""
    end = text.find("\n\n")
    found = header_pattern(name).search(text, 0, len(text) if end < 0 else end)
    return _LINE_END.sub("", found.group(1)).strip() if found else ""


@functools.cache
def header_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(name)}:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def envelope_address(address: str, prep_address: Callable[[str], str]) -> str:
    """An address for SMTP's envelope: a plain one as it is, any other through Django's `prep_address`.

    `prep_address` parses with the modern email API (a third of a millisecond): a broadcast's
    plain addresses skip it; anything else (a name, IDNA, an injection attempt) still meets it.
    """
    return address if PLAIN_ADDRESS.fullmatch(address) else prep_address(address)


def send_plain(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """One SMTP transaction, as `smtp.sendmail(sender, [recipient], data)` makes it; raises what it raises.

    `sendmail` re-parses both envelope addresses with the email package on every message (a
    fifth of the send-out's CPU in bench/broadcast.py) and runs a regular expression over the
    whole message for dot-stuffing. A plain dot-atom address needs no quoting, so it is written
    as it is, and a message with no line starting with "." is sent as it is. Anything else goes
    through `sendmail`. A refusal resets the transaction (421: closes), so the connection can
    carry the next message.
    """
    if not (PLAIN_ADDRESS.fullmatch(sender) and PLAIN_ADDRESS.fullmatch(recipient)):
        smtp.sendmail(sender, [recipient], data)
        return
    smtp.ehlo_or_helo_if_needed()
    options = ""
    if smtp.does_esmtp:
        if smtp.has_extn("size"):
            options += f" SIZE={len(data)}"
        if smtp.has_extn("8bitmime") and not data.isascii():
            options += " BODY=8BITMIME"  # RFC 6152: an 8bit body says so when the server allows it
    code, reply = smtp.docmd("mail", f"FROM:<{sender}>{options}")
    if code != 250:
        refused(smtp, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.docmd("rcpt", f"TO:<{recipient}>")
    if code not in (250, 251):
        refused(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = smtp.docmd("data")
    if code != 354:
        refused(smtp, code)
        raise smtplib.SMTPDataError(code, reply)
    if data.startswith(b".") or b"\n." in data:
        data = _LEADING_DOT.sub(b"..", data)  # RFC 5321 4.5.2
    smtp.send(data + (b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n"))
    code, reply = smtp.getreply()
    if code != 250:
        refused(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


_LEADING_DOT = re.compile(rb"(?m)^\.")


def refused(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal, as smtplib does: 421 means the server is closing; else reset the transaction."""
    if code == 421:
        smtp.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


class Verbatim(policy.Compat32):
    """compat32, but an ASCII header is written back as it was read, not refolded through email.header.

    The outbox's messages were folded when they were built; refolding each header again is
    most of the cost of re-rendering one (for OpenPGP) and can only change how it looks.
    """

    def fold(self, name: str, value: str) -> str:
        if not isinstance(value, str) or not value.isascii():
            return super().fold(name, value)
        return f"{name}: {self.linesep.join(value.splitlines())}{self.linesep}"

    def fold_binary(self, name: str, value: str) -> bytes:
        return self.fold(name, value).encode("ascii", "surrogateescape")


VERBATIM = Verbatim()


def parse_raw(text: str) -> MimeMessage:
    """A stored message parsed without the modern email API (compat32), for re-wrapping (OpenPGP)."""
    return message_from_bytes(mime_bytes(text), policy=VERBATIM)
