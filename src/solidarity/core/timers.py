"""Durable one-off timers: "at this time, run this part's handler for this thing", fired by the worker.

A part sets a timer in its own transaction and registers the handler of its kind from its
AppConfig.ready (core cannot import the parts above it):

    TIMER_HANDLERS.register("incidents.escalate", escalate)                        # incidents.apps
    token = set_timer("incidents.escalate", incident.code, now + timedelta(minutes=3), {"step": 2})
    cancel_timer("incidents.escalate", incident.code)                                # someone answered

A handler gets the `FiredTimer` (kind, key, token, data, due time, attempt) and runs in the
worker's transaction: what it writes commits with the timer's fired mark, or not at all. It must
be idempotent: a worker that dies after the handler's outside effects (none, if it only writes
rows and queues messages on commit) fires the timer again. A handler that keeps a timer's token
on its own row can compare: a fire whose token is no longer the one kept is stale.

How the worker's `timers` thread fires them (`run_forever`):

1. Claim: the due pending timers, earliest first, up to CLAIM_LIMIT, get a lease (the claim's
   token, until `next_attempt_at`) and an attempt counted, in one short transaction (FOR UPDATE
   SKIP LOCKED on PostgreSQL; SQLite's IMMEDIATE transactions serialise claimers). A timer whose
   lease ran out was held by a worker that died: it is claimed alone, so that a timer that kills
   its worker counts its own deaths and fails after MAX_ATTEMPTS, and no other timer with it.
2. Fire the claim in one transaction: lock the rows this claim still holds (a timer set again
   or cancelled since is no longer held: its fire is stale and does nothing), run each handler,
   mark those that returned fired, commit. A live worker's fire holds its rows locked, so no
   other worker takes them even once the lease ran out. A claim that takes more than
   BATCH_SECONDS gives the rest back, due at once: on SQLite a transaction holds the write lock.
3. When a handler raises, the claim is rolled back and fired again with a savepoint around each
   handler (`fire`): the failing one is rolled back alone and tried again after a backoff (5, 10,
   20, 40 s); after MAX_ATTEMPTS the timer is kept `failed` for a person to see. A kind that no
   handler is registered for fails the same way, logged at ERROR. Logs name the kind, the key,
   the attempt and the error's class and place, never its message (it may quote personal data).
4. Sleep until the next timer is due, at most IDLE_SECONDS: a sooner timer set by another
   process is seen within that.

Fired timers stay FIRED_KEEP (a day), to be looked at ("did it fire, when, after how many
tries?"); failed ones FAILED_KEEP unless set again or cancelled. The hourly `sweep-timers` job
(core.schedule) deletes them. They hold a kind, a key (an id or a code), ids and times, never
personal data, so they are not the retention registry's (its purges are audited and rewrite the
table; the timer table is the worker's busiest).
"""

import json
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import takewhile
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import close_old_connections, connection, connections, router, transaction
from django.db.models import F, Field, Min
from django.utils import timezone

from solidarity.core.hooks import NotRegistered, Registry
from solidarity.core.models import Timer, TimerState

log = logging.getLogger("solidarity.timers")

CLAIM_LIMIT = 100
BATCH_SECONDS = 0.5  # a claim's handlers run in one transaction: on SQLite it holds the write lock this long
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 5.0  # doubled at each failure: 5, 10, 20, 40 s
IDLE_SECONDS = 0.5  # the longest the worker sleeps: a new sooner timer is seen within this
BUSY_SECONDS = 0.05  # due timers are all held by other workers: look again after this
ERROR_SECONDS = 2.0  # the database is away: try again after this
FIRED_KEEP = timedelta(days=1)
FAILED_KEEP = timedelta(days=30)
MAX_DATA_BYTES = 1000
KEY_LENGTH = 120  # Timer.key's max_length
LIVE = (TimerState.PENDING, TimerState.FAILED)  # the one timer of a (kind, key) that set and cancel act on


@dataclass(frozen=True)
class FiredTimer:
    """What a handler is given: ids and times, never the row itself."""

    kind: str
    key: str
    token: UUID
    data: dict[str, Any]
    due_at: datetime
    attempt: int  # 1 the first time


TimerHandler = Callable[[FiredTimer], None]

# One handler per kind, registered by the part that sets timers of that kind ("incidents.escalate").
TIMER_HANDLERS = Registry[str, TimerHandler]("core.timer-handlers")


def lease() -> timedelta:
    """How long a claim holds its timers. It only matters when a worker dies: a live worker's fire
    holds its rows locked, so no other worker can take them even after the lease ran out."""
    return timedelta(seconds=float(getattr(settings, "TIMER_LEASE_SECONDS", 10)))


def set_timer(kind: str, key: str, due_at: datetime, data: dict[str, Any] | None = None) -> UUID:
    """Set the one timer of (kind, key) to fire at `due_at`, replacing any set before; returns its new token.

    Runs in the caller's transaction: rolled back with it, seen by the worker once it commits.
    A due time in the past fires at once. Replacing gives a new token and a fresh count of
    attempts (a failed timer is set again too); a fire of the old one under way does nothing
    (PostgreSQL: this waits for that fire's transaction, then sets a new timer if it fired).
    `data`: ids only, no personal data, at most MAX_DATA_BYTES of JSON. Raises NotRegistered
    when no handler is registered for `kind`, so a misspelt kind fails here and not at fire time.
    """
    TIMER_HANDLERS[kind]
    if timezone.is_naive(due_at):
        raise ValueError("a timer's due time must be an aware datetime")
    if not 1 <= len(key) <= KEY_LENGTH:
        raise ValueError(f"a timer's key must be 1 to {KEY_LENGTH} characters")
    data = data or {}
    if len(json.dumps(data)) > MAX_DATA_BYTES:
        raise ValueError(f"a timer's data must be at most {MAX_DATA_BYTES} bytes of JSON: ids, not contents")
    token = uuid4()
    row = Timer(
        kind=kind, key=key, token=token, due_at=due_at, next_attempt_at=due_at, data=data, set_at=timezone.now()
    )
    db = connections[router.db_for_write(Timer)]
    values = [field.get_db_prep_save(field.pre_save(row, True), db) for field in columns()]
    with transaction.mark_for_rollback_on_error(db.alias), db.cursor() as cursor:
        cursor.execute(upsert_sql(db.alias), values)
    return token


def columns() -> list[Field[Any, Any]]:
    return [field for field in Timer._meta.concrete_fields if not field.primary_key]


@cache
def upsert_sql(alias: str) -> str:
    """One statement for "insert, or replace the live one": no read-then-write, no race between two setters.

    The conflict target repeats the partial unique index (core_timer_one_live): a fired timer is
    not in it, so a timer set after its fire is a new row. Written out because Django's upsert
    (bulk_create's update_conflicts) cannot name a partial index, and set_timer is on the hot
    path of every handler that sets its next step (an escalation): one statement, not three.
    """
    quote = connections[alias].ops.quote_name
    names = [field.column or field.attname for field in columns()]
    replaced = [quote(name) for name in names if name not in {"kind", "key", "fired_at"}]
    updates = ", ".join(f"{name} = excluded.{name}" for name in replaced)
    live = ", ".join(f"'{state}'" for state in LIVE)
    return (
        f"INSERT INTO {quote(Timer._meta.db_table)} ({', '.join(quote(name) for name in names)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(names))})"
        f" ON CONFLICT ({quote('kind')}, {quote('key')}) WHERE {quote('state')} IN ({live}) DO UPDATE SET {updates}"
    )


def cancel_timer(kind: str, key: str) -> bool:
    """Cancel the timer of (kind, key), waiting or failed; False when there was none (or it has fired)."""
    deleted, _ = Timer.objects.filter(kind=kind, key=key, state__in=LIVE).delete()
    return deleted > 0


def find_timer(kind: str, key: str) -> Timer | None:
    """The timer of (kind, key) that waits or failed, to look at; None when there is none."""
    return Timer.objects.filter(kind=kind, key=key, state__in=LIVE).first()


# The worker's side.

CLAIM_NEEDS = ("kind", "key", "token", "data", "due_at", "attempts", "lease_token")


def claim(now: datetime, limit: int = CLAIM_LIMIT) -> tuple[UUID, list[Timer]]:
    """Take the due timers (step 1): returns the claim's token and the timers it holds, in firing order."""
    lease_token = uuid4()
    with transaction.atomic():
        while True:
            due = list(
                Timer.objects.select_for_update(skip_locked=True)
                .filter(state=TimerState.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk")
                .only(*CLAIM_NEEDS)[:limit]
            )
            if not due:
                return lease_token, []
            first = due[0]
            if first.lease_token is None:
                taken = list(takewhile(lambda timer: timer.lease_token is None, due))
                break
            # Its worker died holding it: it goes alone, or, when it has killed MAX_ATTEMPTS workers, no more.
            if first.attempts < MAX_ATTEMPTS:
                taken = [first]
                break
            give_up(first, first.lease_token, "LeaseExpired", now)
        Timer.objects.filter(pk__in=[timer.pk for timer in taken], state=TimerState.PENDING).update(
            lease_token=lease_token, next_attempt_at=now + lease(), attempts=F("attempts") + 1
        )
    for timer in taken:
        timer.attempts += 1
    return lease_token, taken


class HandlerRaised(Exception):
    """A handler raised in a claim fired without savepoints: the claim is rolled back and fired with them."""


def fire(lease_token: UUID, timers: list[Timer]) -> int:
    """Run the claimed timers' handlers in one transaction (steps 2 and 3); returns how many were tried.

    First without a savepoint per handler (two statements each, the cost of a handler that does
    nothing, on PostgreSQL a round trip each); when one raises, the whole claim is rolled back
    and fired again with them, so the failure is the failing timer's alone. Handlers are
    idempotent, and what the first run of the others wrote was rolled back.
    """
    try:
        return fire_claim(lease_token, timers, careful=False)
    except HandlerRaised:
        return fire_claim(lease_token, timers, careful=True)


def fire_claim(lease_token: UUID, timers: list[Timer], *, careful: bool) -> int:
    fired: list[int] = []
    failed: list[tuple[Timer, BaseException]] = []
    started = time.monotonic()
    with transaction.atomic():
        held = set(
            Timer.objects.select_for_update()
            .filter(pk__in=[timer.pk for timer in timers], lease_token=lease_token, state=TimerState.PENDING)
            .values_list("pk", flat=True)
        )
        waiting = [timer for timer in timers if timer.pk in held]
        for position, timer in enumerate(waiting):
            if position and time.monotonic() - started > BATCH_SECONDS:  # the first always goes: progress
                give_back(waiting[position:], lease_token)
                break
            handler = TIMER_HANDLERS.get(timer.kind)
            if handler is None:
                failed.append((timer, NotRegistered(timer.kind)))
                continue
            fired_timer = FiredTimer(timer.kind, timer.key, timer.token, timer.data, timer.due_at, timer.attempts)
            try:
                if careful:
                    with transaction.atomic():
                        handler(fired_timer)
                else:
                    handler(fired_timer)
            except Exception as error:  # any failure of a handler is the timer's, not the worker's
                if not careful:
                    raise HandlerRaised from error
                failed.append((timer, error))
            else:
                fired.append(timer.pk)
        now = timezone.now()
        # A handler that set its own timer again took it out of the claim: that new timer waits.
        Timer.objects.filter(pk__in=fired, lease_token=lease_token).update(
            state=TimerState.FIRED, fired_at=now, lease_token=None, last_error=""
        )
        for timer, problem in failed:
            failed_once(timer, lease_token, problem, now)
    return len(fired) + len(failed)


def give_back(timers: list[Timer], lease_token: UUID) -> None:
    """Timers a claim did not get to: due again at once, the attempt not counted."""
    Timer.objects.filter(pk__in=[timer.pk for timer in timers], lease_token=lease_token).update(
        lease_token=None, next_attempt_at=timezone.now(), attempts=F("attempts") - 1
    )


def failed_once(timer: Timer, lease_token: UUID, error: BaseException, now: datetime) -> None:
    name = type(error).__name__
    if timer.attempts >= MAX_ATTEMPTS:
        give_up(timer, lease_token, name, now, where(error))
        return
    backoff = timedelta(seconds=BACKOFF_SECONDS * 2 ** (timer.attempts - 1))
    Timer.objects.filter(pk=timer.pk, lease_token=lease_token).update(
        lease_token=None, next_attempt_at=now + backoff, last_error=name
    )
    level = logging.ERROR if isinstance(error, NotRegistered) else logging.WARNING
    log.log(
        level,
        "timer %s:%s failed (attempt %d, %s%s); trying again in %.0f s",
        timer.kind,
        timer.key,
        timer.attempts,
        name,
        where(error),
        backoff.total_seconds(),
    )


def give_up(timer: Timer, lease_token: UUID | None, name: str, now: datetime, place: str = "") -> None:
    Timer.objects.filter(pk=timer.pk, lease_token=lease_token, state=TimerState.PENDING).update(
        state=TimerState.FAILED, failed_at=now, lease_token=None, last_error=name
    )
    log.error(
        "timer %s:%s failed after %d attempts (%s%s); kept as failed",
        timer.kind,
        timer.key,
        timer.attempts,
        name,
        place,
    )


def where(error: BaseException) -> str:
    """Where an error was raised (" at file:line in function"), without its message."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"


def run_once(now: datetime | None = None) -> int:
    """One claim and its fire; returns how many timers were tried (0: none was due, or all were held)."""
    now = now or timezone.now()
    lease_token, timers = claim(now)
    return fire(lease_token, timers) if timers else 0


def fire_due() -> int:
    """Fire every timer due now, in this thread (tests, commands); returns how many were tried."""
    tried = 0
    while count := run_once():
        tried += count
    return tried


def seconds_to_next(now: datetime) -> float:
    """How long the worker may sleep: until the next pending timer is due, at most IDLE_SECONDS."""
    soonest: datetime | None = Timer.objects.filter(state=TimerState.PENDING).aggregate(soonest=Min("next_attempt_at"))[
        "soonest"
    ]
    if soonest is None:
        return IDLE_SECONDS
    return min(max((soonest - now).total_seconds(), BUSY_SECONDS), IDLE_SECONDS)


def run_forever(stop: threading.Event) -> None:
    """The worker's `timers` thread: fire what is due, sleep until the next, until `stop` is set."""
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                if run_once():
                    continue
                pause = seconds_to_next(timezone.now())
            except Exception as error:  # a database blip must not end the loop
                log.warning("timers: a round failed (%s%s); trying again", type(error).__name__, where(error))
                pause = ERROR_SECONDS
            stop.wait(pause)
    finally:
        connection.close()  # the database connection Django opened for this thread


def sweep(now: datetime | None = None) -> int:
    """Delete fired timers older than FIRED_KEEP and failed ones older than FAILED_KEEP; returns how many."""
    now = now or timezone.now()
    fired, _ = Timer.objects.filter(state=TimerState.FIRED, fired_at__lt=now - FIRED_KEEP).delete()
    failed, _ = Timer.objects.filter(state=TimerState.FAILED, failed_at__lt=now - FAILED_KEEP).delete()
    return fired + failed
