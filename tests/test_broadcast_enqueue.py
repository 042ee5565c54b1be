"""A big broadcast is queued by a job in committed chunks: the send returns at once, and the job resumes.

The chunk is made small (3 subscriptions) so a handful of subscribers spans several chunks. Jobs run
at once in tests (the immediate backend), once the sending transaction commits.
"""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.lists import broadcasts
from solidarity.lists.broadcasts import (
    do_cancel_broadcast,
    do_enqueue_broadcast,
    do_resume_broadcasts,
    do_send_broadcast,
    do_settle_broadcast,
)
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState
from solidarity.lists.reports import broadcast_report
from solidarity.lists.subscriptions import do_unsubscribe
from solidarity.lists.tasks import resume_broadcasts
from solidarity.messaging import services
from solidarity.messaging.models import Channel, Message, State
from solidarity.messaging.priority import Priority
from tests.factories.accounts import client_for
from tests.factories.lists import draft, make_list, subscriber
from tests.factories.messaging import deliver, use_loopback

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
CHUNK = 3

Capture = Callable[..., Any]
REAL_OUTGOING = broadcasts.outgoing


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broadcasts, "CHUNK", CHUNK)
    monkeypatch.setattr(broadcasts, "INLINE_LIMIT", CHUNK)


@pytest.fixture
def loopback(settings: Settings, tmp_path: Path) -> Path:
    return use_loopback(settings, tmp_path / "sms-outbox.jsonl", "token", per_minute=60)


@pytest.fixture
def east(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(medics, coordinator, "east-durham")


@pytest.fixture
def west(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(medics, coordinator, "west-durham")


EAST = [f"east{n}@example.org" for n in range(7)]
PHONES = ["+19195550101", "+19195550102"]


@pytest.fixture
def audience(east: AnnouncementList, west: AnnouncementList) -> dict[str, Any]:
    """Seven emails and two phones on East, then West with two of East's emails and a phone again, and one of its own:
    13 subscriptions, five chunks, ten people to reach (one on both lists by email and by phone)."""
    made = [subscriber(east, Channel.EMAIL, address) for address in EAST]
    made += [subscriber(east, Channel.SMS, phone) for phone in PHONES]
    made += [subscriber(west, Channel.EMAIL, address) for address in (EAST[0], EAST[5], "wren@example.org")]
    made.append(subscriber(west, Channel.SMS, PHONES[1]))
    expected = {(Channel.EMAIL, address) for address in [*EAST, "wren@example.org"]}
    expected |= {(Channel.SMS, phone) for phone in PHONES}
    return {"subscriptions": made, "expected": expected}


def messages(broadcast: Broadcast) -> Counter[tuple[str, str]]:
    return Counter((row.channel, str(row.to)) for row in Message.objects.filter(batch=broadcast.batch))


def crash_after(monkeypatch: pytest.MonkeyPatch, built: int) -> None:
    """The job dies (as a killed worker would) while building the message after the first `built`."""
    real = broadcasts.outgoing
    count = {"n": 0}

    def dying(*args: Any) -> Any:
        count["n"] += 1
        if count["n"] > built:
            raise SystemExit("killed")
        return real(*args)

    monkeypatch.setattr(broadcasts, "outgoing", dying)


def sent_in_background(
    broadcast: Broadcast, coordinator: User, capture: Capture, monkeypatch: pytest.MonkeyPatch, built: int
) -> None:
    """Sent, and its job killed after building `built` messages; then the job's code is whole again."""
    crash_after(monkeypatch, built)
    with capture(execute=True):  # the immediate backend logs the job's death, as a worker would
        do_send_broadcast(broadcast, by=coordinator)
    monkeypatch.setattr(broadcasts, "outgoing", REAL_OUTGOING)
    broadcast.refresh_from_db()


@pytest.fixture
def resume(django_capture_on_commit_callbacks: Capture) -> Callable[[], int]:
    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return do_resume_broadcasts(timezone.now() + broadcasts.STALLED_AFTER + timedelta(seconds=1))

    return run


def test_sending_a_big_broadcast_returns_before_anything_is_queued_and_the_job_queues_it_in_chunks(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    loopback: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])

    with django_capture_on_commit_callbacks() as callbacks:
        assert do_send_broadcast(broadcast, by=coordinator) == 0

    # The request is done: the broadcast is claimed, nothing is queued yet, and a job waits to run.
    assert (broadcast.state, broadcast.enqueuing, broadcast.enqueue_total, broadcast.enqueue_done) == (
        BroadcastState.SENDING,
        True,
        13,
        0,
    )
    assert not Message.objects.filter(batch=broadcast.batch).exists()
    assert len(callbacks) == 1
    assert not do_settle_broadcast(broadcast)  # nothing waits in the outbox, yet it is not done
    callbacks[0]()  # the job

    broadcast.refresh_from_db()
    sent = messages(broadcast)
    assert set(sent) == audience["expected"]
    assert set(sent.values()) == {1}  # one each, though two are on both lists
    assert (broadcast.recipients, broadcast.enqueuing, broadcast.enqueue_done) == (10, False, 13)
    assert broadcast.enqueue_cursor == audience["subscriptions"][-1].pk
    assert broadcast.enqueue_runner is None
    keys = Message.objects.filter(batch=broadcast.batch).values_list("idempotency_key", flat=True)
    by_pk = {item.pk: item for item in audience["subscriptions"]}
    assert all(key.startswith(f"{broadcast.batch}:") and "@" not in key and "+1" not in key for key in keys)
    assert {key.split(":")[2] for key in keys} <= {str(item.uuid) for item in by_pk.values()}
    [queued] = AuditEntry.objects.filter(object_type="lists.broadcast", detail__state="queued")
    assert (queued.actor, queued.detail["messages"]) == ("worker", 10)

    deliver()
    assert Message.objects.filter(batch=broadcast.batch, state=State.SENT).count() == 8  # the texts wait for SMS
    Message.objects.filter(batch=broadcast.batch, channel=Channel.SMS).update(state=State.SENT)
    assert do_settle_broadcast(broadcast)
    assert broadcast.state == BroadcastState.SENT


def test_the_job_leaves_opted_out_and_failed_addresses_to_the_sender_which_cancels_them_with_the_reason(
    medics: WorkingGroup,
    east: AnnouncementList,
    coordinator: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    for address in EAST:
        subscriber(east, Channel.EMAIL, address)
    services.do_opt_out(Channel.EMAIL, EAST[1])
    services.do_mark_address_failure(Channel.EMAIL, EAST[4], "bounced")
    broadcast = draft(medics, [east], coordinator, [Channel.EMAIL])

    with django_capture_on_commit_callbacks(execute=True):
        do_send_broadcast(broadcast, by=coordinator)

    # The job does not read the addresses (the sender does, before each message): all seven wait.
    queued = Message.objects.filter(batch=broadcast.batch)
    assert (queued.count(), queued.filter(state=State.QUEUED).count()) == (7, 7)
    sent = {address for email in deliver() for address in email.to}
    assert sent == set(EAST) - {EAST[1], EAST[4]}
    cancelled = {str(row.to): row.reason for row in queued.filter(state=State.CANCELLED)}
    assert cancelled == {EAST[1]: "opted_out", EAST[4]: "bounced"}
    report = broadcast_report(broadcast)
    assert (report.progress.sent, report.progress.cancelled) == (5, 2)
    assert sorted((reason.slug, reason.count) for reason in report.reasons) == [("bounced", 1), ("opted_out", 1)]


def test_without_an_sms_service_the_job_queues_no_text(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    settings: Settings,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.SMS_BACKENDS = []
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])

    with django_capture_on_commit_callbacks(execute=True):
        do_send_broadcast(broadcast, by=coordinator)

    broadcast.refresh_from_db()
    assert set(messages(broadcast)) == {item for item in audience["expected"] if item[0] == Channel.EMAIL}
    assert (broadcast.enqueue_total, broadcast.recipients) == (10, 8)


def test_a_scheduled_big_broadcast_is_queued_now_to_leave_at_its_time_and_an_unsubscribe_cancels(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    loopback: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])
    later = timezone.now() + timedelta(hours=3)
    Broadcast.objects.filter(pk=broadcast.pk).update(scheduled_for=later)
    broadcast.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        do_send_broadcast(broadcast, by=coordinator)
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.SCHEDULED
    assert not broadcast.enqueuing
    assert set(Message.objects.filter(batch=broadcast.batch).values_list("next_attempt_at", flat=True)) == {later}
    deliver()
    assert set(Message.objects.filter(batch=broadcast.batch).values_list("state", flat=True)) == {State.QUEUED}

    do_unsubscribe(audience["subscriptions"][1])  # east1@
    assert Message.objects.get(batch=broadcast.batch, state=State.CANCELLED).to == EAST[1]


def test_cancelling_mid_enqueue_stops_what_is_queued_and_the_rest(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    loopback: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
    resume: Callable[[], int],
) -> None:
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])
    sent_in_background(broadcast, coordinator, django_capture_on_commit_callbacks, monkeypatch, built=4)
    assert broadcast.enqueuing
    assert broadcast.enqueue_done == CHUNK
    assert Message.objects.filter(batch=broadcast.batch, state=State.QUEUED).count() == CHUNK

    assert do_cancel_broadcast(broadcast, by=coordinator) == CHUNK

    assert not broadcast.enqueuing
    assert resume() == 0  # nothing to resume: a cancelled broadcast queues no more
    runner = Broadcast.objects.get(pk=broadcast.pk).enqueue_runner
    assert runner is not None
    assert do_enqueue_broadcast(broadcast.uuid, runner) == 0  # a run still going stops at its next chunk
    deliver()
    assert set(Message.objects.filter(batch=broadcast.batch).values_list("state", flat=True)) == {State.CANCELLED}


def test_a_killed_enqueue_is_resumed_from_its_cursor_and_a_person_on_two_lists_still_gets_one(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    loopback: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
    resume: Callable[[], int],
) -> None:
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])
    sent_in_background(broadcast, coordinator, django_capture_on_commit_callbacks, monkeypatch, built=7)
    assert broadcast.enqueuing
    assert broadcast.enqueue_done == 2 * CHUNK
    old_runner = broadcast.enqueue_runner
    do_unsubscribe(audience["subscriptions"][7])  # +19195550101, not reached yet: never queued

    assert do_resume_broadcasts() == 0  # its heartbeat is fresh: it may still be running
    assert resume() == 1

    broadcast.refresh_from_db()
    sent = messages(broadcast)
    assert set(sent) == audience["expected"] - {(Channel.SMS, PHONES[0])}
    assert set(sent.values()) == {1}  # east0@ was queued before the kill, and not again for West
    assert (broadcast.recipients, broadcast.enqueuing, broadcast.enqueue_done) == (9, False, 12)
    assert old_runner is not None
    assert do_enqueue_broadcast(broadcast.uuid, old_runner) == 0


def test_a_run_replaced_meanwhile_cannot_move_the_cursor(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    loopback: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])
    with django_capture_on_commit_callbacks() as callbacks:
        do_send_broadcast(broadcast, by=coordinator)
    first = Broadcast.objects.get(pk=broadcast.pk).enqueue_runner
    assert first is not None

    with django_capture_on_commit_callbacks() as taken:  # the worker looked dead: another run takes over
        assert do_resume_broadcasts(timezone.now() + timedelta(minutes=5)) == 1

    assert do_enqueue_broadcast(broadcast.uuid, first) == 0
    callbacks[0]()  # the first run's job, late: it finds itself replaced
    assert not Message.objects.filter(batch=broadcast.batch).exists()
    taken[0]()
    assert set(messages(broadcast).values()) == {1}
    assert len(messages(broadcast)) == 10


@pytest.mark.parametrize(
    ("priority", "inline"),
    [
        (Priority.ALERT, False),  # however big: its corrections go to `sent_to`, whole when it is sent
        (Priority.ANNOUNCEMENT, True),  # an action's update, a campaign's invitation: they say whom they reached
    ],
)
def test_an_alert_or_a_broadcast_sent_inline_is_queued_whole_in_the_request(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    loopback: Path,
    django_capture_on_commit_callbacks: Capture,
    priority: int,
    inline: bool,
) -> None:
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])
    Broadcast.objects.filter(pk=broadcast.pk).update(priority=priority)
    broadcast.refresh_from_db()

    with django_capture_on_commit_callbacks() as callbacks:
        assert do_send_broadcast(broadcast, by=coordinator, inline=inline) == 10

    assert not [callback for callback in callbacks if getattr(callback, "func", None) is broadcasts.start_enqueue]
    assert (broadcast.enqueuing, broadcast.recipients) == (False, 10)
    assert len(broadcast.sent_to) == (10 if priority == Priority.ALERT else 0)  # what an alert's corrections reach
    assert len(messages(broadcast)) == 10


def test_the_resume_job_runs_every_30_seconds(db: None) -> None:
    from solidarity.core import schedule

    [job] = [job for job in schedule.jobs() if job.name == "lists.resume-broadcasts"]
    assert (job.task, job.every) == (resume_broadcasts, timedelta(seconds=30))


def page(client: Client, broadcast: Broadcast, language: str = "en") -> str:
    response = client.get(f"/{language}/groups/{MEDICS}/broadcasts/{broadcast.uuid}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_and_the_api_show_the_enqueue_then_the_send_out_in_both_languages(
    medics: WorkingGroup,
    east: AnnouncementList,
    west: AnnouncementList,
    coordinator: User,
    audience: dict[str, Any],
    loopback: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
    resume: Callable[[], int],
) -> None:
    broadcast = draft(medics, [east, west], coordinator, [Channel.EMAIL, Channel.SMS])
    sent_in_background(broadcast, coordinator, django_capture_on_commit_callbacks, monkeypatch, built=4)
    client = client_for(coordinator)

    shown = page(client, broadcast)
    assert "Queuing the messages: 3 of 13 subscriptions done." in shown
    assert 'id="enqueue-bar" max="13" value="3"' in shown
    assert "data-stream=" in shown  # live while it is queued
    assert "Poniendo los mensajes en la cola: 3 de 13 suscripciones hechas." in page(client, broadcast, "es")
    api = client.get(f"/api/v1/broadcasts/{broadcast.uuid}").json()
    assert api["queuing"] == {"done": 3, "total": 13, "percent": 23}
    # What is queued so far has left, most of the audience is still to be queued: far from done.
    Message.objects.filter(batch=broadcast.batch).update(state=State.SENT)
    progress = client.get(f"/api/v1/broadcasts/{broadcast.uuid}").json()["progress"]
    assert (progress["queued"], progress["done"], progress["percent"]) == (0, 3, 23)

    resume()
    shown = page(client, broadcast)
    assert "Queuing the messages" not in shown
    assert "3 of 10 messages have left the queue." in shown
    assert client.get(f"/api/v1/broadcasts/{broadcast.uuid}").json()["queuing"] is None


def test_the_outbox_says_which_addresses_a_batch_holds(db: None) -> None:
    services.enqueue_many(
        [
            services.Outgoing(Channel.EMAIL, "Ana@Example.org", {"text": "hi"}, idempotency_key="t:1", batch="t"),
            services.Outgoing(Channel.SMS, "+19195550101", {"text": "hi"}, idempotency_key="t:2", batch="t"),
            services.Outgoing(Channel.SMS, "+19195550102", {"text": "hi"}, idempotency_key="u:1", batch="u"),
        ]
    )

    assert services.batch_addresses("t") == {(Channel.EMAIL, "ana@example.org"), (Channel.SMS, "+19195550101")}
