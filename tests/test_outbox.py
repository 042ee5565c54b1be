"""The outbox: one row per message, idempotent, transactional, sent once through a real SMTP server."""

import os
import smtplib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import OperationalError, connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings

from solidarity.core import retention
from solidarity.core.fields import find_by_index
from solidarity.core.services import get_network_settings
from solidarity.core.sqlite import Busy
from solidarity.messaging import journal, openpgp, pump, results, services
from solidarity.messaging.mail import email_content, header
from solidarity.messaging.models import Channel, Message, NetworkKey, State, normalise_address
from solidarity.messaging.priority import Priority
from solidarity.messaging.services import Outgoing
from tests.conftest import in_threads
from tests.factories.messaging import GpgHome, set_openpgp_key
from tests.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server, override_settings(MAILERS=server.mailers):
        yield server


def mail(to: str, key: str, *, subject: str = "Assembly on Thursday", priority: Priority = Priority.DIRECT) -> Outgoing:
    content = email_content(to=to, subject=subject, text=f"Hello {to}, see you there.", language="en")
    return Outgoing(Channel.EMAIL, to, content, idempotency_key=key, language="en", priority=priority)


def test_the_same_key_enqueued_twice_is_one_message() -> None:
    first = services.enqueue(mail("ana@example.org", "test:1"))
    again = services.enqueue(mail("ana@example.org", "test:1", subject="Changed"))

    assert first.pk == again.pk
    assert Message.objects.count() == 1


def test_a_key_queued_meanwhile_is_skipped_and_the_rest_inserted() -> None:
    """Two enqueuers racing past the look-up of known keys: the second's insert skips the first's row."""
    first = services.enqueue(mail("ana@example.org", "test:1"))
    late = [
        {
            "channel": Channel.EMAIL,
            "to": f"{name}@example.org",
            "content": {"mime": "x"},
            "idempotency_key": key,
            "next_attempt_at": timezone.now(),
        }
        for name, key in (("eve", "test:1"), ("bea", "test:2"))
    ]

    services.insert_values(services.row_values(late))

    assert Message.objects.get(idempotency_key="test:1").pk == first.pk
    assert Message.objects.get(idempotency_key="test:1").to == "ana@example.org"
    assert Message.objects.get(idempotency_key="test:2").to == "bea@example.org"  # sealed and opened as the ORM would
    assert Message.objects.get(idempotency_key="test:2").content == {"mime": "x"}


def test_a_row_inserted_by_the_outbox_reads_back_as_one_the_orm_saved() -> None:
    """`row_values` makes a new message's values without a model instance: every field as the ORM would."""
    when = timezone.now()
    given = {
        "channel": Channel.EMAIL,
        "to": "ana@example.org",
        "content": {"mime": "x"},
        "idempotency_key": "test:fast",
        "batch": "lists.broadcast:1",
        "priority": Priority.ANNOUNCEMENT,
        "next_attempt_at": when,
    }
    by_orm = Message.objects.create(**{**given, "idempotency_key": "test:orm"})

    services.insert_values(services.row_values([given]))

    fast = Message.objects.get(idempotency_key="test:fast")
    different = {"id", "uuid", "idempotency_key", "created_at", "updated_at"}
    for field in Message._meta.concrete_fields:
        if field.attname not in different:
            assert getattr(fast, field.attname) == getattr(by_orm, field.attname), field.attname
    assert fast.uuid != by_orm.uuid
    assert fast.to_index == by_orm.to_index != ""
    assert by_orm.created_at <= fast.created_at == fast.updated_at
    assert [found.pk for found in find_by_index(Message.objects.all(), "to_index", "ANA@example.org")] == [
        by_orm.pk,
        fast.pk,
    ]


def test_a_message_prepared_before_its_address_opted_out_is_not_sent(smtp: SmtpServer) -> None:
    """A broadcast's chunk is prepared before its transaction: an opt-out in between still stops the message."""
    prepared = services.prepare_many([mail("ana@example.org", "test:1"), mail("bea@example.org", "test:2")])
    services.do_opt_out(Channel.EMAIL, "ana@example.org")

    assert prepared.insert() == 2
    assert prepared.insert() == 0  # a second insert of the same keys queues nothing

    assert pump.drain(Channel.EMAIL) == 2
    assert [message.recipients for message in smtp.inbox.messages] == [["bea@example.org"]]
    ana = Message.objects.get(idempotency_key="test:1")
    assert (ana.state, ana.reason) == (State.CANCELLED, "opted_out")


def test_a_rolled_back_enqueue_sends_nothing(smtp: SmtpServer) -> None:
    def enqueue_then_fail() -> None:
        with transaction.atomic():
            services.enqueue(mail("ana@example.org", "test:1"))
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        enqueue_then_fail()

    assert pump.drain(Channel.EMAIL) == 0
    assert not smtp.inbox.messages


def test_each_message_goes_out_once_with_its_message_id(smtp: SmtpServer) -> None:
    services.enqueue_many([mail(f"person{n}@example.org", f"test:{n}") for n in range(120)])

    assert pump.drain(Channel.EMAIL) == 120
    assert pump.drain(Channel.EMAIL) == 0

    assert sorted(r.recipients[0] for r in smtp.inbox.messages) == sorted(f"person{n}@example.org" for n in range(120))
    sent = Message.objects.get(idempotency_key="test:7")
    assert sent.state == State.SENT
    assert sent.attempts == 1
    assert sent.provider_id == smtp.inbox.to("person7@example.org")[0]["Message-ID"]


def test_alerts_pass_announcements_already_queued(smtp: SmtpServer) -> None:
    services.enqueue_many(
        [mail(f"n{n}@example.org", f"news:{n}", priority=Priority.ANNOUNCEMENT) for n in range(pump.EMAIL_BATCH)]
    )
    services.enqueue(mail("medic@example.org", "alert:1", subject="Raid confirmed", priority=Priority.ALERT))

    pump.run_once(pump.EmailSender())

    assert smtp.inbox.messages[0].recipients == ["medic@example.org"]
    assert Message.objects.filter(state=State.QUEUED).count() == 1  # one announcement waits for the next batch


class AlertArrives(pump.EmailSender):
    """A sender during whose first message an alert is queued (the dispatcher confirms a raid meanwhile)."""

    def send(self, message: Message, address: Any) -> results.Result:
        if not Message.objects.filter(idempotency_key="alert:1").exists():
            services.enqueue(mail("medic@example.org", "alert:1", subject="Raid confirmed", priority=Priority.ALERT))
        return super().send(message, address)


def test_an_alert_queued_during_a_batch_goes_next(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    services.enqueue_many([mail(f"n{n}@example.org", f"news:{n}", priority=Priority.ANNOUNCEMENT) for n in range(5)])
    monkeypatch.setattr(pump, "URGENT_CHECK_SECONDS", 0.0)  # look before every message

    assert pump.run_once(AlertArrives()) == 1  # the batch gives way after its first message
    waiting = Message.objects.filter(state=State.QUEUED, priority=Priority.ANNOUNCEMENT)
    assert waiting.count() == 4
    assert all(message.attempts == 0 and message.next_attempt_at <= timezone.now() for message in waiting)

    assert pump.run_once(pump.EmailSender()) == 5
    assert [received.recipients[0] for received in smtp.inbox.messages][:2] == ["n0@example.org", "medic@example.org"]


def test_a_batch_never_outlives_half_its_lease(
    smtp: SmtpServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.enqueue_many([mail(f"n{n}@example.org", f"news:{n}") for n in range(3)])
    monkeypatch.setattr(pump, "URGENT_CHECK_SECONDS", 0.0)
    settings.OUTBOX_LEASE_SECONDS = 0.001  # a mail server so slow that one message takes half the lease

    assert pump.run_once(pump.EmailSender()) == 1
    assert Message.objects.filter(state=State.QUEUED).count() == 2
    settings.OUTBOX_LEASE_SECONDS = 60
    assert pump.drain(Channel.EMAIL) == 2


def test_a_cancelled_message_never_leaves(smtp: SmtpServer) -> None:
    services.enqueue(mail("ana@example.org", "alert:filled", priority=Priority.ALERT))

    assert services.cancel("alert:filled")
    assert pump.drain(Channel.EMAIL) == 0
    assert not smtp.inbox.messages
    assert not services.cancel("alert:filled")  # already final


def test_a_refused_recipient_bounces_and_nothing_more_is_sent_to_it(smtp: SmtpServer) -> None:
    smtp.inbox.refuse["gone@example.org"] = "550 5.1.1 no such user"
    services.enqueue(mail("gone@example.org", "test:1"))

    pump.drain(Channel.EMAIL)

    bounced = Message.objects.get(idempotency_key="test:1")
    assert (bounced.state, bounced.reason) == (State.BOUNCED, "bounced")
    later = services.enqueue(mail("Gone@Example.org", "test:2"))
    assert (later.state, later.reason) == (State.CANCELLED, "bounced")


def test_with_pipelining_refusals_come_back_in_order_and_the_connection_carries_on(smtp: SmtpServer) -> None:
    smtp.inbox.pipelining = True  # MAIL, RCPT and DATA go in one write (RFC 2920), as to Postfix
    smtp.inbox.refuse["gone@example.org"] = "550 5.1.1 no such user"
    smtp.inbox.refuse["busy@example.org"] = "451 4.3.0 try again later"
    addresses = ["ana@example.org", "gone@example.org", "bea@example.org", "busy@example.org", "cruz@example.org"]
    services.enqueue_many([mail(address, f"test:{n}") for n, address in enumerate(addresses)])

    pump.drain(Channel.EMAIL)

    states = dict(Message.objects.values_list("idempotency_key", "state"))
    assert states == {
        "test:0": State.SENT,
        "test:1": State.BOUNCED,
        "test:2": State.SENT,
        "test:3": State.QUEUED,  # deferred, tried again later
        "test:4": State.SENT,
    }
    assert [received.recipients for received in smtp.inbox.messages] == [
        ["ana@example.org"],
        ["bea@example.org"],
        ["cruz@example.org"],
    ]
    assert b"Hello bea@example.org" in smtp.inbox.messages[1].content


def test_with_pipelining_a_refused_sender_holds_nothing_back(smtp: SmtpServer) -> None:
    smtp.inbox.pipelining = True
    smtp.inbox.refuse_mail = "451 4.3.0 local error"
    services.enqueue(mail("ana@example.org", "test:1"))

    pump.drain(Channel.EMAIL)

    assert Message.objects.get(idempotency_key="test:1").state == State.QUEUED
    smtp.inbox.refuse_mail = ""
    message = Message.objects.get(idempotency_key="test:1")
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        assert pump.drain(Channel.EMAIL) == 1
    assert len(smtp.inbox.to("ana@example.org")) == 1


class Recording(pump.EmailSender):
    """The email sender, noting which messages it began ahead (MAIL, RCPT and DATA written with the last one's data)."""

    def __init__(self) -> None:
        super().__init__()
        self.begun_for: list[str] = []
        self.addresses: dict[int, str] = {}

    def ahead(self, message: Message, address: Any) -> None:
        self.addresses[message.pk] = message.to
        super().ahead(message, address)

    def send(self, message: Message, address: Any) -> results.Result:
        result = super().send(message, address)
        if self.begun is not None:
            self.begun_for.append(self.addresses[self.begun.pk])
        return result


def test_with_pipelining_each_next_message_is_begun_with_the_last_ones_data(smtp: SmtpServer) -> None:
    smtp.inbox.pipelining = True
    addresses = [f"n{n}@example.org" for n in range(5)]
    services.enqueue_many([mail(address, f"test:{n}") for n, address in enumerate(addresses)])
    sender = Recording()

    assert pump.drain(Channel.EMAIL, sender) == 5

    assert sender.begun_for == addresses[1:]  # the first one of a batch has nothing before it
    assert [received.recipients for received in smtp.inbox.messages] == [[address] for address in addresses]
    assert all(
        f"Hello {address}".encode() in received.content
        for address, received in zip(addresses, smtp.inbox.messages, strict=True)
    )
    assert set(Message.objects.values_list("state", flat=True)) == {State.SENT}


class AlertArrivesAhead(Recording):
    """An alert is queued while the first message goes: the batch gives way with the next one begun ahead."""

    def send(self, message: Message, address: Any) -> results.Result:
        if not Message.objects.filter(idempotency_key="alert:1").exists():
            services.enqueue(mail("medic@example.org", "alert:1", subject="Raid confirmed", priority=Priority.ALERT))
        return super().send(message, address)


def test_a_batch_that_gives_way_with_a_message_begun_ahead_sends_it_once_later_and_nothing_empty(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp.inbox.pipelining = True
    services.enqueue_many([mail(f"n{n}@example.org", f"news:{n}", priority=Priority.ANNOUNCEMENT) for n in range(3)])
    monkeypatch.setattr(pump, "URGENT_CHECK_SECONDS", 0.0)
    sender = AlertArrivesAhead()

    assert pump.run_once(sender) == 1
    assert sender.begun_for == ["n1@example.org"]  # begun, then given way: the connection was hung up
    assert pump.drain(Channel.EMAIL, sender) == 3  # the same sender, as the worker's loop goes on with it

    received = [(message.recipients[0], message.content) for message in smtp.inbox.messages]
    assert [to for to, _content in received] == [
        "n0@example.org",
        "medic@example.org",
        "n1@example.org",
        "n2@example.org",
    ]
    assert all(b"Hello" in content for _to, content in received)  # no transaction ended as an empty message


def test_a_key_that_cannot_be_encrypted_to_is_not_begun_ahead_and_the_rest_go(smtp: SmtpServer, gnupg: GpgHome) -> None:
    smtp.inbox.pipelining = True
    gnupg.new_key("vencida@example.org", "future-default", "default", "1d")
    set_openpgp_key("vencida@example.org", gnupg.export("vencida@example.org"))
    addresses = ["ana@example.org", "vencida@example.org", "bea@example.org"]
    services.enqueue_many([mail(address, f"test:{n}") for n, address in enumerate(addresses)])
    sender = Recording()

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert pump.drain(Channel.EMAIL, sender) == 3

    assert sender.begun_for == []  # nor is bea's, which would have gone with the held message's data
    assert Message.objects.get(idempotency_key="test:1").state == State.HELD
    assert [received.recipients for received in smtp.inbox.messages] == [["ana@example.org"], ["bea@example.org"]]


def test_a_deferred_recipient_is_tried_again_later(smtp: SmtpServer) -> None:
    smtp.inbox.refuse["busy@example.org"] = "451 4.3.0 try again later"
    services.enqueue(mail("busy@example.org", "test:1"))

    pump.drain(Channel.EMAIL)

    waiting = Message.objects.get(idempotency_key="test:1")
    assert (waiting.state, waiting.reason, waiting.attempts) == (State.QUEUED, "deferred", 1)
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=5)

    del smtp.inbox.refuse["busy@example.org"]
    with time_machine.travel(waiting.next_attempt_at + timedelta(seconds=1)):
        assert pump.drain(Channel.EMAIL) == 1
    assert Message.objects.get(idempotency_key="test:1").state == State.SENT
    assert len(smtp.inbox.to("busy@example.org")) == 1


def test_a_message_that_keeps_failing_gives_up_with_a_reason(smtp: SmtpServer) -> None:
    smtp.inbox.refuse["busy@example.org"] = "451 4.3.0 try again later"
    services.enqueue(mail("busy@example.org", "test:1"))

    for _ in range(services.MAX_ATTEMPTS):
        message = Message.objects.get(idempotency_key="test:1")
        with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
            pump.drain(Channel.EMAIL)

    failed = Message.objects.get(idempotency_key="test:1")
    assert (failed.state, failed.reason, failed.attempts) == (State.FAILED, "gave_up", services.MAX_ATTEMPTS)


def test_mail_waits_while_the_server_is_down_and_goes_when_it_is_back(smtp: SmtpServer) -> None:
    services.enqueue_many([mail(f"p{n}@example.org", f"test:{n}") for n in range(10)])
    smtp.stop()

    start = timezone.now()
    for minute in range(3):
        with time_machine.travel(start + timedelta(minutes=minute)), pytest.raises(results.Unreachable):
            pump.drain(Channel.EMAIL)

    assert set(Message.objects.values_list("state", "attempts")) == {(State.QUEUED, 0)}  # nothing spent
    smtp.start()
    with time_machine.travel(start + timedelta(minutes=3)):
        assert pump.drain(Channel.EMAIL) == 10
    assert len(smtp.inbox.messages) == 10


def test_a_stalled_message_is_rescued_and_dead_lettered_after_stalling_too_often(smtp: SmtpServer) -> None:
    services.enqueue(mail("ana@example.org", "test:1"))

    with time_machine.travel(timezone.now()) as clock:
        for stall in range(1, services.MAX_STALLS + 1):
            _, claimed = pump.claim(Channel.EMAIL, 10)  # a worker claims it, then dies before sending
            assert [m.idempotency_key for m in claimed] == ["test:1"]
            clock.shift(pump.lease() + timedelta(seconds=1))
            assert services.rescue_stalled() == 1
            assert Message.objects.get().stalls == stall

        dead = Message.objects.get()
        assert (dead.state, dead.reason) == (State.DEAD, "stalled")
        assert pump.drain(Channel.EMAIL) == 0
    assert not smtp.inbox.messages


def test_only_the_message_in_flight_when_a_worker_died_counts_a_stall(smtp: SmtpServer) -> None:
    """A dead worker's claim: the first message it left was being sent; the others were never tried."""
    services.enqueue_many([mail(f"n{n}@example.org", f"test:{n}") for n in range(3)])

    with time_machine.travel(timezone.now()) as clock:
        for stall in range(1, services.MAX_STALLS + 1):
            _, claimed = pump.claim(Channel.EMAIL, 10)
            assert claimed[0].idempotency_key == "test:0"  # claims go in order: it is tried first each time
            clock.shift(pump.lease() + timedelta(seconds=1))
            assert services.rescue_stalled() == 3
            stalls = dict(Message.objects.values_list("idempotency_key", "stalls"))
            assert stalls == {"test:0": stall, "test:1": 0, "test:2": 0}

        states = dict(Message.objects.values_list("idempotency_key", "state"))
        assert states == {"test:0": State.DEAD, "test:1": State.QUEUED, "test:2": State.QUEUED}
        assert pump.drain(Channel.EMAIL) == 2
    assert sorted(received.recipients[0] for received in smtp.inbox.messages) == ["n1@example.org", "n2@example.org"]


def test_what_a_dead_claims_journal_lists_is_marked_sent_and_the_next_counts_the_stall(
    smtp: SmtpServer, journaled: Path
) -> None:
    """The worker died after the server took two messages, before their group was committed: neither goes again."""
    services.enqueue_many([mail(f"n{n}@example.org", f"test:{n}") for n in range(4)])
    token, claimed = pump.claim(Channel.EMAIL, 10)
    where = journaled
    written = journal.Journal(where, token)
    written.write(claimed[0].pk, "smtp", "<one@example.org>")
    written.write(claimed[1].pk, "smtp", "<two@example.org>")
    with journal.path(where, token).open("a") as cut_short:  # the crash came in the middle of a line
        cut_short.write(f"{claimed[2].pk} smtp <thr")

    with time_machine.travel(timezone.now() + pump.lease() + timedelta(seconds=1)):
        assert services.rescue_stalled() == 4
        assert pump.drain(Channel.EMAIL) == 2

    rows = list(Message.objects.order_by("idempotency_key").values_list("state", "stalls", "provider_id"))
    assert [(state, stalls) for state, stalls, _ in rows] == [
        (State.SENT, 0),  # taken, as the journal says
        (State.SENT, 0),
        (State.SENT, 1),  # in flight when it died: it may have gone, so it went again
        (State.SENT, 0),  # never tried
    ]
    assert [provider_id for *_, provider_id in rows[:2]] == ["<one@example.org>", "<two@example.org>"]
    assert not journal.path(where, token).exists()
    assert sorted(received.recipients[0] for received in smtp.inbox.messages) == ["n2@example.org", "n3@example.org"]


def test_a_group_whose_commit_failed_is_marked_sent_from_its_journal_not_sent_again(
    smtp: SmtpServer, journaled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pump.Marks, "GROUP_SECONDS", 60.0)
    services.enqueue_many([mail(f"n{n}@example.org", f"test:{n}") for n in range(3)])

    def locked(*args: object, **kwargs: object) -> int:
        raise OperationalError("database is locked")

    mark_all_sent = services.mark_all_sent
    monkeypatch.setattr(services, "mark_all_sent", locked)
    with pytest.raises(OperationalError):
        pump.drain(Channel.EMAIL)
    monkeypatch.setattr(services, "mark_all_sent", mark_all_sent)
    assert len(smtp.inbox.messages) == 3

    with time_machine.travel(timezone.now() + pump.lease() + timedelta(seconds=1)):
        assert services.rescue_stalled() == 3
        assert pump.drain(Channel.EMAIL) == 0
    assert set(Message.objects.values_list("state", "stalls")) == {(State.SENT, 0)}
    assert len(smtp.inbox.messages) == 3


def test_a_journal_left_by_a_process_that_died_after_its_last_commit_is_forgotten(
    smtp: SmtpServer, journaled: Path
) -> None:
    services.enqueue_many([mail(f"n{n}@example.org", f"test:{n}") for n in range(2)])
    token, claimed = pump.claim(Channel.EMAIL, 1)
    assert services.mark_sent(claimed[0], token, backend="smtp", provider_id="<one@example.org>")
    live_token, _ = pump.claim(Channel.EMAIL, 1)  # a claim still being sent: its journal stays
    where = journaled
    for each in (token, live_token):
        journal.Journal(where, each).write(claimed[0].pk, "smtp", "<one@example.org>")
        long_ago = timezone.now().timestamp() - 11 * pump.lease().total_seconds()
        os.utime(journal.path(where, each), (long_ago, long_ago))

    services.rescue_stalled()

    assert (journal.path(where, token).exists(), journal.path(where, live_token).exists()) == (False, True)


def test_a_late_outcome_from_a_rescued_lease_changes_nothing(smtp: SmtpServer) -> None:
    services.enqueue(mail("ana@example.org", "test:1"))
    token, [message] = pump.claim(Channel.EMAIL, 10)
    with time_machine.travel(timezone.now() + pump.lease() + timedelta(seconds=1)):
        services.rescue_stalled()

    assert not services.mark_sent(message, token, backend="smtp", provider_id="late")
    assert Message.objects.get().state == State.QUEUED


def test_messages_queued_together_keep_each_their_own_values() -> None:
    """The values many rows share are prepared once a call (services.row_values): each row still gets its own."""
    services.do_opt_out(Channel.EMAIL, "gone@example.org")
    later = timezone.now() + timedelta(hours=2)
    outgoing = [
        mail("ana@example.org", "test:1", priority=Priority.ALERT),
        mail("gone@example.org", "test:2", priority=Priority.ANNOUNCEMENT),
        Outgoing(Channel.SMS, "+15555550123", {"text": "Hola"}, idempotency_key="test:3", language="es", batch="b:1"),
        mail("ben@example.org", "test:4", priority=Priority.ANNOUNCEMENT),
    ]
    assert services.enqueue_many(outgoing, send_after=later) == 4

    rows = {row.idempotency_key: row for row in Message.objects.all()}
    assert [(rows[f"test:{n}"].channel, rows[f"test:{n}"].priority) for n in range(1, 5)] == [
        (Channel.EMAIL, Priority.ALERT),
        (Channel.EMAIL, Priority.ANNOUNCEMENT),
        (Channel.SMS, Priority.DIRECT),
        (Channel.EMAIL, Priority.ANNOUNCEMENT),
    ]
    assert [(rows[f"test:{n}"].state, rows[f"test:{n}"].reason) for n in range(1, 5)] == [
        (State.QUEUED, ""),
        (State.CANCELLED, "opted_out"),
        (State.QUEUED, ""),
        (State.QUEUED, ""),
    ]
    assert [(rows[f"test:{n}"].language, rows[f"test:{n}"].batch) for n in range(1, 5)] == [
        ("en", ""),
        ("en", ""),
        ("es", "b:1"),
        ("en", ""),
    ]
    assert {row.next_attempt_at for row in rows.values()} == {later}
    assert len({row.uuid for row in rows.values()}) == 4
    assert [str(rows[f"test:{n}"].to) for n in range(1, 5)] == [
        "ana@example.org",
        "gone@example.org",
        "+15555550123",
        "ben@example.org",
    ]


def test_an_opt_out_cancels_what_waits_and_what_comes_later() -> None:
    services.enqueue(mail("ana@example.org", "test:1"))

    assert services.do_opt_out(Channel.EMAIL, " ANA@example.org") == 1

    assert Message.objects.get(idempotency_key="test:1").state == State.CANCELLED
    later = services.enqueue(mail("ana@example.org", "test:2"))
    assert (later.state, later.reason) == (State.CANCELLED, "opted_out")
    assert services.do_opt_in(Channel.EMAIL, "ana@example.org")
    assert services.enqueue(mail("ana@example.org", "test:3")).state == State.QUEUED


def test_the_outbox_keeps_addresses_and_bodies_encrypted() -> None:
    services.enqueue(mail("canary.zq81@example.org", "test:1", subject="Canary subject zq81"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM messaging_message")
        raw = repr(cursor.fetchall())
    assert "zq81" not in raw
    assert "test:1" in raw  # the key is not personal: it stays in clear for idempotency


# OpenPGP per recipient: gpg, the real one, reads what the outbox sent.


def test_mail_to_an_address_with_a_key_leaves_encrypted_and_gpg_reads_it(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("rosa@example.org", "future-default")
    set_openpgp_key("rosa@example.org", gnupg.export("rosa@example.org"))
    gnupg.gpg("--import", stdin=str(services.network_key().public).encode())
    services.enqueue(mail("rosa@example.org", "test:1", subject="Secret meeting place zq81"))

    assert pump.drain(Channel.EMAIL) == 1

    [received] = smtp.inbox.to("rosa@example.org")
    assert received.get_content_type() == "multipart/encrypted"
    assert "zq81" not in received.as_string()
    _, data = received.iter_parts()
    plaintext, status = gnupg.decrypt(data.get_content())
    assert "[GNUPG:] DECRYPTION_OKAY" in status
    assert any(line.startswith("[GNUPG:] GOODSIG ") for line in status)
    assert b"Secret meeting place zq81" in plaintext


@pytest.mark.django_db(transaction=True)
def test_two_processes_needing_the_network_key_at_once_make_one_and_both_sign_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two mail processes meeting a network without a key: each made its own and signed with it, while
    # the key published (on its page, in the Web Key Directory) was only the first.
    get_network_settings()
    generate = openpgp.generate_network_key

    def slowly(name: str, email: str) -> openpgp.NetworkKey:
        made = generate(name, email)
        time.sleep(0.2)  # the others ask meanwhile
        return made

    monkeypatch.setattr(openpgp, "generate_network_key", slowly)

    fingerprints = in_threads(4, lambda _n: services.network_key().fingerprint)

    assert len(set(fingerprints)) == 1
    assert [key.fingerprint for key in NetworkKey.objects.all()] == fingerprints[:1]


class Encrypting(pump.EmailSender):
    """The email sender, noting when it encrypts, and when a reply is read from the server."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def encrypt(self, text: str, key: str, *, summary: str = "", clear_allowed: bool = True) -> "str | results.Result":
        self.events.append(f"encrypt {header(text, 'To')}")
        return super().encrypt(text, key, summary=summary, clear_allowed=clear_allowed)


def test_the_next_message_is_encrypted_while_the_last_ones_data_is_on_its_way(
    smtp: SmtpServer, gnupg: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp.inbox.pipelining = True
    addresses = ["ana@example.org", "bea@example.org", "cruz@example.org"]
    for address in addresses:
        gnupg.new_key(address, "future-default")
        set_openpgp_key(address, gnupg.export(address))
    gnupg.gpg("--import", stdin=str(services.network_key().public).encode())
    services.enqueue_many(
        [mail(address, f"test:{n}", subject=f"Meeting place zq8{n}") for n, address in enumerate(addresses)]
    )
    events: list[str] = []
    reply = smtplib.SMTP.getreply

    def noted(smtp: smtplib.SMTP) -> tuple[int, bytes]:
        code, text = reply(smtp)
        events.append(f"reply {code}")
        return code, text

    monkeypatch.setattr(smtplib.SMTP, "getreply", noted)

    assert pump.drain(Channel.EMAIL, Encrypting(events)) == 3

    # ana's MAIL, RCPT and DATA answered; her data goes with bea's commands, and bea's message is
    # encrypted before ana's 250 is read; each message is encrypted once.
    assert events[events.index("encrypt ana@example.org") :][:6] == [
        "encrypt ana@example.org",
        "reply 250",
        "reply 250",
        "reply 354",
        "encrypt bea@example.org",
        "reply 250",  # ana's data taken
    ]
    assert [event for event in events if event.startswith("encrypt")] == [f"encrypt {to}" for to in addresses]
    for n, address in enumerate(addresses):
        [received] = smtp.inbox.to(address)
        _, data = received.iter_parts()
        plaintext, status = gnupg.decrypt(data.get_content())
        assert "[GNUPG:] DECRYPTION_OKAY" in status
        assert f"Meeting place zq8{n}".encode() in plaintext


def test_mail_to_an_expired_key_is_held_unless_the_network_allows_clear_mail(smtp: SmtpServer, gnupg: GpgHome) -> None:
    gnupg.new_key("caduca@example.org", "future-default", "default", "1d")
    set_openpgp_key("caduca@example.org", gnupg.export("caduca@example.org"))
    services.enqueue(mail("caduca@example.org", "test:1"))

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        pump.drain(Channel.EMAIL)
        held = Message.objects.get(idempotency_key="test:1")
        assert (held.state, held.reason) == (State.HELD, "key_expired")

        network = get_network_settings()
        network.clear_mail_when_key_expired = True
        network.save()
        cache.clear()
        services.enqueue(mail("caduca@example.org", "test:2"))
        pump.drain(Channel.EMAIL)
    assert Message.objects.get(idempotency_key="test:2").state == State.SENT
    assert not smtp.inbox.to("caduca@example.org")[0].is_multipart()


def test_sent_messages_are_purged_after_their_period(smtp: SmtpServer) -> None:
    services.enqueue(mail("ana@example.org", "test:1"))
    services.enqueue(mail("bea@example.org", "test:2"), send_after=timezone.now() + timedelta(days=60))
    pump.drain(Channel.EMAIL)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert retention.Purged("messaging.sent-messages", 1) in retention.purge()

    assert list(Message.objects.values_list("idempotency_key", flat=True)) == ["test:2"]  # still waiting: kept


@pytest.mark.django_db(transaction=True)
def test_a_sending_loop_keeps_its_database_connection_from_one_full_batch_to_the_next(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.enqueue_many([mail(f"n{n}@example.org", f"test:{n}") for n in range(6)])
    monkeypatch.setattr(pump, "EMAIL_BATCH", 2)
    opened: list[str] = []
    wrapper = type(connections["default"])
    connect = wrapper.get_new_connection

    def counted(self: Any, params: dict[str, Any]) -> Any:
        opened.append(threading.current_thread().name)
        return connect(self, params)

    monkeypatch.setattr(wrapper, "get_new_connection", counted)
    batches: list[tuple[int, int]] = []  # messages handled, connections the loop had opened by then
    stop = threading.Event()
    run_once = pump.run_once

    def noted(sender: pump.Sender) -> int:
        handled = run_once(sender)
        batches.append((handled, opened.count("loop")))
        if not handled:
            stop.set()
        return handled

    monkeypatch.setattr(pump, "run_once", noted)
    loop = threading.Thread(target=pump.run_other_loop, args=(Channel.EMAIL, stop), name="loop")
    loop.start()
    loop.join(timeout=30)

    assert batches[:4] == [(2, 1), (2, 1), (2, 1), (0, 1)]  # one connection for the three; closed once idle
    assert len(smtp.inbox.messages) == 6


def idle_loop(seconds: float) -> tuple[threading.Thread, threading.Event, list[float]]:
    """A sending loop's idle sleep (`pump.wait_for_due`) in a thread of its own, with its own connection."""
    stop = threading.Event()
    took: list[float] = []

    def wait() -> None:
        try:
            started = time.monotonic()
            pump.wait_for_due(Channel.EMAIL, stop, seconds)
            took.append(time.monotonic() - started)
        finally:
            pump.stop_listening()  # as a loop does when it ends (PostgreSQL: its listening connection)
            connection.close()

    thread = threading.Thread(target=wait)
    thread.start()
    return thread, stop, took


@pytest.mark.django_db(transaction=True)
def test_an_idle_loop_wakes_when_another_connection_queues_a_message_due_now() -> None:
    # SQLite: the loop sees another connection commit (PRAGMA data_version); PostgreSQL: it hears the insert's
    # NOTIFY. Before either, it slept its whole time (0.25 s in the worker; here 60).
    services.enqueue(mail("later@example.org", "test:later"), send_after=timezone.now() + timedelta(hours=1))
    thread, stop, took = idle_loop(seconds=60)
    try:
        time.sleep(0.1)  # the loop is asleep
        services.enqueue(mail("now@example.org", "test:now"))  # committed by this connection, not the loop's
        thread.join(timeout=30)
        assert not thread.is_alive(), "the loop slept on with a message due"
    finally:
        stop.set()
        thread.join()
    [slept] = took
    assert slept < 60


@pytest.mark.django_db(transaction=True)
def test_an_idle_loop_sleeps_its_time_when_nothing_due_was_queued_and_wakes_for_stop() -> None:
    thread, stop, took = idle_loop(seconds=0.5)
    time.sleep(0.1)
    services.enqueue(mail("later@example.org", "test:later"), send_after=timezone.now() + timedelta(hours=1))
    thread.join(timeout=30)
    [slept] = took
    assert slept >= 0.5  # a commit with nothing due now does not end the sleep

    thread, stop, took = idle_loop(seconds=60)
    stop.set()
    thread.join(timeout=30)
    [slept] = took
    assert slept < 60


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_together_never_take_the_same_message() -> None:
    services.enqueue_many([mail(f"p{n}@example.org", f"test:{n}") for n in range(200)])

    def claim_until_empty(_: int) -> list[int]:
        taken: list[int] = []
        while batch := pump.claim(Channel.EMAIL, 7)[1]:
            taken += [message.pk for message in batch]
        return taken

    claimed = in_threads(4, claim_until_empty)

    every = [pk for taken in claimed for pk in taken]
    assert len(every) == len(set(every)) == 200
    assert sum(1 for taken in claimed if taken) > 1  # they really worked side by side


def test_a_long_list_unsubscribe_link_reaches_the_mail_server_unfolded(smtp: SmtpServer) -> None:
    link = "https://network.example.org/en/lists/unsubscribe/" + "x" * 120 + "/"
    content = email_content(
        to="ana@example.org",
        subject="Assembly",
        text="See you there.",
        raw_headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    services.enqueue(Outgoing(Channel.EMAIL, "ana@example.org", content, idempotency_key="test:1"))

    pump.drain(Channel.EMAIL)

    [received] = smtp.inbox.to("ana@example.org")
    assert received["List-Unsubscribe"] == f"<{link}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_receipt_finds_its_text_through_the_index() -> None:
    """Each delivery receipt looks its text up by the provider's id: never by reading the whole outbox."""
    with CaptureQueriesContext(connection) as queries:
        services.do_record_delivery("SM123", State.DELIVERED)
    lookup = queries.captured_queries[0]["sql"]  # the first: which messages this receipt is about
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a small table may be read whole: is the index usable?
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + lookup)
        plan = " ".join(str(row) for row in cursor.fetchall())
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_seqscan")
    assert "messaging_sms_provider_id" in plan


@pytest.fixture
def journaled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder of the claims' journals: SQLite's own; on PostgreSQL (none there) one made for the test."""
    where = journal.folder(connection)
    if where is None:
        where = tmp_path / "outbox"
        monkeypatch.setattr(journal, "folder", lambda connection: where)
    return where


def marks_in(queries: CaptureQueriesContext) -> list[int]:
    """How many messages each "sent" statement marked (one statement a group: a provider id WHEN each)."""
    marks = (query["sql"] for query in queries.captured_queries if "provider_id = CASE" in query["sql"])
    return [sql.count(" WHEN ") for sql in marks]


def test_sending_marks_messages_sent_in_groups_and_looks_nothing_up(
    smtp: SmtpServer, journaled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claimed message carries all its sender reads (pump.SENDING_NEEDS); on SQLite its "sent" waits for a group.

    One commit for the 30 here (the group's time is made long); each message is in the
    claim's journal meanwhile, which is gone once the claim is done.
    """
    monkeypatch.setattr(pump.Marks, "GROUP_SECONDS", 60.0)
    services.enqueue_many([mail(f"person{n}@example.org", f"test:{n}") for n in range(30)])

    with CaptureQueriesContext(connection) as queries:
        assert pump.drain(Channel.EMAIL) == 30

    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    claims = [sql for sql in statements if sql.startswith("UPDATE") and "CASE id" not in sql]
    # The claim, then the marks in one commit (and on SQLite the next claim's UPDATE, which found nothing:
    # PostgreSQL reads the due ids before it writes).
    assert (len(claims), marks_in(queries)) == (2 if connection.vendor == "sqlite" else 1, [30])
    assert len(statements) <= 12, statements  # and a few reads: the claims, the addresses
    assert set(Message.objects.values_list("state", flat=True)) == {State.SENT}
    assert journaled.is_dir()
    assert not list(journaled.glob("*.sent"))


def test_a_group_waits_while_another_writer_holds_the_lock_and_is_marked_once_it_can(
    smtp: SmtpServer, journaled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A due group is tried `at_once`; while SQLite is busy the sender goes on, and the group grows."""
    monkeypatch.setattr(pump.Marks, "GROUP_SECONDS", 0.0)  # a group is due after each message
    services.enqueue_many([mail(f"person{n}@example.org", f"test:{n}") for n in range(30)])
    mark_all_sent, tries = services.mark_all_sent, []

    def busy_until_the_end(*args: Any, wait: bool = True, **kwargs: Any) -> int:
        tries.append(wait)
        if not wait:
            raise Busy
        return mark_all_sent(*args, wait=wait, **kwargs)

    monkeypatch.setattr(services, "mark_all_sent", busy_until_the_end)
    with CaptureQueriesContext(connection) as queries:
        assert pump.drain(Channel.EMAIL) == 30

    assert tries == [False] * 30 + [True]  # every message tried, the claim's end waited
    assert marks_in(queries) == [30]
    assert set(Message.objects.values_list("state", flat=True)) == {State.SENT}


def test_without_a_journal_each_message_is_marked_sent_on_its_own(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's case (no journal: its processes may not share a disk), and a message whose handler waits."""
    monkeypatch.setattr(journal, "folder", lambda connection: None)
    services.enqueue_many([mail(f"person{n}@example.org", f"test:{n}") for n in range(5)])

    with CaptureQueriesContext(connection) as queries:
        assert pump.drain(Channel.EMAIL) == 5

    assert marks_in(queries) == [1] * 5


def test_addresses_are_indexed_as_stored_and_a_number_is_put_in_e164_before() -> None:
    """normalise_address only trims and lower-cases (its docstring says so); services.normalise parses numbers."""
    assert normalise_address("  Ana@Example.ORG ") == "ana@example.org"
    assert normalise_address("(919) 555-0142") == "(919) 555-0142"  # not parsed here
    assert services.normalise(Channel.SMS, "(919) 555-0142") == "+19195550142"
    assert normalise_address(services.normalise(Channel.SMS, "(919) 555-0142")) == "+19195550142"

    services.enqueue(Outgoing(Channel.SMS, "(919) 555-0142", {"text": "Assembly"}, idempotency_key="test:e164"))

    assert Message.objects.get(idempotency_key="test:e164").to == "+19195550142"


def test_a_batch_report_counts_its_messages_by_channel_state_and_reason() -> None:
    services.do_opt_out(Channel.EMAIL, "gone@example.org")
    services.enqueue_many(
        [
            Outgoing(Channel.EMAIL, "ana@example.org", {"mime": "x"}, "b:1", batch="lists.broadcast:1"),
            Outgoing(Channel.EMAIL, "bo@example.org", {"mime": "x"}, "b:2", batch="lists.broadcast:1"),
            Outgoing(Channel.EMAIL, "gone@example.org", {"mime": "x"}, "b:3", batch="lists.broadcast:1"),
            Outgoing(Channel.SMS, "+19195550142", {"text": "x"}, "b:4", batch="lists.broadcast:1"),
            Outgoing(Channel.SMS, "+19195550143", {"text": "x"}, "other", batch="lists.broadcast:2"),
        ]
    )

    assert services.batch_report("lists.broadcast:1") == [
        services.BatchRow(Channel.EMAIL, State.CANCELLED, "opted_out", 1),
        services.BatchRow(Channel.EMAIL, State.QUEUED, "", 2),
        services.BatchRow(Channel.SMS, State.QUEUED, "", 1),
    ]
    assert services.batch_report("nothing") == []
