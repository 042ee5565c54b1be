"""SMS backends behind one interface: send with an idempotency key, signed webhooks, a throttle.

A backend is a transport: it knows a provider's requests and signatures, never the outbox's
states or the database. The outbox (messaging.pump) calls `send`; the webhook view (one URL per
backend) calls `verify`, then `parse`, and hand the results to messaging.services.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from django.http import HttpRequest


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


@dataclass(frozen=True)
class InboundSms:
    sender: str  # as the provider gives it; messaging normalises it to E.164
    body: str
    provider_id: str = ""
    received_by: str = ""  # which of our numbers or phones got it, when the provider says


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
