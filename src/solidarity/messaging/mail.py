"""Email: Django's email pointed at the outbox, and the outbox's emails built, stored and sent as text.

`MAILERS["default"]` queues, `MAILERS["transport"]` sends: every `send_mail`, allauth's mail and
a part's own mail become outbox rows (one per recipient), sent by the worker with retries. The
transport is the real SMTP server (or the console in development), used only by messaging.pump.

A part builds an email's outbox content with `email_content` (one message) or an `EmailTemplate`
(one message for many recipients, filled in per recipient: a broadcast) and queues it with
messaging.services.enqueue.
"""

import contextlib
import functools
import re
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage as MimeEmailMessage
from email.message import Message as MimeMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.utils import DNS_NAME
from django.utils import timezone
from django.utils.crypto import get_random_string

from solidarity.messaging.models import Channel
from solidarity.messaging.services import Outgoing, enqueue_many

# A dot-atom address (RFC 5322), ASCII only: what Django's prep_address would hand back unchanged.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*")


# Building an email's outbox content.


def email_content(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    language: str = "",
    headers: dict[str, str] | None = None,
    raw_headers: dict[str, str] | None = None,
    from_email: str | None = None,
) -> dict[str, Any]:
    """The outbox content of one email: a whole MIME message, multipart when there is HTML.

    `raw_headers` are written on one line each, as RFC 2369 wants list headers: Python's email
    package folds a header longer than 78 characters, and a URL has no space to fold at, so it
    would turn the whole value into RFC 2047 encoded-words, which no mail program reads as a URL
    (Gmail and Outlook then show no unsubscribe button). RFC 5322 allows 998. The pump sends the
    stored text as it is, so they reach the mail server unchanged.
    """
    mail = EmailMultiAlternatives(subject, text, from_email, [to], headers=headers or {})
    if html:
        mail.attach_alternative(html, "text/html")
    mime = mail.message()
    if language:
        mime["Content-Language"] = language
    return {"mime": insert_raw_headers(mime.as_string(), raw_headers or {}), "from": mail.from_email}


def insert_raw_headers(text: str, raw_headers: dict[str, str]) -> str:
    """Add headers to a whole message's text, each on one line as it is (see `email_content`)."""
    if not raw_headers:
        return text
    if not all(value.isascii() and value.isprintable() and len(value) < 990 for value in raw_headers.values()):
        raise ValueError("raw headers are printable ASCII lines")
    end = text.find("\n\n")
    return text[:end] + "".join(f"\n{name}: {value}" for name, value in raw_headers.items()) + text[end:]


# A template's markers must come out of the MIME encoder whole: its bodies are written 8bit (7bit
# when ASCII) whenever their lines allow it (RFC 5322: 998 octets, less room for a slot's value),
# never quoted-printable or base64, and the markers are ASCII words no header folding splits.
SLOT_VALUE_MAX = 256
BODY_LINE_MAX = 998 - SLOT_VALUE_MAX
# A URL's characters, less those HTML would escape (& ' "): a value reads the same in text, HTML and a header.
_SLOT_VALUE = re.compile(rf"[A-Za-z0-9:/?#@!$()*+,;=._~%-]{{1,{SLOT_VALUE_MAX}}}")
_SLOT_NONCE = secrets.token_hex(6)
TEMPLATE_POLICY = policy.default.clone(linesep="\n")


def slot(name: str) -> str:
    """The marker an `EmailTemplate`'s text, HTML or raw headers carry where `name`'s value goes."""
    return f"solidarity-slot-{_SLOT_NONCE}-{name}"


def body_encoding(body: str) -> str | None:
    """7bit or 8bit when every line is short enough to stay as it is; None when the body must be quoted."""
    if max((len(line.encode()) for line in body.splitlines()), default=0) > BODY_LINE_MAX:
        return None
    return "7bit" if body.isascii() else "8bit"


class EmailTemplate:
    """One email for many recipients that differ only in their address and a few values (an unsubscribe link).

    Building a MIME message takes over a millisecond (most of it folding headers): a broadcast
    to 10,000 people would spend 13 s on it before the first one leaves. A template builds the
    message once, with markers (`slot(name)`) where the address and each value go, checks that
    every marker came out of the encoder whole, and `content()` fills in a copy per recipient,
    with a Message-ID of its own. Where it cannot be sure (a body with lines too long to stay
    unquoted, an address with a name or non-ASCII characters, a value with characters a URL
    does not have), that recipient's message is built whole by `email_content`: the fast path
    never changes what is said, only how long it takes to say it.
    """

    def __init__(
        self,
        *,
        subject: str,
        text: str,
        html: str = "",
        language: str = "",
        raw_headers: dict[str, str] | None = None,
        from_email: str | None = None,
        slots: tuple[str, ...] = (),
    ) -> None:
        self.fields: dict[str, Any] = {
            "subject": subject,
            "text": text,
            "html": html,
            "language": language,
            "raw_headers": dict(raw_headers or {}),
            "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
        }
        self.markers = {name: slot(name) for name in slots}
        self.to_marker = f"{slot('to')}@example.invalid"
        self.id_marker = f"<{slot('message-id')}@example.invalid>"
        self.pieces = self.build()

    def build(self) -> list[str]:
        """The message split around its markers ([] when a marker would not come out whole)."""
        fields = self.fields
        encodings = [body_encoding(fields["text"]), *([body_encoding(fields["html"])] if fields["html"] else [])]
        if None in encodings or not all(value.isascii() for value in fields["raw_headers"].values()):
            return []
        mime = MimeEmailMessage(policy=TEMPLATE_POLICY)
        mime["Subject"] = fields["subject"]
        mime["From"] = fields["from_email"]
        mime["To"] = self.to_marker
        mime["Date"] = format_datetime(timezone.localtime() if settings.EMAIL_USE_LOCALTIME else timezone.now())
        mime["Message-ID"] = self.id_marker
        mime.set_content(fields["text"], subtype="plain", charset="utf-8", cte=encodings[0])
        if fields["html"]:
            mime.add_alternative(fields["html"], subtype="html", charset="utf-8", cte=encodings[1])
        if fields["language"]:  # after the bodies: setting one clears the Content-* headers
            mime["Content-Language"] = fields["language"]
        text = insert_raw_headers(mime.as_bytes().decode("utf-8"), fields["raw_headers"])
        sources = "".join([fields["text"], fields["html"], *fields["raw_headers"].values()])
        if any(text.count(marker) != sources.count(marker) for marker in self.markers.values()):
            return []
        if text.count(self.to_marker) != 1 or text.count(self.id_marker) != 1:
            return []
        names = [self.to_marker, self.id_marker, *self.markers.values()]
        return re.split("(" + "|".join(re.escape(name) for name in names) + ")", text)

    def content(self, to: str, **values: str) -> dict[str, Any]:
        """The outbox content for one recipient: `to`, and a value for each slot."""
        if (
            not self.pieces
            or values.keys() != self.markers.keys()
            or not PLAIN_ADDRESS.fullmatch(to)
            or not all(_SLOT_VALUE.fullmatch(value) for value in values.values())
        ):
            return self.whole(to, values)
        fill = {self.markers[name]: value for name, value in values.items()}
        fill[self.to_marker] = to
        fill[self.id_marker] = make_msgid(domain=DNS_NAME)
        pieces = self.pieces  # markers sit at the odd positions
        return {
            "mime": "".join(piece if position % 2 == 0 else fill[piece] for position, piece in enumerate(pieces)),
            "from": self.fields["from_email"],
        }

    def whole(self, to: str, values: dict[str, str]) -> dict[str, Any]:
        fields = dict(self.fields)
        for name, marker in self.markers.items():
            value = values.get(name, "")
            fields["text"] = fields["text"].replace(marker, value)
            fields["html"] = fields["html"].replace(marker, value)
            fields["raw_headers"] = {key: raw.replace(marker, value) for key, raw in fields["raw_headers"].items()}
        return email_content(to=to, **fields)


def parse_mime(content: dict[str, Any]) -> MimeMessage:
    """A stored message parsed as its bytes on the wire (an 8bit body stays 8bit, see `mime_bytes`)."""
    return message_from_bytes(mime_bytes(str(content["mime"])), policy=policy.SMTP)


def mime_bytes(text: str) -> bytes:
    """A stored message's bytes: the text is them read as UTF-8 (an 8bit body's characters are written as they are)."""
    return text.encode("utf-8", "surrogateescape")


# Queueing: Django's email backend that writes to the outbox.


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


def send_plain(
    smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes, following: "Following | None" = None
) -> None:
    """One SMTP transaction, as `smtp.sendmail(sender, [recipient], data)` makes it; raises what it raises.

    `sendmail` re-parses both envelope addresses with the email package on every message (a
    fifth of the send-out's CPU in bench/broadcast.py) and runs a regular expression over the
    whole message for dot-stuffing. A plain dot-atom address needs no quoting, so it is written
    as it is, and a message with no line starting with "." is sent as it is. Anything else goes
    through `sendmail`. Where the server offers PIPELINING (Postfix does), MAIL, RCPT and DATA go
    in one write, and `following`'s go with the data (see `send_data`). A
    refusal resets the transaction (421: closes), so the connection can carry the next message.
    """
    if not plain_envelope(sender, recipient):
        smtp.sendmail(sender, [recipient], data)
        return
    smtp.ehlo_or_helo_if_needed()
    commands = envelope_commands(smtp, sender, recipient, size=len(data), eight_bit=not data.isascii())
    if smtp.has_extn("pipelining"):
        smtp.send(pipelined(commands))
        replies = [smtp.getreply() for _command in commands]
    else:
        following = None  # without PIPELINING, no command goes before the last one's reply
        replies = []
        for (verb, args), wanted in zip(commands, _WANTED, strict=True):
            replies.append(smtp.docmd(verb, args))
            if replies[-1][0] not in wanted:
                break
    send_data(smtp, sender, recipient, replies, data, following)


def plain_envelope(sender: str, recipient: str) -> bool:
    """Whether both envelope addresses are plain dot-atoms, written as they are (anything else: `sendmail`)."""
    return bool(PLAIN_ADDRESS.fullmatch(sender) and PLAIN_ADDRESS.fullmatch(recipient))


def can_pipeline(smtp: smtplib.SMTP, sender: str, recipient: str) -> bool:
    """Whether a transaction to these addresses can be begun ahead (`pipelined_envelope`): plain ones, PIPELINING."""
    if not plain_envelope(sender, recipient):
        return False
    smtp.ehlo_or_helo_if_needed()
    return smtp.has_extn("pipelining")


@dataclass
class Following:
    """The next transaction's MAIL, RCPT and DATA (`pipelined_envelope`), to go in the same write as this message.

    RFC 2920 lets a client send a message's content and the next commands together, then read
    their replies: one round trip a message instead of two. `written` says whether they went.
    `meanwhile` is work for the next message (encrypting it), done once they went, while the
    server takes this message and before its reply is read: the sender does not sit idle.
    """

    commands: bytes
    written: bool = False
    meanwhile: Callable[[], None] | None = None


def pipelined_envelope(smtp: smtplib.SMTP, sender: str, recipient: str, *, size: int | None, eight_bit: bool) -> bytes:
    """MAIL, RCPT and DATA as one write (RFC 2920), for `Following`; `finish_pipelined` reads their replies.

    `size`: the message's length in bytes when known (SIZE is optional, RFC 1870); `eight_bit`:
    whether it may carry 8-bit characters. Only where `can_pipeline` says so. Once DATA is taken
    (354), nothing but the message ends the transaction: a caller that will not finish it hangs up.
    """
    return pipelined(envelope_commands(smtp, sender, recipient, size=size, eight_bit=eight_bit))


def finish_pipelined(
    smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes, following: Following | None = None
) -> None:
    """Read the replies to `pipelined_envelope`'s commands, then send `data`: the rest of `send_plain`."""
    send_data(smtp, sender, recipient, [smtp.getreply() for _command in _WANTED], data, following)


def envelope_commands(
    smtp: smtplib.SMTP, sender: str, recipient: str, *, size: int | None, eight_bit: bool
) -> list[tuple[str, str]]:
    options = ""
    if smtp.does_esmtp:
        if size is not None and smtp.has_extn("size"):
            options += f" SIZE={size}"
        if eight_bit and smtp.has_extn("8bitmime"):
            options += " BODY=8BITMIME"  # RFC 6152: an 8bit body says so when the server allows it
    return [("MAIL", f"FROM:<{sender}>{options}"), ("RCPT", f"TO:<{recipient}>"), ("DATA", "")]


def pipelined(commands: list[tuple[str, str]]) -> bytes:
    return "".join(f"{verb} {args}".rstrip() + "\r\n" for verb, args in commands).encode("ascii")


def send_data(
    smtp: smtplib.SMTP,
    sender: str,
    recipient: str,
    replies: list[tuple[int, bytes]],
    data: bytes,
    following: Following | None = None,
) -> None:
    """After MAIL, RCPT and DATA's `replies`: raise a refusal as `sendmail` does, else send `data`, read its 250.

    `following`'s commands go in the same write as `data` (and so only once the envelope was
    taken), and its `meanwhile` runs before the data's reply is read. That reply ends this
    transaction either way; after a refusal the connection is reset as `sendmail` does,
    unless the next transaction has begun on it.
    """
    failed = next(
        (step for step, (reply, wanted) in enumerate(zip(replies, _WANTED, strict=False)) if reply[0] not in wanted),
        None,
    )
    if failed is not None:
        if len(replies) == 3 and replies[2][0] == 354:  # DATA taken after a refusal: end an empty message
            smtp.send(b".\r\n")
            smtp.getreply()
        code, reply = replies[failed]
        refused(smtp, code)
        if failed == 0:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        if failed == 1:
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        raise smtplib.SMTPDataError(code, reply)
    if data.startswith(b".") or b"\n." in data:
        data = _LEADING_DOT.sub(b"..", data)  # RFC 5321 4.5.2
    then = following.commands if following is not None else b""
    smtp.send(data + (b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n") + then)
    if following is not None:
        following.written = True
        if following.meanwhile is not None:
            following.meanwhile()
    code, reply = smtp.getreply()
    if code != 250:
        if following is None or code == 421:
            refused(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


_LEADING_DOT = re.compile(rb"(?m)^\.")
_WANTED = ((250,), (250, 251), (354,))  # the replies MAIL, RCPT and DATA go on with


def refused(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal, as smtplib does: 421 means the server is closing; else reset the transaction."""
    if code == 421:
        smtp.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()
