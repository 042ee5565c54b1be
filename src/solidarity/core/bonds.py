"""The bond request seam: a case asks for an immigration bond to be paid (or an arrest at an action for a
criminal bail, `kind`); whoever pays bonds picks it up.

The part that holds family-support cases (incidents, tier 5) and the part that pays (funds, tier 5 too)
may not import each other, so the hand-over lives here, a tier below both:

1. The case asks: `do_request_bond(source="incidents.case", reference=case.uuid, ...)` writes a durable
   `BondRequest` (amount, currency, pay-by date, the case's opaque uuid, and an encrypted note for the
   payer: where and whom to pay, as the bond office needs it). At most one live request per case.
2. After the transaction commits, every consumer in BOND_CONSUMERS is told (`consumer(request_uuid,
   state)`): a request was made ("requested") or called off ("withdrawn"). A consumer reads the row
   itself, in its own transaction; the row, not the call, is the hand-over, so a consumer that was
   down reads `waiting()` when it comes back.
3. The consumer claims it, `do_pick_up(request, consumer=NAME)`, and once the bond office has the money,
   `do_mark_paid(request, consumer=NAME)`. Both are conditional updates: two consumers (or two fires of
   one) never both claim a request.
4. The case reads the request's state (`requests_for`): requested, picked up, paid, withdrawn.

Who may pay an immigration bond (a US citizen, a permanent resident or an organisation, in person or
online) is the paying part's concern: nothing here asks or stores anything about it, nor anything about
anyone's immigration status. The payer's note is blanked when the request is paid or withdrawn, and when
its case closes (`do_blank_notes`); purging a case forgets its requests (`do_forget`), keeping only a paid
one's amount and dates for the payer's books.

Every change is audited (ids and states, never the note).
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from solidarity.core import audit
from solidarity.core.bond_models import LIVE_BOND_STATES, BondRequest, BondRequestKind, BondRequestState
from solidarity.core.hooks import Registry
from solidarity.core.models import AuditAction

logger = logging.getLogger("solidarity.bonds")

# A consumer is told a request's uuid and what happened to it ("requested", "withdrawn"), after commit.
BondConsumer = Callable[[uuid.UUID, str], None]
BOND_CONSUMERS = Registry[str, BondConsumer]("core.bond-consumers")
OBJECT_TYPE = "core.bondrequest"


class BondRequestRefused(Exception):
    """A live request exists already for this reference: withdraw it first."""


def tell_consumers(request_uuid: uuid.UUID, state: str) -> None:
    """Tell every registered consumer, once the transaction commits; one consumer's failure stops no other."""

    def tell() -> None:
        for name, consumer in BOND_CONSUMERS.items():
            try:
                consumer(request_uuid, state)
            except Exception as error:
                logger.error("bond consumer %s failed on %s: %s", name, request_uuid, type(error).__name__)

    transaction.on_commit(tell)


def record(request: BondRequest, action: AuditAction, actor: str, **detail: str) -> None:
    audit.record(actor=actor, action=action, object_type=OBJECT_TYPE, object_ids=[request.uuid], detail=detail)


def do_request_bond(
    *,
    source: str,
    reference: uuid.UUID,
    amount: Decimal,
    currency: str = "USD",
    due_on: date | None = None,
    payer_note: str = "",
    kind: str = BondRequestKind.BOND,
    actor: str,
) -> BondRequest:
    """A new request for `reference` (the caller's transaction); BondRequestRefused while one is live."""
    try:
        with transaction.atomic():
            request = BondRequest.objects.create(
                source=source,
                kind=kind,
                reference=reference,
                amount=amount,
                currency=currency,
                due_on=due_on,
                payer_note=payer_note,
            )
    except IntegrityError:
        raise BondRequestRefused from None
    record(request, AuditAction.CREATED, actor, state=BondRequestState.REQUESTED, kind=str(kind))
    tell_consumers(request.uuid, BondRequestState.REQUESTED)
    return request


def move(request_uuid: uuid.UUID, allowed: Iterable[str], actor: str, *, held_by: str = "", **changes: object) -> bool:
    """Move one request from an `allowed` state (a conditional update; `held_by`: only if that consumer holds it)."""
    found = BondRequest.objects.filter(uuid=request_uuid, state__in=list(allowed))
    if held_by:
        found = found.filter(consumer=held_by)
    moved = found.update(**changes)
    if moved:
        audit.record(
            actor=actor,
            action=AuditAction.CHANGED,
            object_type=OBJECT_TYPE,
            object_ids=[request_uuid],
            detail={"state": str(changes["state"])},
        )
    return bool(moved)


def do_pick_up(request_uuid: uuid.UUID, *, consumer: str) -> bool:
    """A consumer claims a requested bond; False when it is not waiting any more (another took it, withdrawn)."""
    return move(
        request_uuid,
        [BondRequestState.REQUESTED],
        audit.WORKER,
        state=BondRequestState.PICKED_UP,
        picked_up_at=timezone.now(),
        consumer=consumer,
    )


def do_mark_paid(request_uuid: uuid.UUID, *, consumer: str) -> bool:
    """The consumer that picked it up paid it: the note for the payer goes. False when it was not theirs to pay."""
    return move(
        request_uuid,
        [BondRequestState.PICKED_UP],
        audit.WORKER,
        held_by=consumer,
        state=BondRequestState.PAID,
        paid_at=timezone.now(),
        payer_note="",
    )


def do_withdraw(request_uuid: uuid.UUID, *, actor: str) -> bool:
    """Call off a request not yet paid: its note goes and the consumers are told. False when it was over already."""
    moved = move(
        request_uuid,
        LIVE_BOND_STATES,
        actor,
        state=BondRequestState.WITHDRAWN,
        withdrawn_at=timezone.now(),
        payer_note="",
    )
    if moved:
        tell_consumers(request_uuid, BondRequestState.WITHDRAWN)
    return moved


def requests_for(source: str, reference: uuid.UUID) -> QuerySet[BondRequest]:
    """A record's requests, oldest first."""
    return BondRequest.objects.filter(source=source, reference=reference).order_by("created_at", "pk")


def waiting() -> QuerySet[BondRequest]:
    """Requests no consumer has picked up yet, oldest first: what a consumer reads when it starts."""
    return BondRequest.objects.filter(state=BondRequestState.REQUESTED).order_by("created_at", "pk")


def do_blank_notes(source: str, references: Iterable[uuid.UUID]) -> int:
    """The payer's notes of these records' requests go (their case closed): how many rows were touched."""
    return BondRequest.objects.filter(source=source, reference__in=list(references)).update(payer_note="")


def do_forget(source: str, references: Iterable[uuid.UUID]) -> int:
    """Purging these records: their requests go, but for paid ones, whose amount and dates stay for the payer's
    books with no note; how many went. Call it after withdrawing the live ones."""
    wanted = list(references)
    do_blank_notes(source, wanted)
    gone, _by_model = (
        BondRequest.objects.filter(source=source, reference__in=wanted).exclude(state=BondRequestState.PAID).delete()
    )
    return gone
