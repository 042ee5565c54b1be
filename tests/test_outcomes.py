"""The outbox tells the part that sent a message what became of it: a handler called once, and `fate(uuid)`."""

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from solidarity.core import schedule
from solidarity.messaging import outcomes, pump, services, tasks
from solidarity.messaging.mail import email_content
from solidarity.messaging.models import Channel, Message, State
from solidarity.messaging.outcomes import OUTCOME_HANDLERS, Fate, fate
from solidarity.messaging.priority import Priority
from solidarity.messaging.services import Outgoing
from solidarity.messaging.sms.loopback import provider_id_for

pytestmark = pytest.mark.django_db

RESPONDER = "+19195550188"  # 555-01xx: fictional
ALERT = "tests.alert"
Commits = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def told() -> Iterator[list[Fate]]:
    """A handler registered as a higher part would at start-up; what it was told, in order."""
    heard: list[Fate] = []
    OUTCOME_HANDLERS.register(ALERT, heard.append)
    yield heard
    OUTCOME_HANDLERS.unregister(ALERT)


def alert(to: str = RESPONDER, key: str = "tests.alert:1", **extra: Any) -> Outgoing:
    reference = f"{uuid4()}:{uuid4()}"  # the alert's and the responder's ids
    channel = Channel.EMAIL if "@" in to else Channel.SMS
    content = (
        email_content(to=to, subject="Alert", text="Raid reported on Elm St.")
        if channel == Channel.EMAIL
        else {"text": "ALERT 4821: raid reported on Elm St. Text GO 4821 or NO 4821."}
    )
    values: dict[str, Any] = {"priority": Priority.ALERT, "on_outcome": ALERT, "reference": reference} | extra
    return Outgoing(channel, to, content, idempotency_key=key, **values)


def test_a_text_that_fails_at_its_receipt_is_told_once_and_only_then(
    told: list[Fate], loopback: Path, django_capture_on_commit_callbacks: Commits
) -> None:
    message = services.enqueue(alert())

    with django_capture_on_commit_callbacks(execute=True):
        pump.drain(Channel.SMS)
    assert fate(message.uuid) is not None
    assert told == []  # handed to the provider: a receipt may still say it failed

    with django_capture_on_commit_callbacks(execute=True):
        services.do_record_delivery(provider_id_for(message.idempotency_key), State.FAILED, reason="unreachable")
    with django_capture_on_commit_callbacks(execute=True):
        services.do_record_delivery(provider_id_for(message.idempotency_key), State.FAILED, reason="unreachable")
    outcomes.tell()  # the sweep finds nothing left to tell

    [heard] = told
    assert (heard.uuid, heard.channel, heard.state, heard.reason) == (
        message.uuid,
        Channel.SMS,
        State.FAILED,
        "unreachable",
    )
    assert heard.reference == message.outcome_reference
    assert heard == fate(message.uuid)


def test_a_delivered_text_is_told_delivered(
    told: list[Fate], loopback: Path, django_capture_on_commit_callbacks: Commits
) -> None:
    message = services.enqueue(alert())
    pump.drain(Channel.SMS)

    with django_capture_on_commit_callbacks(execute=True):
        services.do_record_delivery(provider_id_for(message.idempotency_key), State.DELIVERED)

    assert [(heard.state, heard.reason) for heard in told] == [(State.DELIVERED, "")]


def test_an_email_is_told_when_the_mail_server_took_it(
    told: list[Fate], django_capture_on_commit_callbacks: Commits
) -> None:
    message = services.enqueue(alert("medic@example.org"))

    with django_capture_on_commit_callbacks(execute=True):
        pump.drain(Channel.EMAIL)
        pump.drain(Channel.EMAIL)

    [heard] = told
    assert (heard.uuid, heard.channel, heard.state) == (message.uuid, Channel.EMAIL, State.SENT)


def test_an_alert_to_an_opted_out_number_is_told_at_once(
    told: list[Fate], django_capture_on_commit_callbacks: Commits
) -> None:
    services.do_opt_out(Channel.SMS, RESPONDER)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(alert())

    assert [(heard.uuid, heard.state, heard.reason) for heard in told] == [(message.uuid, State.CANCELLED, "opted_out")]


def test_a_cancelled_alert_and_one_cancelled_by_an_opt_out_are_told(
    told: list[Fate], django_capture_on_commit_callbacks: Commits
) -> None:
    first = services.enqueue(alert(key="tests.alert:1"))
    second = services.enqueue(alert(key="tests.alert:2"))

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(first.idempotency_key)
        services.do_opt_out(Channel.SMS, RESPONDER)

    assert {(heard.uuid, heard.reason) for heard in told} == {(first.uuid, "cancelled"), (second.uuid, "opted_out")}


def test_a_message_that_stalls_its_worker_to_death_is_told_dead(
    told: list[Fate], django_capture_on_commit_callbacks: Commits
) -> None:
    message = services.enqueue(alert("medic@example.org"))
    start = timezone.now()
    for round_ in range(services.MAX_STALLS):
        with time_machine.travel(start + round_ * 2 * pump.lease(), tick=False):
            pump.claim(Channel.EMAIL, 10)
        with (
            time_machine.travel(start + (round_ * 2 + 1) * pump.lease() + timedelta(seconds=1), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.rescue_stalled()

    assert [(heard.uuid, heard.state, heard.reason) for heard in told] == [(message.uuid, State.DEAD, "stalled")]


def test_a_handler_that_raises_is_undone_and_called_again_by_the_sweep(
    caplog: pytest.LogCaptureFixture, loopback: Path, django_capture_on_commit_callbacks: Commits
) -> None:
    calls: list[Fate] = []

    def flaky(outcome: Fate) -> None:
        calls.append(outcome)
        services.enqueue(Outgoing(Channel.SMS, "+19195550189", {"text": "Can you go?"}, f"next:{len(calls)}"))
        if len(calls) == 1:
            raise IntegrityError("a bug in the caller")

    OUTCOME_HANDLERS.register("tests.flaky", flaky)
    try:
        message = services.enqueue(alert(on_outcome="tests.flaky"))
        with django_capture_on_commit_callbacks(execute=True):
            services.cancel(message.idempotency_key)
        assert not Message.objects.filter(idempotency_key="next:1").exists()  # the failed call's work is undone
        assert "IntegrityError" in caplog.text
        assert str(message.uuid) in caplog.text

        tasks.tell_outcomes.call()  # the periodic sweep
        tasks.tell_outcomes.call()
    finally:
        OUTCOME_HANDLERS.unregister("tests.flaky")

    assert [outcome.state for outcome in calls] == [State.CANCELLED, State.CANCELLED]
    assert Message.objects.filter(idempotency_key="next:2").exists()
    assert "messaging.tell-outcomes" in [job.name for job in schedule.jobs()]


def test_a_handler_that_always_raises_is_given_up_after_a_few_tries(
    caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Commits
) -> None:
    calls: list[Fate] = []

    def broken(outcome: Fate) -> None:
        calls.append(outcome)
        raise RuntimeError("always")

    OUTCOME_HANDLERS.register("tests.broken", broken)
    try:
        message = services.enqueue(alert(on_outcome="tests.broken"))
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            services.cancel(message.idempotency_key)
        for _ in range(outcomes.MAX_TRIES + 2):
            outcomes.tell()
    finally:
        OUTCOME_HANDLERS.unregister("tests.broken")

    assert len(calls) == outcomes.MAX_TRIES
    assert "given up" in caplog.text


def test_an_unknown_handler_or_a_reference_with_personal_data_is_refused_at_once(told: list[Fate]) -> None:
    with pytest.raises(ValueError, match="no outcome handler"):
        alert(on_outcome="tests.nobody")
    with pytest.raises(ValueError, match="ids only"):
        alert(reference="ana@example.org")
    with pytest.raises(ValueError, match="ids only"):
        alert(reference="Ana Pérez")
    assert not Message.objects.exists()


def test_fate_says_what_became_of_a_message_by_its_uuid(loopback: Path) -> None:
    message = services.enqueue(Outgoing(Channel.SMS, RESPONDER, {"text": "Assembly"}, "tests:fate"))
    assert fate(message.uuid) == Fate(message.uuid, Channel.SMS, State.QUEUED, "", message.updated_at, "")

    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        pump.drain(Channel.SMS)
        sent_at = timezone.now()

    found = fate(str(message.uuid))
    assert found is not None
    assert (found.state, found.at, found.is_settled) == (State.SENT, sent_at, False)
    assert fate(uuid4()) is None


def test_priorities_are_an_enum_and_a_bare_number_that_is_no_lane_is_refused() -> None:
    careless: Any = 0  # what a caller that ignores the types passes
    assert Outgoing(Channel.SMS, RESPONDER, {"text": "x"}, "k", priority=careless).priority is Priority.ALERT
    with pytest.raises(ValueError, match="7"):
        Outgoing(Channel.SMS, RESPONDER, {"text": "x"}, "k", priority=careless + 7)
    assert [str(lane.label) for lane in Priority] == ["Alert", "Direct message", "Announcement"]


def test_the_sweep_reads_only_untold_outcomes_through_their_index() -> None:
    """Every minute the sweep looks for outcomes left untold: never by reading the whole outbox."""
    with CaptureQueriesContext(connection) as queries:
        outcomes.tell()
    [lookup] = [query["sql"] for query in queries.captured_queries]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a small table may be read whole: is the index usable?
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + lookup)
        plan = " ".join(str(row) for row in cursor.fetchall())
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_seqscan")
    assert "messaging_outcome_untold" in plan
