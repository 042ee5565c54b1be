"""The outbox's sender: claim due messages, hand each to its channel, record each outcome as it happens.

1. Rescue messages whose lease ran out (their worker died mid-send): what the claim's journal
   says was sent is marked sent, the rest goes back to the queue, or to dead letters after
   MAX_STALLS.
2. Claim a batch: the most urgent due messages (alerts first), marked `sending` with a lease
   token and an attempt counted, in one short transaction (FOR UPDATE SKIP LOCKED on
   PostgreSQL; on SQLite one UPDATE, and IMMEDIATE transactions serialise claimers).
3. Open the channel once for the batch (one SMTP connection, reused), then send message by
   message, each outcome recorded before the next message's data goes: committed, or on
   SQLite for "sent" written to the claim's journal and committed in groups (`Marks`). A crash
   re-sends at most the message in flight. The next message's MAIL, RCPT and DATA go in the
   same write as this one's data (PIPELINING: `EmailSender.ahead`); it cannot arrive unfinished.
   An encrypted next message is encrypted while this one's data is on its way (`EmailSender.prepare`).
4. When the server cannot be reached, give back what was not attempted: it waits, uncounted.
   Every second of a batch, look whether something more urgent is waiting (an alert queued
   behind a broadcast's batch), and give back the rest, due at once, when it is, or when the
   batch has used half its lease (a slow server): the alert goes next, and no lease runs out.
"""

import logging
import smtplib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol
from uuid import UUID, uuid4

from django.conf import settings
from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from solidarity.core.db import psycopg_params
from solidarity.core.services import get_network_settings
from solidarity.core.sqlite import Busy, data_version
from solidarity.messaging import journal, openpgp, progress, services
from solidarity.messaging.mail import (
    Following,
    RawEmail,
    can_pipeline,
    envelope_address,
    finish_pipelined,
    header,
    parse_mime,
    pipelined_envelope,
    send_plain,
    wire_bytes,
)
from solidarity.messaging.models import Address, Channel, Message, State
from solidarity.messaging.results import Failed, Held, Result, Retry, Sent, Unreachable
from solidarity.messaging.sms_sender import SmsSender

log = logging.getLogger("solidarity.messaging")

EMAIL_BATCH = 200  # a claim and its look-ups cost about as much as sending ten emails
URGENT_CHECK_SECONDS = 1.0  # how long a new alert can wait behind a batch of announcements
IDLE_SECONDS = 0.25
NEWS_SECONDS = 0.02  # on SQLite, how often an idle loop looks whether anything was committed (`wait_for_due`)
MAX_PAUSE_SECONDS = 30.0


class Sender(Protocol):
    channel: str

    def batch_size(self) -> int: ...
    def open(self) -> None: ...
    def send(self, message: Message, address: Address | None) -> Result: ...
    def ahead(self, message: Message, address: Address | None) -> None: ...
    def close(self) -> None: ...


@dataclass
class Begun:
    """A transaction `EmailSender.ahead` makes ready: MAIL, RCPT and DATA, to go with the last message's data.

    Once they went (`EmailSender.begun`), their replies are read when this message is sent. An
    encrypted message is encrypted while the last one's data is on its way (`EmailSender.prepare`).
    """

    pk: int
    sender: str
    recipient: str
    data: bytes | None  # the message as sent (None: encrypted, not yet)
    commands: bytes  # MAIL, RCPT and DATA, as written
    text: str = field(default="", repr=False)  # as stored, for `prepare` to encrypt to `key`
    key: str = field(default="", repr=False)
    proving: bool = False  # `key` is a key's proof (EmailSender.key_for)
    summary: str = field(default="", repr=False)  # the key's openpgp.key_summary, if saved with it
    sent: str | Result | None = field(default=None, repr=False)  # what `prepare` made of it: text, or held


# What senders and outcomes read of a claimed message; the rest (timestamps above all, each parsed
# from text on SQLite) stays unread. Reading another field costs a query per message: add it here.
SENDING_NEEDS = (
    "uuid",
    "channel",
    "to",
    "content",
    "idempotency_key",
    "batch",
    "attempts",
    "priority",
    "outcome_handler",
)


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "OUTBOX_LEASE_SECONDS", 60)))


def claim(channel: str, limit: int) -> tuple[UUID, list[Message]]:
    """Up to `limit` due messages of `channel`, most urgent first, leased to a new token."""
    now = timezone.now()
    token = uuid4()
    until = now + lease()
    waiting = due(channel, now).values_list("pk", flat=True)
    claiming = {"state": State.SENDING, "lease_token": token, "lease_until": until, "attempts": F("attempts") + 1}
    if connection.vendor == "sqlite":
        # One statement, one step: reading the ids first took a step each with the write lock held,
        # and each step let go of Python's lock, which a busy thread (the worker queueing a
        # broadcast) can keep for 5 ms. The claimed rows are found by their lease's end (indexed).
        with transaction.atomic():
            if not Message.objects.filter(pk__in=waiting[:limit], state=State.QUEUED).update(**claiming):
                return token, []
        claimed = Message.objects.filter(state=State.SENDING, lease_until=until, lease_token=token)
    else:
        with transaction.atomic():
            pks = list(waiting.select_for_update(skip_locked=True)[:limit])
            if not pks:
                return token, []
            Message.objects.filter(pk__in=pks, state=State.QUEUED).update(**claiming)
        # By primary key: lease_token has no index, and a scan of the outbox would read every row's content.
        claimed = Message.objects.filter(pk__in=pks, lease_token=token)
    ordered = claimed.order_by("priority", "next_attempt_at", "pk")
    return token, list(ordered.only(*SENDING_NEEDS))


def run_once(sender: Sender) -> int:
    """One batch: returns how many messages were attempted (0: nothing due, or nothing to send with yet)."""
    limit = sender.batch_size()
    if limit < 1:
        return 0  # SMS with no backend configured yet: texts wait in the queue, untouched
    services.rescue_stalled()
    token, batch = claim(sender.channel, limit)
    if not batch:
        return 0
    addresses = services.addresses_for(sender.channel, [message.to for message in batch])
    try:
        sender.open()
    except Unreachable as error:
        services.release(batch, token)
        raise error
    started = time.monotonic()
    look_again = started + URGENT_CHECK_SECONDS
    marks = Marks(token, grouped=sender.channel == Channel.EMAIL)
    try:
        for position, message in enumerate(batch):
            if time.monotonic() >= look_again:
                if gives_way(message, started):
                    sender.close()  # a transaction begun ahead for `message` ends with the connection
                    services.release(batch[position:], token, after=timedelta(0))
                    return position
                look_again = time.monotonic() + URGENT_CHECK_SECONDS
            if position + 1 < len(batch):
                # The next message's transaction begins in the same write as this one's data, and its
                # first replies come back with this one's. Only this message is in flight: the next
                # cannot arrive before its own turn sends it whole.
                sender.ahead(batch[position + 1], addresses.get(batch[position + 1].to))
            try:
                result = sender.send(message, addresses.get(message.to))
            except Unreachable:
                services.mark_retry(message, token, "unreachable")
                services.release(batch[position + 1 :], token)
                sender.close()
                raise
            marks.record(message, result)
    finally:
        marks.close()
    return len(batch)


class Marks:
    """What became of a claim's messages, recorded; on SQLite, "sent" in groups with a journal (messaging.journal).

    A message the server took is written to the claim's journal at once and marked sent in the
    database with the others of the last GROUP_SECONDS: one commit instead of one each, which on
    SQLite also waits for the other processes' write lock once instead of once each. Any other
    outcome commits at once, as does "sent" without a journal (PostgreSQL), for a text (its
    receipt finds it by the provider's id) and for a message whose handler waits for its fate.
    """

    GROUP_SECONDS = 0.025
    GROUP_MOST = 100

    def __init__(self, token: UUID, *, grouped: bool) -> None:
        self.token = token
        where = journal.folder(connection) if grouped else None
        self.journal = journal.Journal(where, token) if where is not None else None
        self.pending: list[tuple[Message, Sent]] = []
        self.since = 0.0

    def record(self, message: Message, result: Result) -> None:
        if self.journal is None or not isinstance(result, Sent) or message.outcome_handler:
            result.apply(message, self.token)
            progress.notify_batch(message.batch)
            return
        self.journal.write(message.pk, result.backend, result.provider_id)
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append((message, result))
        if len(self.pending) >= self.GROUP_MOST:
            self.commit()
        elif time.monotonic() - self.since >= self.GROUP_SECONDS:
            self.commit(wait=False)

    def commit(self, *, wait: bool = True) -> None:
        """Mark sent, in one commit, what the journal holds and the database does not yet.

        `wait=False`: not while another writer holds SQLite's lock; the next message tries again.
        A sending loop that waited there spent a fifth of its time asleep in SQLite's busy handler.
        """
        pending = self.pending
        try:
            for backend in {result.backend for _, result in pending}:
                sent = [(m.pk, r.provider_id, m.outcome_handler) for m, r in pending if r.backend == backend]
                services.mark_all_sent(sent, self.token, backend=backend, wait=wait)
        except Busy:
            if wait:
                raise  # held longer than the database's timeout: "database is locked"
            return
        self.pending = []  # only now: if the commit failed, `close` keeps the journal for the rescue
        for batch in {message.batch for message, _ in pending}:
            progress.notify_batch(batch)

    def close(self) -> None:
        """The claim is done with: every mark committed, and its journal gone (kept if the commit failed)."""
        self.commit()
        if self.journal is not None:
            self.journal.remove()


def gives_way(message: Message, started: float) -> bool:
    """Whether a batch stops before `message`: something more urgent waits, or half its lease is gone."""
    if time.monotonic() - started > lease().total_seconds() / 2:
        return True
    return services.more_urgent_waiting(message.channel, message.priority)


def drain(channel: str = Channel.EMAIL, sender: Sender | None = None) -> int:
    """Send everything due now, in this thread (tests, the demo); returns how many were handled."""
    sender = sender or sender_for(channel)
    handled = 0
    try:
        while count := run_once(sender):
            handled += count
    finally:
        sender.close()
    return handled


def run_forever(channel: str, stop: threading.Event) -> None:
    """The worker's loops for one channel: email runs OUTBOX_EMAIL_SENDERS of them, each over its own connection.

    Each loop claims batches of its own (SKIP LOCKED on PostgreSQL; on SQLite the claims take
    turns and the sending overlaps), so a slow or distant mail server is kept busy. A crash
    re-sends at most the message each loop had in flight.
    """
    count = max(int(getattr(settings, "OUTBOX_EMAIL_SENDERS", 1)), 1) if channel == Channel.EMAIL else 1
    others = [
        threading.Thread(target=run_other_loop, args=(channel, stop), name=f"outbox-{channel}-{n}", daemon=True)
        for n in range(1, count)
    ]
    for thread in others:
        thread.start()
    run_loop(channel, stop)
    for thread in others:
        thread.join()


def run_other_loop(channel: str, stop: threading.Event) -> None:
    try:
        run_loop(channel, stop)
    finally:
        connection.close()  # the database connection Django opened for this thread


def run_loop(channel: str, stop: threading.Event) -> None:
    """One sending loop: poll when idle, pause (up to 30 s) while the server is unreachable."""
    sender = sender_for(channel)
    pause = 1.0
    handled = 0
    while not stop.is_set():
        if not handled:
            # Between two full batches the database connection is kept: a new SQLite connection reads the
            # database's schema again (some 600 tables and indexes: 3 ms), with every other process's senders.
            close_old_connections()
        try:
            handled = run_once(sender)
            pause = 1.0
        except Unreachable as error:
            handled = 0
            log.warning("outbox %s: %s; trying again in %.0f s", channel, error, pause)
            stop.wait(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
            continue
        except Exception:  # a database blip must not end the loop: log it and go on
            handled = 0
            log.exception("outbox %s: a batch failed", channel)
            sender.close()
            stop.wait(pause)
            continue
        if not handled:
            sender.close()  # do not hold an idle SMTP connection open
            if sender.batch_size() > 0:
                wait_for_due(channel, stop, IDLE_SECONDS)
            else:
                stop.wait(IDLE_SECONDS)
    sender.close()
    stop_listening()


def wait_for_due(channel: str, stop: threading.Event, seconds: float) -> None:
    """An idle loop's sleep: until `stop`, `seconds` gone, or a message of `channel` due, queued meanwhile.

    On SQLite, every NEWS_SECONDS it asks whether any other connection committed (`data_version`,
    which reads no table) and, only when one did, whether a message is due: an alert the web
    process queues leaves within some 20 ms, not at the next poll, and a broadcast's first
    chunk is sent as it is committed. On PostgreSQL it listens for the notice every insert of
    messages gives when it commits (`services.QUEUED_NOTICE`), and then asks the same.
    """
    if connection.vendor == "postgresql":
        wait_for_notice(channel, stop, seconds)
        return
    seen = data_version(connection)
    if seen is None:
        stop.wait(seconds)
        return
    until = time.monotonic() + seconds
    while time.monotonic() < until and not stop.wait(NEWS_SECONDS):
        version = data_version(connection)
        if version != seen:
            seen = version
            if due(channel).exists():
                return


# This thread's PostgreSQL connection that LISTENs for new messages: a direct one, not one of Django's pool,
# which would hand a listening connection (and the notices it keeps) to whatever asks next.
_listening = threading.local()


def wait_for_notice(channel: str, stop: threading.Event, seconds: float) -> None:
    """`wait_for_due` on PostgreSQL: this thread's listener waits for a notice, then asks whether a message is due.

    Notices that came while the loop sent are kept by psycopg and read first. A database error ends
    the wait as a sleep would (the listener is made again next time): the loop's next claim meets it.
    """
    import psycopg  # PostgreSQL only: this module loads in every process

    until = time.monotonic() + seconds
    try:
        while not stop.is_set() and (left := until - time.monotonic()) > 0:
            heard = list(listener().notifies(timeout=min(left, IDLE_SECONDS), stop_after=1))
            if heard and due(channel).exists():  # asked on Django's connection, once the listener is free
                return
    except (psycopg.Error, DatabaseError):
        stop_listening()
        stop.wait(max(until - time.monotonic(), 0))


def listener() -> Any:
    """This thread's listening connection (a psycopg.Connection), made on first need."""
    import psycopg

    found = getattr(_listening, "connection", None)
    if found is None or found.closed:
        found = psycopg.connect(**psycopg_params(), autocommit=True)
        found.execute(f"LISTEN {services.QUEUED_NOTICE}")
        _listening.connection = found
    return found


def stop_listening() -> None:
    """Close this thread's listening connection, if it has one (a loop that ends)."""
    found = getattr(_listening, "connection", None)
    _listening.connection = None
    if found is not None:
        found.close()


def due(channel: str, now: datetime | None = None) -> QuerySet[Message]:
    """The messages of `channel` a claim takes (`claim`), most urgent first."""
    return Message.objects.filter(
        channel=channel, state=State.QUEUED, next_attempt_at__lte=now or timezone.now()
    ).order_by("priority", "next_attempt_at", "pk")


def channels() -> list[str]:
    """The channels the worker runs a loop for: email (the console in development) and SMS.

    SMS always: its loop idles while no backend is configured (messaging.sms_settings), so a
    provider an admin enters in the web UI starts sending without restarting the worker.
    """
    return [Channel.EMAIL, Channel.SMS]


def sender_for(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        return EmailSender()
    return SmsSender()


class EmailSender:
    """Email through MAILERS["transport"] (SMTP, or the console in development), over one reused connection."""

    channel: str = Channel.EMAIL

    def __init__(self) -> None:
        self.backend: Any = None
        self.encryptor: openpgp.Encryptor | None = None
        self.senders: dict[str, str] = {}  # From -> envelope address (Django's prep_address)
        self.following: Begun | None = None  # made ready by `ahead`, to go with the next message's data
        self.begun: Begun | None = None  # went with the last message's data, its replies not read yet

    def encryptor_now(self) -> openpgp.Encryptor:
        if self.encryptor is None:
            self.encryptor = openpgp.Encryptor(str(services.network_key().secret))
        return self.encryptor

    def encrypt(self, text: str, key: str, *, summary: str = "", clear_allowed: bool = True) -> str | Result:
        """The stored message's text as PGP/MIME to `key`, signed by the network's; an unusable key holds it.

        `summary`: the key's openpgp.key_summary ("": none). `clear_allowed`: whether the network's setting may
        send it in clear (`text` as it is) when the key expired.
        """
        try:
            return self.encryptor_now().encrypt_text(text, key, summary=summary)
        except openpgp.OpenPgpError as error:
            if error.code == "expired" and clear_allowed and get_network_settings().clear_mail_when_key_expired:
                return text
            return Held("key_expired" if error.code == "expired" else "key_unusable")

    def batch_size(self) -> int:
        return EMAIL_BATCH

    def open(self) -> None:
        if self.backend is None:
            self.backend = mailers["transport"]
        try:
            self.backend.open()
        except (OSError, smtplib.SMTPException) as error:
            self.backend = None
            raise Unreachable(f"the mail server cannot be reached ({type(error).__name__})") from None

    def close(self) -> None:
        """Hang up; also let go of the parsed keys (up to RECIPIENT_CACHE_SIZE): an idle worker keeps no memory
        for a broadcast that has gone, and the next one signs with the network key as it is then."""
        self.encryptor = None
        self.hang_up()

    def hang_up(self) -> None:
        """Close the connection; a transaction begun ahead ends with it (the server drops what had no message)."""
        self.begun = self.following = None
        if self.backend is not None:
            try:
                self.backend.close()
            finally:
                self.backend = None

    def send(self, message: Message, address: Address | None) -> Result:
        begun, self.begun = self.begun, None
        following, self.following = self.following, None  # goes only with this message's data
        if begun is not None and begun.pk != message.pk:
            self.hang_up_and_call_again()  # not the message it was begun for: that transaction must not go on
            begun = None
        blocked = services.blocked_for(message, address)
        if blocked:
            return self.unless_begun(begun, Failed(blocked, State.CANCELLED))
        text = str(message.content["mime"])
        sent = text
        key, proving, summary = self.key_for(message, address)
        if key:
            encrypted = begun.sent if begun is not None else None
            if encrypted is None:
                encrypted = self.encrypt(text, key, summary=summary, clear_allowed=not proving)
            if isinstance(encrypted, Result):
                return self.unless_begun(begun, encrypted)
            sent = encrypted  # or, for an expired key with clear mail allowed, the text as stored
        then = None
        if following is not None:
            meanwhile = partial(self.prepare, following) if following.key else None
            then = Following(following.commands, meanwhile=meanwhile)
        try:
            message_id = self.hand_over(message, text, sent, begun, then)
        except ValueError:  # Django refuses an address it cannot put in an envelope
            return Failed("invalid_address")
        except smtplib.SMTPRecipientsRefused as error:
            code = next(iter(error.recipients.values()))[0]
            return Failed("bounced", State.BOUNCED, marks_address=True) if code >= 500 else Retry("deferred")
        except smtplib.SMTPResponseException as error:
            log.warning("smtp refused: %s %s", error.smtp_code, error.smtp_error)
            return Failed("refused") if error.smtp_code >= 500 else Retry("deferred")
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise Unreachable(f"the mail server went away ({type(error).__name__})") from None
        finally:
            if then is not None and then.written:
                self.begun = following  # this message's data took the next transaction's commands along
        return Sent("smtp", message_id)

    def hand_over(
        self, message: Message, text: str, sent: str, begun: Begun | None = None, then: Following | None = None
    ) -> str:
        """Give one message to the transport: `sent`, the stored `text` or its encrypted form; its Message-ID.

        Through Django's SMTP backend, the text goes out as it is on the backend's open
        connection (what its `_send` does, without parsing and re-rendering the message),
        finishing the transaction begun for it with the last message, if any, and taking `then`
        (the next one's commands) along with its data; any other backend (the console, tests'
        locmem) gets an EmailMessage.
        """
        smtp = self.smtp_connection()
        if smtp is None:
            parsed = parse_mime({"mime": sent})
            from_email = str(message.content.get("from") or parsed["From"])
            self.backend.send_messages([RawEmail(parsed, to=message.to, from_email=from_email)])
            return str(parsed.get("Message-ID", ""))
        if begun is not None:
            data = begun.data if begun.data is not None else wire_bytes(sent)  # made by `ahead` when sent as stored
            finish_pipelined(smtp, begun.sender, begun.recipient, data, then)
        else:
            sender, recipient = self.envelope(message, text)
            send_plain(smtp, sender, recipient, wire_bytes(sent), then)
        return header(text, "Message-ID")

    def envelope(self, message: Message, text: str) -> tuple[str, str]:
        """The envelope's sender and recipient; raises ValueError for an address Django will not put in one."""
        # Encryption keeps From and Message-ID on the outer message: read them from the stored text either way.
        from_email = str(message.content.get("from") or header(text, "From"))
        return self.envelope_from(from_email), envelope_address(message.to, self.backend.prep_address)

    @staticmethod
    def key_for(message: Message, address: Address | None) -> tuple[str, bool, str]:
        """The key the message goes encrypted to ("": none), whether it is a key's proof, and the key's summary.

        A key's proof (messaging.address_keys) goes to the key it proves, never to the address's nor in clear.
        The summary (openpgp.key_summary, saved with the address's key) spares most of the key's parsing.
        """
        proving = str(message.content.get("openpgp_key") or "")
        if proving:
            return proving, True, ""
        key = str(address.openpgp_key) if address is not None else ""
        return key, False, (str(address.openpgp_summary) if address is not None and key else "")

    def ahead(self, message: Message, address: Address | None) -> None:
        """Make `message`'s SMTP transaction ready to begin with the data of the one sent before it (see pump.run_once).

        Its MAIL, RCPT and DATA go in the same write as the last message's data (PIPELINING,
        RFC 2920), and their replies come back with that message's: one round trip a message
        instead of two. Begun only when nothing will stop it short: no opt-out or failure on the
        address, a key that can be encrypted to now, addresses that need no quoting. Once DATA
        is taken only the message ends a transaction, so one that is not finished after all (a
        batch that gives way, a key that turns out unusable) is ended by hanging up.
        """
        self.following = None
        smtp = self.smtp_connection()
        if smtp is None or services.blocked_for(message, address):
            return
        text = str(message.content["mime"])
        key, proving, summary = self.key_for(message, address)
        if key and not self.encryptor_now().can_encrypt(key, summary=summary):
            return  # `send` holds it, or sends it in clear where the network allows: no transaction yet
        try:
            sender, recipient = self.envelope(message, text)
            if not can_pipeline(smtp, sender, recipient):
                return
            data = None if key else wire_bytes(text)  # an encrypted message's size is known only once encrypted
            size = None if data is None else len(data)
            commands = pipelined_envelope(smtp, sender, recipient, size=size, eight_bit=not text.isascii())
        except (ValueError, OSError, smtplib.SMTPException):
            return  # `send` meets the same trouble, and answers it
        self.following = Begun(message.pk, sender, recipient, data, commands, text, key, proving, summary)

    def prepare(self, begun: Begun) -> None:
        """Encrypt a message begun ahead while the last one's data is on its way (see `Following.meanwhile`).

        The server takes the last message meanwhile: a loop that waited for its reply before
        encrypting the next one left its core idle for that time. A key that turns out
        unusable is answered by `send`, as if it had encrypted then.
        """
        try:
            sent = self.encrypt(begun.text, begun.key, summary=begun.summary, clear_allowed=not begun.proving)
        except Exception:  # `send` encrypts again, and meets and answers the same trouble
            return
        begun.sent = sent
        if isinstance(sent, str):
            begun.data = wire_bytes(sent)

    def unless_begun(self, begun: "Begun | None", result: Result) -> Result:
        """`result` for a message that is not handed over after all; a transaction begun for it ends by hanging up."""
        if begun is not None:
            self.hang_up_and_call_again()
        return result

    def hang_up_and_call_again(self) -> None:
        """End a transaction begun ahead without sending a message (nothing else ends it after DATA's 354)."""
        self.hang_up()
        self.open()

    def smtp_connection(self) -> smtplib.SMTP | None:
        """The open connection when the transport is Django's own SMTP backend (a subclass may send otherwise)."""
        return self.backend.connection if type(self.backend) is SmtpBackend else None

    def envelope_from(self, from_email: str) -> str:
        """The envelope sender, checked once per sender: a broadcast has one."""
        if from_email not in self.senders:
            self.senders[from_email] = self.backend.prep_address(from_email)
        return self.senders[from_email]
