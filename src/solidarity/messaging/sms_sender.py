"""SMS through the configured backends: a throttle per backend, spread across phones, failover when one is down.

Backends come in failover order from messaging.sms_settings (the environment's, or those an admin
saved; a sender picks up a change at its next batch). Consecutive backends of one kind form a
tier (every phone of `android`): messages are spread across the tier's healthy members, each
held to its own rate (a phone sends about 29 a minute). When every member of a tier is down,
messages move to the next tier, and the dispatchers are told (a live event on the dashboard).

A backend is down after FAILURES_DOWN transient failures in a row, or when a phone that has
pinged before stops pinging for PING_SILENCE; a success or a ping brings it back. A provider that
never pings (Twilio) or a phone whose pings were lost must still come back: every RETRY_DOWN_AFTER
a down backend is given one trial text, claimed by one sender among all workers (a conditional
update of `trial_at`), tried before the backends in use; if it fails the text goes on to them at
once, and the backend waits another interval; if it is sent, the backend is back.
"""

import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypedDict

from django.db.models import F, Q
from django.utils import timezone

from solidarity.core import live
from solidarity.messaging.models import Address, Channel, Gateway, Message, State
from solidarity.messaging.results import Failed, Result, Retry, Sent, Unreachable
from solidarity.messaging.services import blocked_for
from solidarity.messaging.sms import SmsBackend, SmsError
from solidarity.messaging.sms.errors import reason_for
from solidarity.messaging.sms_settings import configured_backends

log = logging.getLogger("solidarity.messaging")

FAILURES_DOWN = 3
PING_SILENCE = timedelta(minutes=10)
RETRY_DOWN_AFTER = timedelta(minutes=2)  # a down backend is tried again after this, in case it is back
BATCH_SECONDS = 10  # claim about this many seconds of sending, so an alert never waits long behind a batch


def kind(backend: SmsBackend) -> str:
    return backend.name.split(":", 1)[0]


def tiers(backends: Sequence[SmsBackend]) -> list[list[SmsBackend]]:
    grouped: list[list[SmsBackend]] = []
    for backend in backends:
        if grouped and kind(grouped[-1][0]) == kind(backend):
            grouped[-1].append(backend)
        else:
            grouped.append([backend])
    return grouped


def is_down(gateway: Gateway | None) -> bool:
    if gateway is None:
        return False
    if gateway.down_since is not None:
        return True
    return gateway.last_ping_at is not None and timezone.now() - gateway.last_ping_at > PING_SILENCE


def is_due_for_trial(gateway: Gateway | None) -> bool:
    """Down, and its wait since it went down (or since its last trial) is over: one text may try it."""
    if gateway is None or not is_down(gateway):
        return False
    return gateway.trial_at is None or gateway.trial_at <= timezone.now()


def claim_trial(gateway: Gateway) -> bool:
    """Take the one trial of this interval (no other sender, in any worker, gets it); True if this caller has it."""
    due = Gateway.objects.filter(pk=gateway.pk).filter(Q(trial_at__isnull=True) | Q(trial_at__lte=timezone.now()))
    return due.update(trial_at=timezone.now() + RETRY_DOWN_AFTER) == 1


def usable(backends: Sequence[SmsBackend], health: dict[str, Gateway]) -> list[SmsBackend]:
    """The first tier with a healthy member (its healthy members), or the first tier when all are down."""
    grouped = tiers(backends)
    for tier in grouped:
        healthy = [backend for backend in tier if not is_down(health.get(backend.name))]
        if healthy:
            return healthy
    return grouped[0] if grouped else []


def gateway_state() -> dict[str, Gateway]:
    return {gateway.name: gateway for gateway in Gateway.objects.all()}


def do_record_failure(backend: SmsBackend, error: str) -> None:
    gateway, _ = Gateway.objects.get_or_create(name=backend.name)
    Gateway.objects.filter(pk=gateway.pk).update(failures_in_row=F("failures_in_row") + 1, last_error=error[:200])
    gateway.refresh_from_db()
    if gateway.failures_in_row >= FAILURES_DOWN and gateway.down_since is None:
        now = timezone.now()
        going_down = Gateway.objects.filter(pk=gateway.pk, down_since__isnull=True)
        going_down.update(down_since=now, trial_at=now + RETRY_DOWN_AFTER)
        log.warning("SMS backend %s is down: messages move to the next one", backend.name)
        live.publish("dashboard", "sms-backend", {"backend": backend.name, "state": "down"})


def do_record_success(name: str, *, is_alive: bool = False) -> None:
    """It sent a text (or pinged): its failures are forgotten. `is_alive`: a sign of life as good as a ping."""
    if is_alive:  # a phone whose pings were lost but that sends is not silent
        Gateway.objects.filter(name=name, last_ping_at__isnull=False).update(last_ping_at=timezone.now())
    updated = Gateway.objects.filter(name=name).exclude(failures_in_row=0, down_since=None, trial_at=None)
    was_down = updated.filter(down_since__isnull=False).exists()
    updated.update(failures_in_row=0, down_since=None, trial_at=None, last_error="")
    if was_down:
        log.warning("SMS backend %s is back", name)
        live.publish("dashboard", "sms-backend", {"backend": name, "state": "up"})


def do_record_ping(name: str) -> None:
    """A phone's heartbeat (its ping webhook): it is alive and online."""
    Gateway.objects.update_or_create(name=name, defaults={"last_ping_at": timezone.now()})
    do_record_success(name)


class BackendStatus(TypedDict):
    name: str
    per_minute: int
    is_down: bool
    is_live: bool  # in the tier texts go through now
    last_ping_at: datetime | None
    last_error: str


def sms_status() -> list[BackendStatus]:
    """Each configured SMS backend and how it is doing, for the dashboard ([] when SMS is not configured)."""
    backends = configured_backends()
    if not backends:
        return []
    health = gateway_state()
    live = {backend.name for backend in usable(backends, health)}
    found: list[BackendStatus] = []
    for backend in backends:
        gateway = health.get(backend.name)
        found.append(
            {
                "name": backend.name,
                "per_minute": backend.per_minute,
                "is_down": is_down(gateway),
                "is_live": backend.name in live,
                "last_ping_at": gateway.last_ping_at if gateway else None,
                "last_error": gateway.last_error if gateway else "",
            }
        )
    return found


class SmsSender:
    channel: str = Channel.SMS

    def __init__(self, backends: Sequence[SmsBackend] | None = None) -> None:
        # Given backends stay (tests); otherwise the configured ones, looked at again before each batch.
        self.is_fixed = backends is not None
        self.backends = list(backends) if backends is not None else configured_backends()
        self.next_free: dict[str, float] = {}
        self.health: dict[str, Gateway] = {}

    def refresh(self) -> None:
        """Take up the backends configured now (an admin may have changed them in the web UI): one cheap check."""
        if self.is_fixed:
            return
        current = configured_backends()
        if len(current) == len(self.backends) and all(a is b for a, b in zip(current, self.backends, strict=True)):
            return
        self.close()
        self.backends = current
        names = {backend.name for backend in current}
        self.next_free = {name: free for name, free in self.next_free.items() if name in names}

    def batch_size(self) -> int:
        """How many texts to claim: about BATCH_SECONDS of sending; 0 while no backend is configured (they wait)."""
        self.refresh()  # the loop asks this first, before each batch: the moment to see a change
        if not self.backends:
            return 0
        per_minute = sum(backend.per_minute for backend in self.usable())
        return max(1, min(50, per_minute * BATCH_SECONDS // 60))

    def open(self) -> None:
        self.health = gateway_state()

    def ahead(self, message: Message, address: Address | None) -> None:
        """Nothing is begun ahead: a text is one request to the provider (see pump.run_once)."""

    def close(self) -> None:
        for backend in self.backends:
            backend.close()

    def usable(self) -> list[SmsBackend]:
        return usable(self.backends, self.health)

    def candidates(self) -> list[SmsBackend]:
        """Backends in the order to try: a down one whose trial this sender claimed, then the usable tier's
        soonest free, then every other healthy one."""
        first = sorted(self.usable(), key=lambda backend: self.next_free.get(backend.name, 0.0))
        rest = [
            backend for backend in self.backends if backend not in first and not is_down(self.health.get(backend.name))
        ]
        return self.trials(exclude=first) + first + rest

    def trials(self, exclude: list[SmsBackend]) -> list[SmsBackend]:
        """The down backends due for a trial whose trial this sender took (usually none: no query then)."""
        due = [b for b in self.backends if b not in exclude and is_due_for_trial(self.health.get(b.name))]
        claimed = [backend for backend in due if claim_trial(self.health[backend.name])]
        for backend in claimed:
            log.info("SMS backend %s is down: trying it with one text", backend.name)
        if due:
            self.health = gateway_state()  # its trial_at moved on (here or in another worker)
        return claimed

    def wait_for_turn(self, backend: SmsBackend) -> None:
        now = time.monotonic()
        free_at = self.next_free.get(backend.name, now)
        if free_at > now:
            time.sleep(free_at - now)
        self.next_free[backend.name] = max(free_at, now) + 60.0 / max(backend.per_minute, 1)

    def send(self, message: Message, address: Address | None) -> Result:
        blocked = blocked_for(message, address)
        if blocked:
            return Failed(blocked, State.CANCELLED)
        if not self.backends:
            return Failed("no_sms_backend", State.HELD)
        text = str(message.content.get("text", ""))
        for backend in self.candidates():
            self.wait_for_turn(backend)
            try:
                sent = backend.send(message.to, text, idempotency_key=message.idempotency_key)
            except SmsError as error:
                if error.transient:
                    do_record_failure(backend, str(error))
                    self.health = gateway_state()
                    continue  # fail over to the next backend for this very message
                reason = reason_for(backend.name, error.code)
                return Failed(reason.slug, marks_address=reason.marks_address)
            gateway = self.health.get(backend.name)
            if gateway is not None and (gateway.failures_in_row or is_down(gateway)):
                do_record_success(backend.name, is_alive=True)  # only when it had failed: not two queries a text
                self.health = gateway_state()
            return Sent(backend.name, sent.provider_id)
        if len(self.backends) == 1:
            raise Unreachable(f"SMS backend {self.backends[0].name} cannot be reached")
        return Retry("unreachable")
