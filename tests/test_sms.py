"""SMS end to end: webhooks in, keywords routed, replies and messages out through the outbox, failover."""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from solidarity.core import keyring
from solidarity.messaging import keywords, pump, results, services, sms_sender
from solidarity.messaging.inbound import do_open_sealed
from solidarity.messaging.keywords import Command, Handled, InboundContext, Outcome, Parsed, Reply
from solidarity.messaging.models import Channel, Gateway, Inbound, InboundState, Message, State
from solidarity.messaging.priority import Priority
from solidarity.messaging.sms.android import AndroidGatewayBackend
from solidarity.messaging.sms.twilio import TwilioBackend
from solidarity.messaging.sms_sender import SmsSender
from tests.factories.core import OPERATOR_PASSPHRASE
from tests.factories.messaging import NEIGHBOUR, gateway_signature, text_in, texts_out

pytestmark = pytest.mark.django_db


def test_help_in_spanish_is_answered_in_spanish(client: Client, loopback: Path) -> None:
    assert text_in(client, "ayuda") == 200

    [sent] = texts_out(loopback)
    assert sent["to"] == NEIGHBOUR
    assert "REPORTE" in sent["body"]
    assert "ALTO" in sent["body"]
    assert Inbound.objects.get().command == Command.HELP


def test_a_text_without_keyword_goes_to_the_inbox_with_one_calm_reply(client: Client, loopback: Path) -> None:
    text_in(client, "ICE at my door on Elm St")

    inbound = Inbound.objects.get()
    assert (inbound.state, inbound.body) == (InboundState.UNMATCHED, "ICE at my door on Elm St")
    [sent] = texts_out(loopback)
    assert "a person will read it" in sent["body"]


def test_automatic_replies_to_one_number_are_limited(client: Client, loopback: Path) -> None:
    for n in range(9):
        text_in(client, f"robot says {n}")

    assert Inbound.objects.filter(state=InboundState.UNMATCHED).count() == 9  # every message is kept
    assert len(texts_out(loopback)) == 6  # messaging.inbound.AUTO_REPLIES: six an hour


def test_stop_opts_out_of_everything_confirmed_once(client: Client, loopback: Path) -> None:
    waiting = services.enqueue(
        services.Outgoing(Channel.SMS, "(919) 555-0142", {"text": "Assembly Thursday"}, idempotency_key="news:1")
    )

    text_in(client, "Stop.")
    text_in(client, "ALTO")

    waiting.refresh_from_db()
    assert (waiting.state, waiting.reason) == (State.CANCELLED, "opted_out")
    [confirmation] = texts_out(loopback)
    assert "START" in confirmation["body"]
    later = services.enqueue(
        services.Outgoing(Channel.SMS, NEIGHBOUR, {"text": "Assembly Friday"}, idempotency_key="news:2")
    )
    assert later.state == State.CANCELLED

    text_in(client, "iniciar")
    assert (
        services.enqueue(
            services.Outgoing(Channel.SMS, NEIGHBOUR, {"text": "Assembly Saturday"}, idempotency_key="news:3")
        ).state
        == State.QUEUED
    )


def test_a_registered_handler_gets_its_command(client: Client, loopback: Path) -> None:
    seen: list[tuple[InboundContext, Parsed]] = []

    def answer(context: InboundContext, parsed: Parsed) -> Outcome:
        seen.append((context, parsed))
        return Handled(Reply("Gracias, te esperamos."))

    before = keywords.HANDLERS.get(Command.GO)  # the incidents part's: put back after, or GO goes unanswered
    keywords.HANDLERS.register(Command.GO, answer, replace=True)
    try:
        text_in(client, "¡Voy! ab12")
    finally:
        keywords.HANDLERS.unregister(Command.GO)
        if before is not None:
            keywords.HANDLERS.register(Command.GO, before)

    [(context, parsed)] = seen
    assert (context.sender, context.language, parsed.argument) == (NEIGHBOUR, "es", "AB12")
    assert [sent["body"] for sent in texts_out(loopback)] == ["Gracias, te esperamos."]


def test_an_unhandled_command_goes_to_the_inbox(client: Client, loopback: Path) -> None:
    text_in(client, "GO AB12")  # nothing registered GO in this test

    assert Inbound.objects.get().state == InboundState.UNMATCHED


def test_a_retried_webhook_keeps_one_message(client: Client, loopback: Path) -> None:
    text_in(client, "hola", sid="SM123")
    text_in(client, "hola", sid="SM123")

    assert Inbound.objects.count() == 1


def test_a_wrong_token_is_refused_and_keeps_nothing(client: Client, loopback: Path) -> None:
    assert text_in(client, "hola", token="guess") == 403
    assert not Inbound.objects.exists()


def test_the_loopback_webhook_does_not_exist_unless_configured(client: Client, settings: Settings) -> None:
    settings.SMS_BACKENDS = []
    assert text_in(client, "hola") == 404


@pytest.mark.usefixtures("own_home")
def test_a_text_received_while_locked_is_sealed_then_routed_on_unlock(client: Client, loopback: Path) -> None:
    keyring.seal(OPERATOR_PASSPHRASE)
    keyring.lock()
    try:
        assert text_in(client, "ayuda") == 200
        inbound = Inbound.objects.get()
        assert inbound.state == InboundState.SEALED
        assert not inbound.sender
        assert "ayuda" not in inbound.sealed
    finally:
        keyring.unlock(OPERATOR_PASSPHRASE)

    assert do_open_sealed() == 1
    inbound.refresh_from_db()
    assert (inbound.state, inbound.sender, inbound.command) == (InboundState.UNMATCHED, NEIGHBOUR, Command.HELP)
    assert len(texts_out(loopback)) == 1


# Phones: spread, throttled, failover when one is down.

SIGNING_KEY = "phone-signing-key"


def phone(name: str, handler: Any) -> AndroidGatewayBackend:
    return AndroidGatewayBackend(
        f"android:{name}",
        f"http://{name}.lan:8080",
        "sms",
        "secret",
        signing_key=SIGNING_KEY,
        per_minute=6000,
        transport=httpx.MockTransport(handler),
    )


def accepting(log: list[str]) -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        log.append(sent["phoneNumbers"][0])
        return httpx.Response(202, json={"id": sent["id"], "state": "Pending"})

    return handle


def refusing(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("phone off", request=request)


def queue_texts(count: int, *, priority: Priority = Priority.ANNOUNCEMENT, start: int = 0) -> None:
    services.enqueue_many(
        [
            services.Outgoing(Channel.SMS, f"+1919555{n:04d}", {"text": "Assembly"}, f"t:{n}", priority=priority)
            for n in range(start, start + count)
        ]
    )


def test_texts_are_spread_across_phones() -> None:
    kitchen: list[str] = []
    hall: list[str] = []
    queue_texts(20)

    pump.drain(Channel.SMS, SmsSender([phone("kitchen", accepting(kitchen)), phone("hall", accepting(hall))]))

    assert len(kitchen) + len(hall) == 20
    assert abs(len(kitchen) - len(hall)) <= 1
    assert Message.objects.filter(state=State.SENT).count() == 20


def test_a_phone_that_fails_hands_its_texts_to_the_next_backend() -> None:
    reached: list[str] = []
    queue_texts(10)

    pump.drain(Channel.SMS, SmsSender([phone("kitchen", refusing), phone("hall", accepting(reached))]))

    assert len(reached) == 10
    assert Message.objects.filter(state=State.SENT, backend="android:hall").count() == 10
    kitchen = Gateway.objects.get(name="android:kitchen")
    assert kitchen.down_since is not None


def test_a_lone_backend_that_is_down_keeps_the_texts_waiting() -> None:
    queue_texts(3)

    with pytest.raises(results.Unreachable):
        pump.drain(Channel.SMS, SmsSender([phone("kitchen", refusing)]))

    assert set(Message.objects.values_list("state", flat=True)) == {State.QUEUED}


class Switch:
    """A provider at the transport seam that is down until switched back on; counts what reached it."""

    def __init__(self) -> None:
        self.is_up = False
        self.reached: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.is_up:
            raise httpx.ConnectError("no route to the provider", request=request)
        self.reached.append(request.url.path)
        return httpx.Response(201, json={"sid": f"SM{len(self.reached):032x}", "status": "queued"})


def twilio(switch: Switch) -> TwilioBackend:
    """Twilio, which never pings: only a text it accepts can say it is back."""
    return TwilioBackend(
        "AC" + "0" * 32,
        "token-not-real",
        sender="+15555550100",
        webhook_url="https://red.example.org/webhooks/sms/twilio/",
        per_minute=6000,
        transport=httpx.MockTransport(switch),
    )


def test_a_provider_that_comes_back_after_an_outage_gets_texts_again_within_its_retry_interval(
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    time_machine.move_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC), tick=False)
    provider, phones = Switch(), list[str]()
    sender = SmsSender([twilio(provider), phone("kitchen", accepting(phones))])
    queue_texts(5)
    pump.drain(Channel.SMS, sender)  # Twilio fails three times and is down: the phone takes the texts
    assert (len(phones), Gateway.objects.get(name="twilio").down_since is not None) == (5, True)

    provider.is_up = True  # it is back, and says nothing (Twilio never pings)
    queue_texts(3, start=5)
    pump.drain(Channel.SMS, sender)
    assert provider.reached == []  # still within its retry interval: it waits

    time_machine.shift(sms_sender.RETRY_DOWN_AFTER)
    queue_texts(3, start=8)
    pump.drain(Channel.SMS, sender)

    assert len(provider.reached) == 3  # one trial text, then it is back in use for the others
    gateway = Gateway.objects.get(name="twilio")
    assert (gateway.down_since, gateway.failures_in_row) == (None, 0)


def test_a_failed_trial_loses_no_text_and_waits_another_interval(
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    time_machine.move_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC), tick=False)
    provider, phones = Switch(), list[str]()
    sender = SmsSender([twilio(provider), phone("kitchen", accepting(phones))])
    queue_texts(3)
    pump.drain(Channel.SMS, sender)

    time_machine.shift(sms_sender.RETRY_DOWN_AFTER)
    queue_texts(4, start=3)
    pump.drain(Channel.SMS, sender)  # the trial fails: that text goes on to the phone at once

    assert len(phones) == 7
    assert Message.objects.filter(state=State.SENT).count() == 7
    gateway = Gateway.objects.get(name="twilio")
    assert gateway.down_since is not None
    assert gateway.trial_at == timezone.now() + sms_sender.RETRY_DOWN_AFTER


def test_one_trial_per_interval_across_workers(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC), tick=False)
    provider = Switch()
    down = twilio(provider)
    queue_texts(3)
    pump.drain(Channel.SMS, SmsSender([down, phone("kitchen", accepting([]))]))
    time_machine.shift(sms_sender.RETRY_DOWN_AFTER)

    first, second = (SmsSender([down, phone("kitchen", accepting([]))]) for _ in range(2))
    first.open()
    second.open()  # both saw it due

    assert first.candidates()[0].name == "twilio"
    assert "twilio" not in [backend.name for backend in second.candidates()]


def test_a_silent_phone_that_still_sends_is_back_after_its_trial(
    client: Client, settings: Settings, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC), tick=False)
    kitchen_log: list[str] = []
    kitchen = phone("kitchen", accepting(kitchen_log))
    settings.SMS_BACKENDS = [kitchen]
    assert post_event(client, "kitchen", {"event": "system:ping", "id": "p1", "payload": {}}) == 200
    time_machine.shift(sms_sender.PING_SILENCE + timedelta(seconds=1))  # its pings are lost from here on
    sender = SmsSender([kitchen, twilio(Switch())])
    sender.open()
    assert sms_sender.is_down(sender.health["android:kitchen"])

    queue_texts(2)
    pump.drain(Channel.SMS, sender)

    assert len(kitchen_log) == 2
    assert not sms_sender.is_down(Gateway.objects.get(name="android:kitchen"))


def signed(body: dict[str, Any]) -> dict[str, str]:
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()))
    return {"X-Signature": gateway_signature(SIGNING_KEY, raw, timestamp), "X-Timestamp": timestamp}


def post_event(client: Client, name: str, event: dict[str, Any]) -> int:
    return client.post(
        f"/webhooks/sms/android:{name}/", json.dumps(event), content_type="application/json", headers=signed(event)
    ).status_code


def test_a_phone_reports_delivery_and_failures(client: Client, settings: Settings) -> None:
    sent: list[str] = []
    kitchen = phone("kitchen", accepting(sent))
    settings.SMS_BACKENDS = [kitchen]
    queue_texts(2)
    pump.drain(Channel.SMS, SmsSender([kitchen]))
    first, second = Message.objects.order_by("idempotency_key")

    delivered = {"event": "sms:delivered", "id": "e1", "payload": {"messageId": first.provider_id}}
    failed = {
        "event": "sms:failed",
        "id": "e2",
        "payload": {"messageId": second.provider_id, "reason": "Send result: RESULT_ERROR_NO_SERVICE"},
    }
    assert post_event(client, "kitchen", delivered) == 200
    assert post_event(client, "kitchen", failed) == 200

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.DELIVERED
    assert (second.state, second.reason) == (State.FAILED, "phone_no_service")


def test_a_phones_ping_marks_it_alive(client: Client, settings: Settings) -> None:
    settings.SMS_BACKENDS = [phone("kitchen", refusing)]

    assert post_event(client, "kitchen", {"event": "system:ping", "id": "p1", "payload": {}}) == 200
    assert Gateway.objects.get(name="android:kitchen").last_ping_at is not None
    tampered = {"event": "system:ping", "id": "p2", "payload": {}}
    response = client.post(
        "/webhooks/sms/android:kitchen/",
        json.dumps(tampered),
        content_type="application/json",
        headers=signed({"event": "other"}),
    )
    assert response.status_code == 403


def test_a_stranger_writing_in_spanish_is_answered_in_spanish(client: Client, loopback: Path) -> None:
    text_in(client, "La migra está afuera de la iglesia, ayuda por favor")

    [sent] = texts_out(loopback)
    assert "una persona lo va a leer" in sent["body"]
