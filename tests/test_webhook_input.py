"""What a provider's webhook may carry that no provider should: a NUL character in any field.

Run on PostgreSQL too (.ci/run's second pass): PostgreSQL refuses a NUL in text, so a NUL that
reached the database answered 500 there. An id or an address with a NUL is refused with 400 and
nothing is kept; a text's body is kept without it; a field we do not read changes nothing.
"""

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from twilio.request_validator import RequestValidator

from solidarity.messaging import services
from solidarity.messaging.models import Channel, Gateway, Inbound, Message, State
from solidarity.messaging.sms.android import AndroidGatewayBackend
from solidarity.messaging.sms.loopback import LoopbackBackend
from solidarity.messaging.sms.twilio import TwilioBackend
from tests.factories.messaging import LOOPBACK_TOKEN, NEIGHBOUR, gateway_signature

pytestmark = pytest.mark.django_db

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-auth-token-not-real"
TWILIO_HOOK = "https://red.example.org/webhooks/sms/twilio/"
SIGNING_KEY = "phone-signing-key"
OUR_NUMBER = "+15555550100"
SENT_ID = "SM0123456789abcdef0123456789abcdef"


def with_nul(value: str) -> str:
    middle = len(value) // 2
    return value[:middle] + "\x00" + value[middle:]


def nowhere(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no network in tests", request=request)


@pytest.fixture
def backends(settings: Settings, tmp_path: Path) -> None:
    settings.SMS_BACKENDS = [
        LoopbackBackend(tmp_path / "sms-outbox.jsonl", LOOPBACK_TOKEN),
        TwilioBackend(SID, TOKEN, sender=OUR_NUMBER, webhook_url=TWILIO_HOOK, transport=httpx.MockTransport(nowhere)),
        AndroidGatewayBackend(
            "android:kitchen",
            "http://kitchen.lan:8080",
            "sms",
            "secret",
            signing_key=SIGNING_KEY,
            transport=httpx.MockTransport(nowhere),
        ),
    ]


@pytest.fixture
def sent() -> Message:
    """A text the outbox handed to a provider, waiting for its receipt (`sent_through` says which)."""
    message = services.enqueue(services.Outgoing(Channel.SMS, NEIGHBOUR, {"text": "Assembly"}, "edge:1"))
    assert message is not None
    Message.objects.filter(pk=message.pk).update(state=State.SENT, provider_id=SENT_ID)
    return message


def sent_through(message: Message, backend: str) -> None:
    Message.objects.filter(pk=message.pk).update(backend=backend)


def loopback_post(client: Client, fields: dict[str, str]) -> int:
    return client.post(
        "/webhooks/sms/loopback/",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {LOOPBACK_TOKEN}"},
    ).status_code


def twilio_post(client: Client, fields: dict[str, str]) -> int:
    signed = RequestValidator(TOKEN).compute_signature(TWILIO_HOOK, fields)
    return client.post(
        "/webhooks/sms/twilio/",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signed},
    ).status_code


def android_post(client: Client, event: dict[str, Any]) -> int:
    body = json.dumps(event).encode()  # a NUL goes on the wire as \u0000, as the phone's JSON writes it
    timestamp = str(int(time.time()))
    return client.post(
        "/webhooks/sms/android:kitchen/",
        body,
        content_type="application/json",
        headers={"X-Signature": gateway_signature(SIGNING_KEY, body, timestamp), "X-Timestamp": timestamp},
    ).status_code


def nul_in(fields: dict[str, str], name: str) -> dict[str, str]:
    if name == "a field we do not read":
        return {**fields, "Ex\x00tra": with_nul("value")}
    return {**fields, name: with_nul(fields[name])}


def kept() -> list[tuple[str, str]]:
    return [(str(inbound.sender), str(inbound.body)) for inbound in Inbound.objects.all()]


# Loopback -----------------------------------------------------------------------------------------

LOOPBACK_TEXT = {"From": NEIGHBOUR, "Body": "VOY 4821", "MessageSid": "SM9"}


@pytest.mark.parametrize("field", ["MessageSid", "From"])
def test_loopback_text_with_a_nul_in_its_id_or_sender_is_refused(backends: None, client: Client, field: str) -> None:
    assert loopback_post(client, nul_in(LOOPBACK_TEXT, field)) == 400
    assert kept() == []


@pytest.mark.parametrize("field", ["Body", "a field we do not read"])
def test_loopback_text_with_a_nul_elsewhere_is_kept_without_it(backends: None, client: Client, field: str) -> None:
    assert loopback_post(client, nul_in(LOOPBACK_TEXT, field)) == 200
    assert kept() == [(NEIGHBOUR, "VOY 4821")]


# Twilio ---------------------------------------------------------------------------------------------

TWILIO_TEXT = {
    "MessageSid": "SM9",
    "SmsSid": "SM9",
    "SmsMessageSid": "SM9",
    "AccountSid": SID,
    "From": NEIGHBOUR,
    "To": OUR_NUMBER,
    "Body": "VOY 4821",
    "NumMedia": "0",
    "NumSegments": "1",
    "SmsStatus": "received",
    "ApiVersion": "2010-04-01",
}
TWILIO_RECEIPT = {
    "MessageSid": SENT_ID,
    "SmsSid": SENT_ID,
    "MessageStatus": "undelivered",
    "SmsStatus": "undelivered",
    "ErrorCode": "30003",
    "AccountSid": SID,
    "From": OUR_NUMBER,
    "To": NEIGHBOUR,
    "ApiVersion": "2010-04-01",
}


@pytest.mark.parametrize("field", ["MessageSid", "From", "To"])
def test_signed_twilio_text_with_a_nul_in_an_id_or_number_is_refused(
    backends: None, client: Client, field: str
) -> None:
    assert twilio_post(client, nul_in(TWILIO_TEXT, field)) == 400
    assert kept() == []


@pytest.mark.parametrize(
    "field", ["Body", "SmsSid", "SmsMessageSid", "AccountSid", "NumMedia", "ApiVersion", "a field we do not read"]
)
def test_signed_twilio_text_with_a_nul_elsewhere_is_kept_without_it(backends: None, client: Client, field: str) -> None:
    assert twilio_post(client, nul_in(TWILIO_TEXT, field)) == 200
    assert kept() == [(NEIGHBOUR, "VOY 4821")]


def test_signed_twilio_text_with_a_nul_in_its_status_answers_without_an_error(backends: None, client: Client) -> None:
    # "received\0" is no status Twilio has: the request is acknowledged and ignored, as any unknown status.
    assert twilio_post(client, nul_in(TWILIO_TEXT, "SmsStatus")) == 200


@pytest.mark.parametrize("field", ["MessageSid", "ErrorCode"])
def test_twilio_receipt_with_a_nul_in_an_id_or_code_is_refused(
    backends: None, sent: Message, client: Client, field: str
) -> None:
    sent_through(sent, "twilio")
    assert twilio_post(client, nul_in(TWILIO_RECEIPT, field)) == 400
    sent.refresh_from_db()
    assert sent.state == State.SENT


@pytest.mark.parametrize("field", ["SmsSid", "AccountSid", "From", "To", "ApiVersion", "a field we do not read"])
def test_twilio_receipt_with_a_nul_elsewhere_is_recorded(
    backends: None, sent: Message, client: Client, field: str
) -> None:
    sent_through(sent, "twilio")
    assert twilio_post(client, nul_in(TWILIO_RECEIPT, field)) == 200
    sent.refresh_from_db()
    assert sent.state == State.FAILED


@pytest.mark.parametrize("field", ["MessageStatus", "SmsStatus"])
def test_twilio_receipt_with_a_nul_in_its_status_changes_nothing(
    backends: None, sent: Message, client: Client, field: str
) -> None:
    sent_through(sent, "twilio")
    fields = nul_in(TWILIO_RECEIPT, field)
    fields["MessageStatus" if field == "SmsStatus" else "SmsStatus"] = fields[field]

    assert twilio_post(client, fields) == 200
    sent.refresh_from_db()
    assert sent.state == State.SENT


# SMS Gateway for Android ---------------------------------------------------------------------------


def phone_event(kind: str, payload: dict[str, str]) -> dict[str, Any]:
    return {
        "deviceId": "ffffffffceb0b1db0000018e937c815b",
        "event": kind,
        "id": "Ey6ECgOkVVFjz3CL48B8C",
        "payload": payload,
        "webhookId": "hook-1",
    }


def nul_in_event(event: dict[str, Any], field: str) -> dict[str, Any]:
    if field.startswith("payload."):
        name = field.removeprefix("payload.")
        return {**event, "payload": {**event["payload"], name: with_nul(event["payload"][name])}}
    if field == "a field we do not read":
        return {**event, "ex\x00tra": with_nul("value")}
    return {**event, field: with_nul(event[field])}


PHONE_TEXT = phone_event(
    "sms:received",
    {
        "messageId": "b5f5cbe3",
        "message": "VOY 4821",
        "sender": NEIGHBOUR,
        "phoneNumber": NEIGHBOUR,
        "receivedAt": "2026-03-01T12:00:00.000+00:00",
    },
)
PHONE_FAILURE = phone_event(
    "sms:failed", {"messageId": SENT_ID, "reason": "Send result: RESULT_ERROR_NO_SERVICE", "phoneNumber": NEIGHBOUR}
)
PHONE_PING = phone_event("system:ping", {"health": "pass"})


@pytest.mark.parametrize("field", ["id", "payload.sender"])
def test_phone_text_with_a_nul_in_its_id_or_sender_is_refused(backends: None, client: Client, field: str) -> None:
    assert android_post(client, nul_in_event(PHONE_TEXT, field)) == 400
    assert kept() == []


@pytest.mark.parametrize(
    "field",
    [
        "payload.message",
        "payload.messageId",
        "payload.phoneNumber",
        "payload.receivedAt",
        "deviceId",
        "webhookId",
        "a field we do not read",
    ],
)
def test_phone_text_with_a_nul_elsewhere_is_kept_without_it(backends: None, client: Client, field: str) -> None:
    assert android_post(client, nul_in_event(PHONE_TEXT, field)) == 200
    assert kept() == [(NEIGHBOUR, "VOY 4821")]


def test_phone_event_with_a_nul_in_its_name_is_ignored(backends: None, client: Client) -> None:
    assert android_post(client, nul_in_event(PHONE_TEXT, "event")) == 200
    assert kept() == []


def test_phone_receipt_with_a_nul_in_its_message_id_is_refused(backends: None, sent: Message, client: Client) -> None:
    sent_through(sent, "android:kitchen")
    assert android_post(client, nul_in_event(PHONE_FAILURE, "payload.messageId")) == 400
    sent.refresh_from_db()
    assert sent.state == State.SENT


@pytest.mark.parametrize("field", ["payload.reason", "payload.phoneNumber", "id", "deviceId", "a field we do not read"])
def test_phone_receipt_with_a_nul_elsewhere_is_recorded(
    backends: None, sent: Message, client: Client, field: str
) -> None:
    sent_through(sent, "android:kitchen")
    assert android_post(client, nul_in_event(PHONE_FAILURE, field)) == 200
    sent.refresh_from_db()
    assert sent.state == State.FAILED


@pytest.mark.parametrize("field", ["id", "deviceId", "webhookId", "payload.health", "a field we do not read"])
def test_phone_ping_with_a_nul_in_any_field_still_counts(backends: None, client: Client, field: str) -> None:
    assert android_post(client, nul_in_event(PHONE_PING, field)) == 200
    assert Gateway.objects.get(name="android:kitchen").last_ping_at is not None
