"""What became of one message: `fate(uuid)` to ask, and a handler told once when it is settled.

A part that must act on one message's fate ("the alert to this responder failed: ask the next")
names a handler when it enqueues, and is called, not polled:

    OUTCOME_HANDLERS.register("incidents.alert", alert_outcome)      # incidents' AppConfig.ready
    enqueue(Outgoing(..., on_outcome="incidents.alert", reference=f"{alert.uuid}:{responder.uuid}"))

    def alert_outcome(fate: Fate) -> None:                            # incidents
        if fate.state != State.DELIVERED: ...ask the next responder...

When the message's fate is settled, messaging calls the handler once, after the change of state
committed, with a `Fate`: the message's uuid, channel, state, reason slug (messaging.reasons), when,
and the caller's reference (ids only: a reference is stored in clear, so it never carries a name,
number or text). Settled means the outbox will learn nothing more about it:

- email: sent (the mail server took it: no receipt ever comes back), failed, bounced, cancelled, dead;
- SMS: delivered or failed (the provider's receipt), failed at hand-over, cancelled, dead.

A text handed to its provider (`sent`) is not settled: its receipt may still say that the number
does not exist, the failure a dispatcher most needs to hear, and telling "sent" and then "failed"
would make every handler undo what it did on the first call. A provider that sends no receipt
leaves a text `sent` and its handler uncalled: the caller's own timer (no answer within N minutes)
covers that, as it must anyway, since a delivered alert may go unread; `fate()` still says `sent`.
A held message (a key to fix, no SMS service) is not settled either: a person may release it.

Once: the claim (`outcome_told_at`) and the handler's call share one transaction, so what the
handler writes (a message to the next responder, a timer) commits with the claim or not at all. A
handler that raises is logged (its class and the message's uuid) and called again by the next
sweep (every minute), up to MAX_TRIES. A process that dies between the change of state and the
call leaves it to the sweep too. A handler runs in the process that changed the state (the
worker's outbox loop, a webhook's request): it does little and quickly, and enqueues a job for
anything slow.
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from solidarity.core.hooks import Registry
from solidarity.messaging.models import Channel, Message, State

log = logging.getLogger("solidarity.messaging")

MAX_TRIES = 5  # calls of a handler that raises before its outcome is given up (and logged as such)
CHUNK = 500

# Ids only: letters, digits and . _ : - (a reference is stored in clear).
REFERENCE = re.compile(r"[A-Za-z0-9._:-]{0,120}")

SETTLED: dict[str, frozenset[str]] = {
    Channel.EMAIL: frozenset({State.SENT, State.DELIVERED, State.FAILED, State.BOUNCED, State.CANCELLED, State.DEAD}),
    Channel.SMS: frozenset({State.DELIVERED, State.FAILED, State.BOUNCED, State.CANCELLED, State.DEAD}),
}


@dataclass(frozen=True)
class Fate:
    """What became of one message, as far as the outbox knows."""

    uuid: UUID
    channel: Channel
    state: State
    reason: str  # a slug messaging.reasons explains; "" when it went
    at: datetime  # when it reached this state
    reference: str  # the caller's reference, given when it was enqueued ("" when none)

    @property
    def is_settled(self) -> bool:
        return is_settled(self.channel, self.state)


OutcomeHandler = Callable[[Fate], None]

# Handlers by name, registered by the parts at start-up (AppConfig.ready); a message names one when enqueued.
OUTCOME_HANDLERS = Registry[str, OutcomeHandler]("messaging.outcome-handlers")

FATE_NEEDS = ("uuid", "channel", "state", "reason", "updated_at", "delivered_at", "sent_at", "outcome_reference")


def is_settled(channel: str, state: str) -> bool:
    return state in SETTLED.get(channel, frozenset())


def check(on_outcome: str, reference: str) -> None:
    """Refuse, loudly and at once, a handler nobody registered or a reference that is more than ids."""
    if on_outcome and on_outcome not in OUTCOME_HANDLERS:
        raise ValueError(f"no outcome handler is registered as {on_outcome!r}")
    if reference and not on_outcome:
        raise ValueError("a reference is for an outcome handler: name one")
    if not REFERENCE.fullmatch(reference):
        raise ValueError("an outcome's reference is ids only: letters, digits and . _ : - (120 at most)")


def fate_of(message: Message) -> Fate:
    at = (message.state == State.DELIVERED and message.delivered_at) or (
        message.state == State.SENT and message.sent_at
    )
    return Fate(
        uuid=message.uuid,
        channel=Channel(message.channel),
        state=State(message.state),
        reason=message.reason,
        at=at or message.updated_at,
        reference=message.outcome_reference,
    )


def fate(message_uuid: UUID | str) -> Fate | None:
    """One message's fate by its uuid (what `enqueue` returned); None when there is no such message (or no more).

    A message is forgotten after its retention period (messaging.retention): None then too.
    """
    found = Message.objects.filter(uuid=message_uuid).only(*FATE_NEEDS).first()
    return fate_of(found) if found is not None else None


def tell_soon(pks: Iterable[int]) -> None:
    """Once the current transaction commits: tell the handlers of these messages that are settled and untold."""
    wanted = sorted(set(pks))
    if wanted:
        transaction.on_commit(lambda: tell(wanted))


def tell(pks: list[int] | None = None) -> int:
    """Call the handler of each settled, untold message among `pks` (every one when None: the sweep); how many."""
    settled = Q()
    for channel, states in SETTLED.items():
        settled |= Q(channel=channel, state__in=sorted(states))
    # Said in the partial index's own terms (SQLite uses it only for a query that repeats its condition).
    untold = Message.objects.exclude(outcome_handler="").filter(settled, outcome_told_at__isnull=True)
    found: list[int] = []
    if pks is None:
        found = list(untold.order_by("updated_at").values_list("pk", flat=True))
    else:
        for start in range(0, len(pks), CHUNK):
            found += untold.filter(pk__in=pks[start : start + CHUNK]).values_list("pk", flat=True)
    return sum(tell_one(pk) for pk in found)


def tell_one(pk: int) -> bool:
    """Claim one message's outcome and call its handler, in one transaction (see the module's "Once")."""
    with transaction.atomic():
        now = timezone.now()
        if not Message.objects.filter(pk=pk, outcome_told_at__isnull=True).update(outcome_told_at=now):
            return False  # told meanwhile, by another process
        message = Message.objects.only(*FATE_NEEDS, "outcome_handler", "outcome_tries").get(pk=pk)
        if not is_settled(message.channel, message.state):
            transaction.set_rollback(True)  # it moved on since it was read (a receipt came): not yet
            return False
        handler = OUTCOME_HANDLERS.get(message.outcome_handler)
        try:
            if handler is None:
                raise LookupError(f"no outcome handler is registered as {message.outcome_handler!r}")
            with transaction.atomic():
                handler(fate_of(message))
        except Exception as error:  # a handler's bug must not stop the outbox: logged, tried again later
            tries = message.outcome_tries + 1
            given_up = tries >= MAX_TRIES
            log.error(
                "outcome handler %s failed for message %s (%s), try %d of %d%s",
                message.outcome_handler,
                message.uuid,
                type(error).__name__,
                tries,
                MAX_TRIES,
                ": given up" if given_up else "",
            )
            Message.objects.filter(pk=pk).update(outcome_told_at=now if given_up else None, outcome_tries=tries)
            return False
    return True
