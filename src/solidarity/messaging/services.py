"""Messaging owns the outbox: enqueue, cancel, the outcome of each hand-over, and each address's state.

Invariants:
- Enqueueing is a row in the caller's transaction: a rollback sends nothing. The same
  idempotency key enqueued twice is one message.
- A message's state moves by conditional updates only (`filter(state=..., lease_token=...)`),
  one message at a time as it is handed over, so a crash re-sends at most what was in flight.
  Each change of state moves `updated_at`, and a message that names an outcome handler has it
  told once its fate is settled, after the change commits (messaging.outcomes).
- Nothing is sent to an address that opted out or bounced: enqueueing cancels it with the
  reason (a big broadcast's job leaves that to the sender, which looks before each message and
  does the same), and an opt-out cancels what already waits for that address.
"""

import logging
import random
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from itertools import chain
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from solidarity.core.fields import BlindIndexField, EncryptedTextField, find_by_index, normalise_phone
from solidarity.core.keyring import KeyringLocked
from solidarity.core.models import NetworkSettings
from solidarity.core.services import get_network_settings
from solidarity.core.sqlite import at_once
from solidarity.messaging import journal, openpgp, outcomes, progress, reasons
from solidarity.messaging.models import (
    FINAL_STATES,
    Address,
    Channel,
    Inbound,
    Message,
    NetworkKey,
    State,
    normalise_address,
)
from solidarity.messaging.priority import Priority

log = logging.getLogger("solidarity.messaging")

MAX_ATTEMPTS = 8  # transient failures before a message fails for good
MAX_STALLS = 3  # leases that ran out (a worker died mid-send) before a message is dead-lettered
FIRST_RETRY = timedelta(seconds=20)
LAST_RETRY = timedelta(hours=1)
CHUNK = 500  # values per IN (...): well under the databases' limits on parameters


def normalise(channel: str, address: str) -> str:
    return normalise_phone(address) if channel == Channel.SMS else normalise_address(address)


# Addresses.


def find_address(channel: str, address: str) -> Address | None:
    value = normalise(channel, address)
    return addresses_for(channel, [value]).get(value)


def addresses_for(channel: str, normalised: list[str]) -> dict[str, Address]:
    """The rows of many addresses at once (one query): {normalised address: row} for those that have one."""
    field = Address._meta.get_field("address_index")
    assert isinstance(field, BlindIndexField)  # noqa: S101  (a declaration error, caught in tests)
    wanted = set(normalised)
    candidates = sorted({index for value in wanted for index in field.candidates(value)})
    found: dict[str, Address] = {}
    for start in range(0, len(candidates), CHUNK):
        rows = Address.objects.filter(channel=channel, address_index__in=candidates[start : start + CHUNK])
        for row in rows.order_by("pk"):
            if row.address in wanted:
                found.setdefault(row.address, row)
    return found


def address_state(channel: str, address: str) -> Address:
    """The address's row, created on first need. Two creators racing make two rows; every reader takes the first."""
    found = find_address(channel, address)
    if found is not None:
        return found
    return new_address(channel, address)


def new_address(channel: str, address: str, *, language: str = "") -> Address:
    """A row for an address the caller looked up and found none for (see `address_state`)."""
    return Address.objects.create(channel=channel, address=normalise(channel, address), language=language)


def blocked_for(message: Message, state: Address | None) -> str:
    """Why this message may not go to its address now ("" when it may).

    An answer carrier rules require (the opt-out's confirmation, a HELP answer: keywords.Reply.required)
    passes an opt-out; its content says so (the key's name is older than HELP's use of it).
    """
    blocked = is_blocked(state)
    return "" if blocked == "opted_out" and message.content.get("confirms_opt_out") else blocked


def is_blocked(state: Address | None) -> str:
    """Why nothing may be sent to this address ("" when it may)."""
    if state is None:
        return ""
    if state.opted_out_at is not None:
        return "opted_out"
    if state.failure_reason and reasons.marks_address(state.failure_reason):
        return state.failure_reason
    return ""


# `state=`: the address's row when the caller holds it already (an inbound text's sender, looked up once
# per text); without it the row is looked up (and made when needed). The row held is kept up to date.


def do_opt_out(channel: str, address: str, *, state: Address | None = None) -> int:
    """The address asked for nothing more (STOP, a carrier's opt-out, one-click unsubscribe from everything).

    Cancels what still waits for it; returns how many messages were cancelled.
    """
    with transaction.atomic():
        state = state or address_state(channel, address)
        if state.opted_out_at is None:
            state.opted_out_at = timezone.now()
            Address.objects.filter(pk=state.pk).update(opted_out_at=state.opted_out_at)
        return cancel_waiting_for(channel, normalise(channel, address), "opted_out")


def do_opt_in(channel: str, address: str, *, state: Address | None = None) -> bool:
    """The address came back (START/INICIAR). Returns whether it had opted out."""
    state = state or find_address(channel, address)
    if state is None or state.opted_out_at is None:
        return False
    state.opted_out_at = None
    return Address.objects.filter(pk=state.pk, opted_out_at__isnull=False).update(opted_out_at=None) == 1


def do_set_language(channel: str, address: str, language: str, *, state: Address | None = None) -> Address:
    """Keep the language the address writes in (its texts' keywords say it); returns its row."""
    state = state or address_state(channel, address)
    if state.language != language:
        state.language = language
        Address.objects.filter(pk=state.pk).update(language=language)
    return state


def do_mark_address_failure(channel: str, address: str, reason: str) -> None:
    """Keep a failure with the address, so the people part can show it and nobody keeps messaging it."""
    state = address_state(channel, address)
    Address.objects.filter(pk=state.pk).update(
        failure_reason=reason, failures=F("failures") + 1, last_failure_at=timezone.now()
    )
    if reasons.marks_address(reason):
        cancel_waiting_for(channel, normalise(channel, address), reason)


def do_address_failed(channel: str, address: str, reason: str) -> None:
    """A failure that belongs to the address: an opt-out (the carrier's STOP), or a failure kept with it."""
    if reason == "opted_out":
        do_opt_out(channel, address)
    elif reasons.marks_address(reason):
        do_mark_address_failure(channel, address, reason)


def cancel_waiting_for(channel: str, normalised: str, reason: str) -> int:
    waiting = find_by_index(Message.objects.filter(channel=channel, state=State.QUEUED), "to_index", normalised)
    cancelled = [message for message in waiting if not message.content.get("confirms_opt_out")]
    outcomes.tell_soon(message.pk for message in cancelled if message.outcome_handler)
    return Message.objects.filter(pk__in=[message.pk for message in cancelled], state=State.QUEUED).update(
        state=State.CANCELLED, reason=reason, updated_at=timezone.now()
    )


def published_network_key() -> NetworkKey | None:
    """The network's key for its public page and Web Key Directory; None while a sealed network's keys are locked
    and no key was made yet (making one needs them)."""
    try:
        return network_key()
    except KeyringLocked:
        return None


def network_key() -> NetworkKey:
    """The network's OpenPGP key, made on first need (Cv25519, readable by gpg 2.2; see messaging.openpgp).

    Made once, whoever asks first: two mail processes meeting an empty table at once would each make
    one and sign with their own, and only the first is the one published. The settings row is the lock
    (once per network, the few milliseconds of making a key), and each asks again under it. The oldest
    key is the network's, so a second one made before this lock changes nothing.
    """
    found = NetworkKey.objects.order_by("pk").first()
    if found is not None:
        return found
    name = get_network_settings().name
    with transaction.atomic():
        NetworkSettings.objects.select_for_update().filter(pk=1).first()
        found = NetworkKey.objects.order_by("pk").first()
        if found is not None:
            return found
        made = openpgp.generate_network_key(name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
        return NetworkKey.objects.create(
            fingerprint=made.fingerprint, secret=made.secret_armored, public=made.public_armored
        )


# Enqueueing.


@dataclass(frozen=True)
class Outgoing:
    """One message to enqueue (see `enqueue_many`).

    `priority` is its lane (`Priority.ALERT` passes everything queued). `on_outcome` names a handler
    in messaging.outcomes.OUTCOME_HANDLERS, told once what became of the message, with `reference`
    (ids only: "<alert uuid>:<responder uuid>"). Both are checked here: an unknown handler or a
    reference that is more than ids raises ValueError at once.
    """

    channel: str
    to: str
    content: dict[str, Any]
    idempotency_key: str
    language: str = ""
    priority: Priority = Priority.DIRECT
    batch: str = ""
    on_outcome: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "priority", Priority(self.priority))  # a bare number that is no lane raises
        outcomes.check(self.on_outcome, self.reference)


def enqueue_many(
    outgoing: list[Outgoing],
    *,
    send_after: datetime | None = None,
    even_if_opted_out: bool = False,
    known: Mapping[str, Address | None] | None = None,
) -> int:
    """Queue messages in the caller's transaction; returns how many were new (a known key is skipped).

    Addresses that opted out or failed for good are queued as cancelled with the reason, so a
    broadcast's report counts them (and an outcome handler hears it). `even_if_opted_out` is for
    the answers carrier rules require (an opt-out's confirmation, HELP's answer): they reach a
    number that opted out, and an opt-out made while they wait does not cancel them. `known`:
    address rows the caller already looked up, by normalised address (None: it has none); the
    others are looked up, all in one query.
    """
    prepared = prepare_many(outgoing, send_after=send_after, even_if_opted_out=even_if_opted_out, known=known)
    return prepared.insert()


@dataclass
class Prepared:
    """Messages made ready to queue (`prepare_many`): their attributes and the values the database gets, encrypted."""

    rows: list[dict[str, Any]]  # a Message's attributes by name, as given (see `row_values`)
    values: list[list[Any]]

    def only(self, positions: list[int]) -> "Prepared":
        """Those at `positions` (in `prepare_many`'s order): the ones still wanted when the transaction opens."""
        return Prepared(
            [self.rows[position] for position in positions], [self.values[position] for position in positions]
        )

    def insert(self) -> int:
        """Queue them in the caller's transaction, as `enqueue_many` does; how many were new."""
        rows = self.rows
        existing = set(
            Message.objects.filter(idempotency_key__in=[row["idempotency_key"] for row in rows]).values_list(
                "idempotency_key", flat=True
            )
        )
        new = [position for position, row in enumerate(rows) if row["idempotency_key"] not in existing]
        insert_values([self.values[position] for position in new])
        told = [
            rows[position]["idempotency_key"]
            for position in new
            if rows[position]["state"] == State.CANCELLED and rows[position]["outcome_handler"]
        ]
        if told:
            outcomes.tell_soon(Message.objects.filter(idempotency_key__in=told).values_list("pk", flat=True))
        return len(new)


def prepare_many(
    outgoing: list[Outgoing],
    *,
    send_after: datetime | None = None,
    even_if_opted_out: bool = False,
    known: Mapping[str, Address | None] | None = None,
    check_addresses: bool = True,
) -> Prepared:
    """`enqueue_many`'s work before the insert: the addresses read, each message built and encrypted.

    A big broadcast's job prepares each chunk before its transaction and inserts it inside
    (`Prepared.insert`): on SQLite the transaction holds the one write lock, and every other
    writer (a sender marking what it sent, an alert coming in) waits only for the inserts.
    An address that opts out meanwhile is caught anyway: the sender looks again before sending.
    With `check_addresses` False (that job's), the addresses are not read here at all: the
    sender's look is the only one, and an address that opted out or failed for good has its
    message cancelled, with the same reason, when its turn comes, not as it is queued. The
    look costs about a tenth of a big encrypted broadcast's CPU (each candidate row decrypted).
    """
    now = timezone.now()
    known = known or {}
    addressed = [(item, normalise(item.channel, item.to)) for item in outgoing]
    states = {
        channel: addresses_for(channel, [to for item, to in addressed if item.channel == channel and to not in known])
        if check_addresses
        else {}
        for channel in {item.channel for item in outgoing}
    }
    rows = []
    for item, to in addressed:
        blocked = is_blocked(known[to] if to in known else states[item.channel].get(to))
        content = item.content
        if even_if_opted_out:  # passes the opt-out, now or made while it waits
            content = {**content, "confirms_opt_out": True}
            blocked = "" if blocked == "opted_out" else blocked
        rows.append(
            {
                "channel": item.channel,
                "to": to,
                "language": item.language,
                "content": content,
                "idempotency_key": item.idempotency_key,
                "batch": item.batch,
                "priority": item.priority,
                "state": State.CANCELLED if blocked else State.QUEUED,
                "reason": blocked,
                "next_attempt_at": send_after or now,
                "outcome_handler": item.on_outcome,
                "outcome_reference": item.reference,
            }
        )
    return Prepared(rows, row_values(rows))


class Unsaved:
    """A new message's attributes where its fields' `pre_save` reads them (`__dict__`), without a model instance."""


def row_values(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Each new row's values as the database gets them, in INSERT_FIELDS' order: as the ORM passes a new
    Message's (defaults, timestamps, encryption, blind indexes), without building one.

    `rows` name the same attributes each (a Message's, by name); the others take their defaults. A
    broadcast queues thousands of rows at once, and most of its enqueue went to making model
    instances (27 fields' defaults and descriptors) and then asking every field of every row for
    its value. Here what no row gives (a default, the timestamps, one for the call) is prepared
    once a call; a value many rows share (channel, batch, lane, state, the empty fields) once a
    distinct value (`repeats`); each row's own (its uuid, its encrypted address and content, the
    address's blind index, its key) once a row, through the field.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(Message)]
    now = timezone.now()
    given = set(rows[0])
    common: list[Any] = []  # the values no row gives, prepared once
    own: list[tuple[int, Any, bool]] = []  # (position, field, whether it is read through pre_save)
    made: list[Any] = []  # fields whose default is made anew for each row (the uuid)
    for position, field in enumerate(insert_fields()):
        through_field = isinstance(field, (EncryptedTextField, BlindIndexField))
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            common.append(field.get_db_prep_save(now, connection))
        elif field.attname in given or through_field:
            common.append(None)
            own.append((position, field, through_field))
        elif field.has_default() and callable(field.default):
            common.append(None)
            made.append(field)
            own.append((position, field, False))
        else:
            common.append(field.get_db_prep_save(field.get_default(), connection))
    shared = {position: repeats(field) for position, field, _ in own}
    prepared: dict[tuple[int, type, Any], Any] = {}
    values = []
    for row in rows:
        unsaved = Unsaved()
        attributes = unsaved.__dict__
        attributes.update(row)
        for field in made:
            attributes[field.attname] = field.get_default()
        value = common.copy()
        for position, field, through_field in own:
            raw = field.pre_save(unsaved, True) if through_field else attributes[field.attname]
            if not shared[position]:
                value[position] = field.get_db_prep_save(raw, connection)
                continue
            key = (position, type(raw), raw)
            if key not in prepared:
                prepared[key] = field.get_db_prep_save(raw, connection)
            value[position] = prepared[key]
        values.append(value)
    return values


def repeats(field: Any) -> bool:
    """Whether a field's value may be the same on many new rows, and is prepared for the database as it is:
    not unique, not encrypted (nor a blind index), not a timestamp set at the save, and of a plain type."""
    if field.unique or isinstance(field, (EncryptedTextField, BlindIndexField)):
        return False
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    return isinstance(field, (models.CharField, models.IntegerField, models.DateTimeField, models.UUIDField))


INSERT_ROWS = 1_000  # rows a statement at most (fewer where the database takes fewer values: SQLite's 32,766)
# On PostgreSQL, new messages are announced on this LISTEN/NOTIFY channel when their transaction commits, and
# the idle sending loops listen (messaging.pump.wait_for_due): what the web process queues leaves at once.
QUEUED_NOTICE = "solidarity_outbox_queued"


def insert_fields() -> list[Any]:
    return [field for field in Message._meta.concrete_fields if not field.primary_key]


def insert_values(values: list[list[Any]]) -> None:
    """`Message.objects.bulk_create(rows, ignore_conflicts=True)`, written out: a key queued meanwhile is skipped.

    A broadcast inserts thousands of rows at once, and bulk_create spent two thirds of the
    enqueue compiling them value by value into statements (bench/broadcast.py). The database
    gets a statement of up to INSERT_ROWS rows at a time (values from `row_values`), as many as
    its limit on values allows (a broadcast's chunk in one): not one run per row, each of whose
    steps let go of Python's lock, which a busy thread of the same process (the worker's senders)
    can keep for 5 ms while SQLite's write lock is held, and every other process's writers wait.
    ON CONFLICT DO NOTHING skips only a duplicate key (SQLite's INSERT OR IGNORE would also hide
    a NOT NULL).
    """
    if not values:
        return
    connection = connections[router.db_for_write(Message)]
    fields = insert_fields()
    columns = ", ".join(connection.ops.quote_name(field.column or field.attname) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    most = min(INSERT_ROWS, (connection.features.max_query_params or INSERT_ROWS * len(fields)) // len(fields))
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        for start in range(0, len(values), most):
            some = values[start : start + most]
            sql = (
                f"INSERT INTO {connection.ops.quote_name(Message._meta.db_table)} ({columns})"  # noqa: S608 (our names)
                f" VALUES {', '.join([row] * len(some))} ON CONFLICT DO NOTHING"
            )
            cursor.execute(sql, list(chain.from_iterable(some)))
        if connection.vendor == "postgresql":  # heard when the caller's transaction commits, once however many
            cursor.execute("SELECT pg_notify(%s, '')", [QUEUED_NOTICE])


def enqueue(
    item: Outgoing,
    *,
    send_after: datetime | None = None,
    even_if_opted_out: bool = False,
    known: Mapping[str, Address | None] | None = None,
) -> Message:
    """Queue one message (see `enqueue_many`) and return its row, new or already known."""
    enqueue_many([item], send_after=send_after, even_if_opted_out=even_if_opted_out, known=known)
    return Message.objects.get(idempotency_key=item.idempotency_key)


def do_forget_texts(inbound_ids: list[str], key_parts: list[str]) -> tuple[int, int]:
    """Delete texts received (by their ids) with every reply to them, and messages sent whose idempotency
    key holds one of `key_parts` (such as ":<uuid>"): for a part that must forget something whole
    (incidents.purge). In the caller's transaction. Returns (received, sent) deleted.
    """
    received = Inbound.objects.filter(uuid__in=inbound_ids).delete()[0] if inbound_ids else 0
    keys = Q()
    for inbound_id in inbound_ids:
        keys |= Q(idempotency_key__startswith=f"messaging.reply:{inbound_id}")
        keys |= Q(idempotency_key__startswith=f"messaging.inbox-reply:{inbound_id}:")
    for part in key_parts:
        keys |= Q(idempotency_key__contains=part)
    sent = Message.objects.filter(keys).delete()[0] if (inbound_ids or key_parts) else 0
    return received, sent


def cancel(idempotency_key: str) -> bool:
    """Cancel a message that is still queued (an alert for a role already filled). False if it has left."""
    waiting = Message.objects.filter(idempotency_key=idempotency_key, state=State.QUEUED)
    outcomes.tell_soon(waiting.exclude(outcome_handler="").values_list("pk", flat=True))
    return waiting.update(state=State.CANCELLED, reason="cancelled", updated_at=timezone.now()) == 1


def cancel_batch(batch: str) -> int:
    waiting = Message.objects.filter(batch=batch, state=State.QUEUED)
    outcomes.tell_soon(waiting.exclude(outcome_handler="").values_list("pk", flat=True))
    cancelled = waiting.update(state=State.CANCELLED, reason="cancelled", updated_at=timezone.now())
    if cancelled:
        progress.notify_batch(batch)
    return cancelled


# Outcomes: each a conditional update on the lease, committed on its own.


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: many messages that failed together do not retry together."""
    ceiling = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)
    return timedelta(seconds=random.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))  # noqa: S311


def leased(message: Message, token: UUID) -> "QuerySet[Message]":
    return Message.objects.filter(pk=message.pk, state=State.SENDING, lease_token=token)


def mark_sent(message: Message, token: UUID, *, backend: str, provider_id: str) -> bool:
    """`leased(message, token).update(state=SENT, ...)`: see `mark_all_sent`."""
    return mark_all_sent([(message.pk, provider_id, message.outcome_handler)], token, backend=backend) == 1


def mark_all_sent(sent: list[tuple[int, str, str]], token: UUID, *, backend: str, wait: bool = True) -> int:
    """Messages of one claim the server took, by (id, provider id, outcome handler): marked sent in one statement.

    The conditional update of `leased`, written out: it runs for every message sent, and
    building it with the ORM took three times as long as SQLite took to run and commit it
    (bench/broadcast.py). One statement for the group, not one per message: each step of a
    statement lets go of Python's lock, and in a process where another thread is busy (the
    worker queueing a broadcast) taking it back can take 5 ms, with SQLite's write lock held.
    Values go through the fields, as the ORM would pass them. How many were still this
    claim's, and are now marked. `wait=False`: on SQLite, raise `Busy` rather than wait while
    another writer holds the lock (the sender tries again after its next message).
    """
    if not sent:
        return 0
    connection = connections[router.db_for_write(Message)]
    table = connection.ops.quote_name(Message._meta.db_table)
    cases = " ".join(["WHEN %s THEN %s"] * len(sent))
    ids = ", ".join(["%s"] * len(sent))
    sql = (
        f"UPDATE {table}"  # noqa: S608  (the quoted table name; every value is a parameter)
        f" SET state = %s, backend = %s, provider_id = CASE id {cases} END, sent_at = %s, updated_at = %s,"
        f" lease_token = NULL, reason = '' WHERE id IN ({ids}) AND state = %s AND lease_token = %s"
    )
    now = Message._meta.get_field("sent_at").get_db_prep_save(timezone.now(), connection)
    leased_to = Message._meta.get_field("lease_token").get_db_prep_value(token, connection)
    params = [State.SENT, backend, *chain.from_iterable((pk, provider_id) for pk, provider_id, _ in sent), now, now]
    params += [*(pk for pk, _, _ in sent), State.SENDING, leased_to]
    # On SQLite in a transaction of its own: Solidarity's engine waits for the lock at BEGIN (core.sqlite).
    alone = transaction.atomic(using=connection.alias) if connection.vendor == "sqlite" else nullcontext()
    with (
        nullcontext() if wait else at_once(connection),
        alone,
        transaction.mark_for_rollback_on_error(connection.alias),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        done = int(cursor.rowcount)
        if done:  # an email's fate is settled once sent; a text's waits for its receipt
            outcomes.tell_soon(pk for pk, _, handler in sent if handler)
    return done


def mark_retry(message: Message, token: UUID, reason: str, *, count_attempt: bool = True) -> bool:
    """A transient failure: try again later, or fail for good after MAX_ATTEMPTS."""
    attempts = message.attempts if count_attempt else max(message.attempts - 1, 0)
    if attempts >= MAX_ATTEMPTS:
        return mark_failed(message, token, "gave_up")
    return (
        leased(message, token).update(
            state=State.QUEUED,
            attempts=attempts,
            next_attempt_at=timezone.now() + (backoff(attempts) if count_attempt else timedelta(seconds=5)),
            lease_token=None,
            reason=reason,
            updated_at=timezone.now(),
        )
        == 1
    )


def mark_failed(message: Message, token: UUID, reason: str, *, state: str = State.FAILED) -> bool:
    done = leased(message, token).update(state=state, lease_token=None, reason=reason, updated_at=timezone.now()) == 1
    log.info("message %s %s: %s", message.uuid, state, reason)
    if done and message.outcome_handler:
        outcomes.tell_soon([message.pk])
    return done


def mark_held(message: Message, token: UUID, reason: str) -> bool:
    held = leased(message, token).update(state=State.HELD, lease_token=None, reason=reason, updated_at=timezone.now())
    return held == 1


def more_urgent_waiting(channel: str, priority: int) -> bool:
    """Whether a message of a higher priority (an alert) is due on `channel` (the outbox's due index answers)."""
    due = Message.objects.filter(channel=channel, state=State.QUEUED, priority__lt=priority)
    return due.filter(next_attempt_at__lte=timezone.now()).exists()


def release(messages: list[Message], token: UUID, *, after: timedelta = timedelta(seconds=5)) -> int:
    """Give back claimed messages that were not attempted (the server went away, or the batch gives way)."""
    return Message.objects.filter(pk__in=[m.pk for m in messages], state=State.SENDING, lease_token=token).update(
        state=State.QUEUED,
        attempts=F("attempts") - 1,
        lease_token=None,
        next_attempt_at=timezone.now() + after,
    )


def rescue_stalled(now: datetime | None = None) -> int:
    """Messages whose lease ran out (their worker died mid-batch) go back to the queue; how many.

    A worker sends its claim in order, and hands no message over before the last one's outcome is
    committed or, on SQLite, written to the claim's journal (messaging.journal). So of what a dead
    claim left, what its journal lists was taken by the server: it is marked sent. The first of the
    rest was in flight when the worker died: only that one counts a stall, and after MAX_STALLS it
    goes to dead letters (a message that kills its worker must not kill every worker after it).
    The rest were never tried: they go back as they were.
    """
    now = now or timezone.now()
    where = journal.folder(connections[router.db_for_write(Message)])
    stalled = Message.objects.filter(state=State.SENDING, lease_until__lt=now)
    in_order = stalled.order_by("lease_token", "priority", "next_attempt_at", "pk").values_list("lease_token", "pk")
    claims = list(in_order)
    tokens = {token for token, _ in claims if token is not None}
    sent = 0
    if where is not None:
        sent = sum(sent_by_journal(where, token, stalled) for token in tokens)
        if sent:
            claims = list(in_order.all())  # what is left (a queryset keeps what it read first)
        forget_old_journals(where)
    in_flight: dict[UUID | None, int] = {}
    for token, pk in claims:
        in_flight.setdefault(token, pk)
    dead = back = 0
    if in_flight:
        tried = stalled.filter(pk__in=list(in_flight.values()))
        dying = tried.filter(stalls__gte=MAX_STALLS - 1)
        outcomes.tell_soon(dying.exclude(outcome_handler="").values_list("pk", flat=True))
        dead = dying.update(
            state=State.DEAD, stalls=F("stalls") + 1, lease_token=None, reason="stalled", updated_at=now
        )
        back = tried.update(
            state=State.QUEUED, stalls=F("stalls") + 1, lease_token=None, next_attempt_at=now, reason="stalled"
        )
        back += stalled.update(state=State.QUEUED, lease_token=None, next_attempt_at=now, reason="stalled")
    if where is not None:
        for token in tokens:
            journal.forget(where, token)
    if sent or back or dead:
        log.warning(
            "outbox: %d stalled messages re-queued, %d dead-lettered, %d sent by their journal", back, dead, sent
        )
    return sent + back + dead


def sent_by_journal(where: Path, token: UUID, stalled: QuerySet[Message]) -> int:
    """Mark sent what a dead claim's journal says the server took; how many."""
    taken = journal.read(where, token)
    if not taken:
        return 0
    handlers = stalled.filter(lease_token=token, pk__in=list(taken)).values_list("pk", "outcome_handler")
    by_backend: dict[str, list[tuple[int, str, str]]] = {}
    for pk, handler in handlers:
        backend, provider_id = taken[pk]
        by_backend.setdefault(backend, []).append((pk, provider_id, handler))
    return sum(mark_all_sent(sent, token, backend=backend) for backend, sent in by_backend.items())


def forget_old_journals(where: Path) -> None:
    """Journals left by a process that died after its last commit: nothing of theirs is still being sent."""
    for token in journal.old(where, 10 * float(getattr(settings, "OUTBOX_LEASE_SECONDS", 60))):
        if not Message.objects.filter(state=State.SENDING, lease_token=token).exists():
            journal.forget(where, token)


def do_record_delivery(provider_id: str, state: str, *, backend: str = "", reason: str = "") -> int:
    """An SMS provider's receipt: sent -> delivered, or failed with a reason. Final states only move forward."""
    if not provider_id:
        return 0
    # Said in the index's own terms: SQLite uses a partial index only for a query that repeats its condition
    # (without the exclude, each receipt read the whole outbox).
    found = Message.objects.filter(channel=Channel.SMS, provider_id=provider_id).exclude(provider_id="")
    if backend:
        found = found.filter(backend=backend)
    now = timezone.now()
    if state == State.DELIVERED:
        receipted = found.filter(state__in=[State.SENDING, State.SENT])
        rows = list(receipted.values_list("pk", "batch", "outcome_handler"))
        changed = receipted.update(state=State.DELIVERED, delivered_at=now, updated_at=now)
        progress.notify_batches({batch for _pk, batch, _handler in rows})
        outcomes.tell_soon(pk for pk, _batch, handler in rows if handler)
        return changed
    if state in (State.FAILED, State.BOUNCED):
        changed = 0
        for message in found.exclude(state__in=[State.FAILED, State.BOUNCED]):
            changed += Message.objects.filter(pk=message.pk).update(
                state=state, reason=reason or "provider_error", updated_at=now
            )
            do_address_failed(message.channel, message.to, reason)
            progress.notify_batch(message.batch)
            if message.outcome_handler:
                outcomes.tell_soon([message.pk])
        return changed
    return 0


def batch_counts(batch: str) -> dict[str, int]:
    """How many of a batch's messages are in each state ({"queued": 3, "sent": 97}): a broadcast's progress."""
    rows = Message.objects.filter(batch=batch).order_by().values("state").annotate(count=Count("pk"))
    return {row["state"]: row["count"] for row in rows}


def batch_addresses(batch: str) -> set[tuple[str, str]]:
    """(channel, normalised address) of every message of a batch, whatever its state: what a resumed
    enqueue has queued already, so a person on two lists still gets one message. Decrypts each address.
    """
    rows = Message.objects.filter(batch=batch).order_by().only("uuid", "channel", "to")
    return {(row.channel, str(row.to)) for row in rows.iterator(chunk_size=2000)}


def batches_waiting(batches: list[str]) -> set[str]:
    """Of these batches, those with a message not in a final state yet (queued, sending or held): one query."""
    found = Message.objects.filter(batch__in=batches).exclude(state__in=FINAL_STATES)
    return set(found.order_by().values_list("batch", flat=True).distinct())


@dataclass(frozen=True)
class BatchRow:
    """How many of a batch's messages on one channel are in one state, for one reason."""

    channel: str
    state: str
    reason: str  # a slug messaging.reasons explains; "" when none
    count: int


def batch_report(batch: str) -> list[BatchRow]:
    """A batch's messages counted by channel, state and reason, in that order: a broadcast's report.

    The rows are what a part keeps once the outbox forgets the messages (`dataclasses.asdict` each).
    """
    rows = (
        Message.objects.filter(batch=batch)
        .values("channel", "state", "reason")
        .annotate(count=Count("pk"))
        .order_by("channel", "state", "reason")
    )
    return [BatchRow(row["channel"], row["state"], row["reason"], row["count"]) for row in rows]
