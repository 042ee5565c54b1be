"""What became of one hand-over, as a channel's sender reports it to the outbox's loop (messaging.pump).

A sender (email in messaging.pump, SMS in messaging.sms_sender) returns one `Result` per message,
or raises `Unreachable` when nothing in its batch can go now; the loop applies the result, a
conditional update on the message's lease (messaging.services). Here, apart from both, so that
neither sender imports the loop.
"""

from uuid import UUID

from solidarity.messaging import services
from solidarity.messaging.models import Message, State


class Unreachable(Exception):
    """The channel's server or provider cannot be reached at all: nothing in the batch can go now."""


class Result:
    """What happened to one message; `apply` records it."""

    def apply(self, message: Message, token: UUID) -> None:
        raise NotImplementedError


class Sent(Result):
    def __init__(self, backend: str, provider_id: str) -> None:
        self.backend, self.provider_id = backend, provider_id

    def apply(self, message: Message, token: UUID) -> None:
        services.mark_sent(message, token, backend=self.backend, provider_id=self.provider_id)


class Retry(Result):
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def apply(self, message: Message, token: UUID) -> None:
        services.mark_retry(message, token, self.reason)


class Failed(Result):
    def __init__(self, reason: str, state: str = State.FAILED, *, marks_address: bool = False) -> None:
        self.reason, self.state, self.marks_address = reason, state, marks_address

    def apply(self, message: Message, token: UUID) -> None:
        services.mark_failed(message, token, self.reason, state=self.state)
        if self.marks_address:
            services.do_address_failed(message.channel, message.to, self.reason)


class Held(Result):
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def apply(self, message: Message, token: UUID) -> None:
        services.mark_held(message, token, self.reason)
