"""SMS backends behind one interface: send with an idempotency key, signed webhooks, a throttle.

A backend is a transport: it knows a provider's requests and signatures, never the outbox's
states or the database. The outbox (messaging.pump) calls `send`; the webhook view (one URL per
backend) calls `verify`, then `parse`, and hand the results to messaging.services.

What a webhook says is checked here, once, for every backend, as it becomes a StatusUpdate or an
InboundSms: no database can store a NUL character (PostgreSQL refuses it in text), so
- an id or an address with a NUL in it (a message id, an error code, a sender, our number) is
  no real one: BadWebhook, and the webhook view answers 400;
- a text's body keeps its words without the NUL: a phone's GSM 7-bit alphabet writes "@" as code
  0, and a gateway that decodes it naively hands us NUL where a person typed "@". Losing the text
  would be worse than losing that character.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from django.http import HttpRequest

NUL = "\x00"


class BadWebhook(ValueError):
    """A verified webhook we cannot take as it is: the view answers 400, and nothing is kept.

    The message names the field, never its value (it may be a phone number).
    """


def refuse_nul(**fields: str) -> None:
    """Raise BadWebhook when any of these provider ids or addresses holds a NUL character."""
    for name, value in fields.items():
        if NUL in value:
            raise BadWebhook(f"a NUL character in {name}")


class Delivery(StrEnum):
    """A provider's delivery state, normalised."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class SmsError(Exception):
    """A send that did not go through.

    `transient`: worth retrying later (a network error, a 5xx, a rate limit, a phone offline).
    Otherwise permanent for this message (a bad number, an opted-out number): the outbox
    fails it at once. `code` is the provider's error code when it gave one ("21610"), so
    messaging.reasons can say what a coordinator can do about it.
    """

    def __init__(self, message: str, *, transient: bool, code: str = "") -> None:
        super().__init__(message)
        self.transient, self.code = transient, code


@dataclass(frozen=True)
class StatusUpdate:
    provider_id: str
    state: Delivery
    code: str = ""  # the provider's error code, when it failed

    def __post_init__(self) -> None:
        refuse_nul(provider_id=self.provider_id, code=self.code)


@dataclass(frozen=True)
class InboundSms:
    """One text as the provider gave it. Raises BadWebhook for a NUL in an id or address (module docstring).

    `sender` is exactly the provider's string, never normalised here: "+19195550142", "abc" (an
    alphanumeric sender, or a broken one) and "" (the provider gave none) all stay as they are, and
    messaging.inbound decides what a sender that is no phone number gets.
    """

    sender: str
    body: str
    provider_id: str = ""
    received_by: str = ""  # which of our numbers or phones got it, when the provider says

    def __post_init__(self) -> None:
        refuse_nul(sender=self.sender, provider_id=self.provider_id, received_by=self.received_by)
        if NUL in self.body:
            object.__setattr__(self, "body", self.body.replace(NUL, ""))  # frozen: set once, here


@dataclass(frozen=True)
class Webhook:
    statuses: list[StatusUpdate] = field(default_factory=list)
    inbound: list[InboundSms] = field(default_factory=list)
    ping: bool = False  # a phone gateway's heartbeat: the phone is alive and online


@dataclass
class Sent:
    provider_id: str
    segments: int = 1
    extra: dict[str, str] = field(default_factory=dict)


class SmsBackend(Protocol):
    name: str  # stable, shown to dispatchers: "twilio", "android:kitchen-phone", "loopback"
    per_minute: int  # how many messages this backend may hand over per minute

    def send(self, to: str, body: str, *, idempotency_key: str) -> Sent:
        """Hand one message to the provider. `to` is E.164. Raises SmsError."""
        ...

    def close(self) -> None:
        """Release reused connections."""
        ...

    def verify(self, request: HttpRequest) -> bool:
        """Whether a webhook request really comes from this provider (signature, token)."""
        ...

    def parse(self, request: HttpRequest) -> "Webhook":
        """What a verified webhook request says: delivery receipts, inbound messages, a phone's ping."""
        ...
