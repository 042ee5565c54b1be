"""SMS backends, faked at the transport seam with the providers' documented requests and signatures."""

import base64
import hashlib
import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
import time_machine
from django.http import HttpRequest
from django.test import RequestFactory
from twilio.request_validator import RequestValidator

from solidarity.messaging.sms import BadWebhook, Delivery, InboundSms, SmsError, StatusUpdate, Webhook
from solidarity.messaging.sms.android import AndroidGatewayBackend, failure_code, message_id_for
from solidarity.messaging.sms.config import SmsConfigError, backends_from_environ
from solidarity.messaging.sms.errors import reason_for
from solidarity.messaging.sms.loopback import LoopbackBackend
from solidarity.messaging.sms.twilio import TwilioBackend
from tests.factories.messaging import Handler, Recorder, gateway_signature, twilio_signature

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-auth-token-not-real"
HOOK = "https://solidarity.example.org/webhooks/sms/twilio/"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def answer(status: int, body: dict[str, Any]) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def twilio(recorder: Recorder, *, sender: str = "+15555550100") -> TwilioBackend:
    return TwilioBackend(SID, TOKEN, sender=sender, webhook_url=HOOK, transport=recorder.transport)


def form_post(rf: RequestFactory, fields: dict[str, str], headers: dict[str, str] | None = None) -> HttpRequest:
    return rf.post(
        "/webhooks/sms/twilio/",
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers=headers or {},
    )


# Twilio -------------------------------------------------------------------------------------


def test_twilio_send_posts_the_documented_form_request() -> None:
    provider = Recorder(answer(201, {"sid": "SM123", "status": "queued", "num_segments": "2"}))
    backend = twilio(provider)

    sent = backend.send("+15555550199", "Alerta: redada en la zona norte", idempotency_key="outbox-7")

    [request] = provider.requests
    assert request.method == "POST"
    assert str(request.url) == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "To": ["+15555550199"],
        "From": ["+15555550100"],
        "Body": ["Alerta: redada en la zona norte"],
        "StatusCallback": [HOOK],
    }
    # Twilio documents no idempotency header for creating messages, so none is sent.
    assert not any(name.lower().startswith("i-twilio") for name in request.headers)
    assert sent.provider_id == "SM123"
    assert sent.segments == 2


def test_twilio_send_through_a_messaging_service_names_the_service() -> None:
    provider = Recorder(answer(201, {"sid": "SM124", "status": "accepted"}))
    service = "MG" + "f" * 32

    sent = twilio(provider, sender=service).send("+15555550199", "hola", idempotency_key="k")

    fields = parse_qs(provider.requests[0].content.decode())
    assert fields["MessagingServiceSid"] == [service]
    assert "From" not in fields
    assert sent.segments == 1


def test_twilio_rate_limit_is_transient() -> None:
    backend = twilio(Recorder(answer(429, {"code": 20429, "message": "Too Many Requests", "status": 429})))

    with pytest.raises(SmsError) as raised:
        backend.send("+15555550199", "hola", idempotency_key="k")

    assert raised.value.transient
    assert raised.value.code == "20429"


def test_twilio_server_error_is_transient() -> None:
    backend = twilio(Recorder(lambda request: httpx.Response(503, text="Service Unavailable")))

    with pytest.raises(SmsError) as raised:
        backend.send("+15555550199", "hola", idempotency_key="k")

    assert raised.value.transient


def test_twilio_network_error_is_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(SmsError) as raised:
        twilio(Recorder(refuse)).send("+15555550199", "hola", idempotency_key="k")

    assert raised.value.transient


def test_twilio_unsubscribed_recipient_is_permanent_with_its_code() -> None:
    problem = {
        "code": 21610,
        "message": "Attempt to send to unsubscribed recipient +15555550199",
        "more_info": "https://www.twilio.com/docs/errors/21610",
        "status": 400,
    }
    backend = twilio(Recorder(answer(400, problem)))

    with pytest.raises(SmsError) as raised:
        backend.send("+15555550199", "hola", idempotency_key="k")

    assert not raised.value.transient
    assert raised.value.code == "21610"
    assert "+15555550199" not in str(raised.value)


def test_twilio_reuses_one_client_and_reopens_after_close() -> None:
    provider = Recorder(answer(201, {"sid": "SM1"}))
    backend = twilio(provider)

    backend.send("+15555550199", "uno", idempotency_key="1")
    backend.send("+15555550199", "dos", idempotency_key="2")
    backend.close()
    backend.send("+15555550199", "tres", idempotency_key="3")
    backend.close()

    assert len(provider.requests) == 3


def test_twilio_signature_matches_twilios_documented_example(rf: RequestFactory) -> None:
    # The worked example of Twilio's "Validating requests" docs (TwilioDevEd/api-snippets,
    # security/signature_validation): auth token 12345, this URL, these params, this signature.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    fields = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    backend = TwilioBackend(SID, "12345", sender="+15555550100", webhook_url=url)

    request = form_post(rf, fields, {"X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="})

    assert backend.verify(request)


def test_twilio_signature_over_a_status_callback_verifies(rf: RequestFactory) -> None:
    fields = {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": SID, "To": "+15555550199"}
    request = form_post(rf, fields, {"X-Twilio-Signature": twilio_signature(TOKEN, HOOK, fields)})

    assert twilio(Recorder(answer(500, {}))).verify(request)


def test_twilio_tampered_param_is_rejected(rf: RequestFactory) -> None:
    fields = {"MessageSid": "SM123", "MessageStatus": "delivered"}
    signed = twilio_signature(TOKEN, HOOK, fields)

    request = form_post(rf, {**fields, "MessageStatus": "failed"}, {"X-Twilio-Signature": signed})

    assert not twilio(Recorder(answer(500, {}))).verify(request)


def test_twilio_signature_for_another_url_is_rejected(rf: RequestFactory) -> None:
    fields = {"MessageSid": "SM123", "MessageStatus": "delivered"}
    signed = twilio_signature(TOKEN, "https://elsewhere.example.org/webhooks/sms/twilio/", fields)

    assert not twilio(Recorder(answer(500, {}))).verify(form_post(rf, fields, {"X-Twilio-Signature": signed}))


def test_twilio_request_without_signature_is_rejected(rf: RequestFactory) -> None:
    assert not twilio(Recorder(answer(500, {}))).verify(form_post(rf, {"MessageSid": "SM123"}))


# The official library's validator is the oracle: what it accepts, we accept, and the other way round.
ORACLE = RequestValidator(TOKEN)
CALLBACK = {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": SID, "To": "+15555550199"}


@pytest.mark.parametrize(
    ("configured", "signed_over"),
    [
        ("https://red.example.org/webhooks/sms/twilio/", "https://red.example.org:443/webhooks/sms/twilio/"),
        ("https://red.example.org:443/webhooks/sms/twilio/", "https://red.example.org/webhooks/sms/twilio/"),
        ("https://red.example.org/webhooks/sms/twilio/", "https://red.example.org/webhooks/sms/twilio/"),
        ("https://red.example.org:443/webhooks/sms/twilio/", "https://red.example.org:443/webhooks/sms/twilio/"),
        ("http://red.example.org/webhooks/sms/twilio/", "http://red.example.org:80/webhooks/sms/twilio/"),
        ("https://red.example.org:8443/webhooks/sms/twilio/", "https://red.example.org:8443/webhooks/sms/twilio/"),
    ],
)
def test_twilio_signature_with_the_port_written_out_or_left_out_verifies(
    rf: RequestFactory, configured: str, signed_over: str
) -> None:
    backend = TwilioBackend(SID, TOKEN, sender="+15555550100", webhook_url=configured)
    signed = ORACLE.compute_signature(signed_over, CALLBACK)
    assert ORACLE.validate(configured, CALLBACK, signed)

    assert backend.verify(form_post(rf, CALLBACK, {"X-Twilio-Signature": signed}))


@pytest.mark.parametrize(
    "signed_over",
    [
        "https://red.example.org:8443/webhooks/sms/twilio/",  # another port is another URL
        "https://blue.example.org/webhooks/sms/twilio/",
        "https://red.example.org/webhooks/sms/loopback/",
        "http://red.example.org/webhooks/sms/twilio/",
    ],
)
def test_twilio_signature_over_another_url_is_refused_as_the_official_validator_does(
    rf: RequestFactory, signed_over: str
) -> None:
    configured = "https://red.example.org/webhooks/sms/twilio/"
    backend = TwilioBackend(SID, TOKEN, sender="+15555550100", webhook_url=configured)
    signed = ORACLE.compute_signature(signed_over, CALLBACK)
    assert not ORACLE.validate(configured, CALLBACK, signed)

    assert not backend.verify(form_post(rf, CALLBACK, {"X-Twilio-Signature": signed}))


def test_twilio_wrong_signature_is_refused(rf: RequestFactory) -> None:
    signed = RequestValidator("another-auth-token").compute_signature(HOOK, CALLBACK)

    assert not twilio(Recorder(answer(500, {}))).verify(form_post(rf, CALLBACK, {"X-Twilio-Signature": signed}))


def test_twilio_signature_over_the_url_with_its_query_string_verifies(rf: RequestFactory) -> None:
    # A webhook URL set in Twilio's console with a query string is signed with it.
    signed = ORACLE.compute_signature(HOOK + "?network=red&lang=es", CALLBACK)
    request = rf.post(
        "/webhooks/sms/twilio/?network=red&lang=es",
        data=urlencode(CALLBACK),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signed},
    )

    assert twilio(Recorder(answer(500, {}))).verify(request)
    assert not twilio(Recorder(answer(500, {}))).verify(form_post(rf, CALLBACK, {"X-Twilio-Signature": signed}))


def test_twilio_repeated_field_verifies_as_the_official_validator_computes_it(rf: RequestFactory) -> None:
    data = "MessageSid=SM123&MessageStatus=delivered&Tag=b&Tag=a&Tag=b"
    request = rf.post("/webhooks/sms/twilio/", data=data, content_type="application/x-www-form-urlencoded")
    signed = ORACLE.compute_signature(HOOK, request.POST)

    request = rf.post(
        "/webhooks/sms/twilio/",
        data=data,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signed},
    )

    assert twilio(Recorder(answer(500, {}))).verify(request)


def test_twilio_signature_over_a_multipart_form_verifies(rf: RequestFactory) -> None:
    signed = ORACLE.compute_signature(HOOK, CALLBACK)

    request = rf.post("/webhooks/sms/twilio/", data=CALLBACK, headers={"X-Twilio-Signature": signed})

    assert request.content_type == "multipart/form-data"
    assert twilio(Recorder(answer(500, {}))).verify(request)


def test_twilio_body_that_is_no_form_and_has_no_hash_in_the_url_is_refused(rf: RequestFactory) -> None:
    # Signed over the URL alone, a body nobody hashed could say anything.
    signed = ORACLE.compute_signature(HOOK, {})

    request = rf.post(
        "/webhooks/sms/twilio/", data="{}", content_type="application/json", headers={"X-Twilio-Signature": signed}
    )

    assert not twilio(Recorder(answer(500, {}))).verify(request)


def test_twilio_json_body_verifies_by_its_hash_in_the_url_and_not_when_changed(rf: RequestFactory) -> None:
    body = json.dumps({"MessageSid": "SM123", "MessageStatus": "delivered"})
    url = f"{HOOK}?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signed = ORACLE.compute_signature(url, {})
    assert ORACLE.validate(url, body, signed)
    query = url.split("?", 1)[1]
    backend = twilio(Recorder(answer(500, {})))

    def post(content: str) -> HttpRequest:
        return rf.post(
            f"/webhooks/sms/twilio/?{query}",
            data=content,
            content_type="application/json",
            headers={"X-Twilio-Signature": signed},
        )

    assert backend.verify(post(body))
    assert not backend.verify(post(body.replace("delivered", "failed")))
    assert backend.parse(post(body)) == Webhook()  # Messaging posts forms: a JSON body carries nothing we read


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("queued", Delivery.QUEUED),
        ("accepted", Delivery.QUEUED),
        ("sending", Delivery.SENT),
        ("sent", Delivery.SENT),
        ("delivered", Delivery.DELIVERED),
        ("read", Delivery.DELIVERED),
        ("undelivered", Delivery.FAILED),
        ("failed", Delivery.FAILED),
    ],
)
def test_twilio_status_callback_is_normalised(rf: RequestFactory, status: str, state: Delivery) -> None:
    request = form_post(rf, {"MessageSid": "SM123", "SmsSid": "SM123", "MessageStatus": status, "SmsStatus": status})

    assert twilio(Recorder(answer(500, {}))).parse(request) == Webhook(statuses=[StatusUpdate("SM123", state)])


def test_twilio_failed_status_carries_the_error_code(rf: RequestFactory) -> None:
    request = form_post(rf, {"MessageSid": "SM123", "MessageStatus": "undelivered", "ErrorCode": "30003"})

    assert twilio(Recorder(answer(500, {}))).parse(request).statuses == [
        StatusUpdate("SM123", Delivery.FAILED, "30003")
    ]


def test_twilio_unknown_status_is_ignored(rf: RequestFactory) -> None:
    request = form_post(rf, {"MessageSid": "SM123", "MessageStatus": "something-new"})

    assert twilio(Recorder(answer(500, {}))).parse(request) == Webhook()


def test_twilio_inbound_message_is_parsed(rf: RequestFactory) -> None:
    fields = {
        "MessageSid": "SM9",
        "SmsSid": "SM9",
        "SmsMessageSid": "SM9",
        "AccountSid": SID,
        "From": "+15555550199",
        "To": "+15555550100",
        "Body": "VOY 4821",
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }

    webhook = twilio(Recorder(answer(500, {}))).parse(form_post(rf, fields))

    assert webhook == Webhook(inbound=[InboundSms("+15555550199", "VOY 4821", "SM9", "+15555550100")])


def test_twilio_inbound_message_with_a_received_message_status_is_still_inbound(rf: RequestFactory) -> None:
    fields = {"MessageSid": "SM9", "From": "+15555550199", "Body": "ALTO", "MessageStatus": "received"}

    webhook = twilio(Recorder(answer(500, {}))).parse(form_post(rf, fields))

    assert webhook.inbound[0].body == "ALTO"
    assert webhook.statuses == []


@pytest.mark.parametrize("status", ["receiving", "partially_delivered", "RECEIVED "])
def test_twilio_text_with_a_status_we_do_not_know_is_still_kept(rf: RequestFactory, status: str) -> None:
    fields = {"MessageSid": "SM10", "From": "+15555550199", "Body": "hay un reten en la 15", "SmsStatus": status}

    webhook = twilio(Recorder(answer(500, {}))).parse(form_post(rf, fields))

    assert [text.body for text in webhook.inbound] == ["hay un reten en la 15"]


# SMS Gateway for Android ----------------------------------------------------------------------

KEY = "phone-signing-key"


def phone(recorder: Recorder, *, signing_key: str = KEY) -> AndroidGatewayBackend:
    return AndroidGatewayBackend(
        "android:kitchen",
        "http://192.168.1.20:8080",
        "sms",
        "phone-pass",
        signing_key=signing_key,
        transport=recorder.transport,
    )


def accepted(request: httpx.Request) -> httpx.Response:
    sent = json.loads(request.content)
    recipients = [{"phoneNumber": number, "state": "Pending", "error": None} for number in sent["phoneNumbers"]]
    return httpx.Response(
        202, json={"id": sent["id"], "state": "Pending", "recipients": recipients, "isEncrypted": False}
    )


def signed_post(rf: RequestFactory, event: dict[str, Any], *, at: datetime = NOW, key: str = KEY) -> HttpRequest:
    body = json.dumps(event).encode()
    timestamp = str(int(at.timestamp()))
    signature = gateway_signature(key, body, timestamp)
    return rf.post(
        "/webhooks/sms/android:kitchen/",
        data=body,
        content_type="application/json",
        headers={"X-Signature": signature, "X-Timestamp": timestamp},
    )


def event(kind: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "deviceId": "ffffffffceb0b1db0000018e937c815b",
        "event": kind,
        "id": "Ey6ECgOkVVFjz3CL48B8C",
        "payload": payload,
        "webhookId": "hook-1",
    }


def test_phone_send_posts_the_documented_local_server_request() -> None:
    provider = Recorder(accepted)

    sent = phone(provider).send("+15555550199", "Responda VOY o NO", idempotency_key="outbox-7")

    [request] = provider.requests
    assert request.method == "POST"
    assert str(request.url) == "http://192.168.1.20:8080/message"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"sms:phone-pass").decode()
    assert json.loads(request.content) == {
        "id": message_id_for("outbox-7"),
        "textMessage": {"text": "Responda VOY o NO"},
        "phoneNumbers": ["+15555550199"],
        "withDeliveryReport": True,
    }
    assert sent.provider_id == message_id_for("outbox-7")


def test_phone_retried_send_carries_the_same_short_message_id() -> None:
    provider = Recorder(accepted)
    backend = phone(provider)
    key = "outbox:" + "x" * 200

    first = backend.send("+15555550199", "hola", idempotency_key=key)
    second = backend.send("+15555550199", "hola", idempotency_key=key)

    ids = [json.loads(request.content)["id"] for request in provider.requests]
    assert ids[0] == ids[1] == first.provider_id == second.provider_id
    assert len(ids[0]) <= 36
    assert message_id_for("another key") != ids[0]


def test_phone_offline_is_transient() -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(SmsError) as raised:
        phone(Recorder(offline)).send("+15555550199", "hola", idempotency_key="k")

    assert raised.value.transient


def test_phone_server_error_is_transient() -> None:
    with pytest.raises(SmsError) as raised:
        phone(Recorder(answer(500, {"message": "boom"}))).send("+15555550199", "hola", idempotency_key="k")

    assert raised.value.transient


def test_phone_bad_request_is_permanent() -> None:
    with pytest.raises(SmsError) as raised:
        phone(Recorder(answer(400, {"message": "Invalid phone number"}))).send("+1", "hola", idempotency_key="k")

    assert not raised.value.transient


def test_phone_refusing_our_login_is_permanent() -> None:
    with pytest.raises(SmsError) as raised:
        phone(Recorder(answer(401, {}))).send("+15555550199", "hola", idempotency_key="k")

    assert not raised.value.transient
    assert raised.value.code == "UNAUTHORIZED"


def test_phone_webhook_signed_as_documented_verifies(
    rf: RequestFactory, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)

    assert phone(Recorder(accepted)).verify(signed_post(rf, event("system:ping", {})))


@pytest.mark.parametrize("skew", [-301, 301])
def test_phone_webhook_with_a_stale_timestamp_is_rejected(
    rf: RequestFactory, time_machine: time_machine.TimeMachineFixture, skew: int
) -> None:
    time_machine.move_to(NOW, tick=False)
    request = signed_post(rf, event("system:ping", {}), at=datetime.fromtimestamp(NOW.timestamp() + skew, UTC))

    assert not phone(Recorder(accepted)).verify(request)


def test_phone_webhook_within_five_minutes_is_accepted(
    rf: RequestFactory, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    request = signed_post(rf, event("system:ping", {}), at=datetime.fromtimestamp(NOW.timestamp() - 299, UTC))

    assert phone(Recorder(accepted)).verify(request)


def test_phone_webhook_with_a_tampered_body_is_rejected(
    rf: RequestFactory, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    genuine = signed_post(rf, event("sms:received", {"message": "NO 4821", "phoneNumber": "+15555550199"}))
    forged = rf.post(
        "/webhooks/sms/android:kitchen/",
        data=genuine.body.replace(b"NO 4821", b"VOY 4821"),
        content_type="application/json",
        headers={"X-Signature": genuine.headers["X-Signature"], "X-Timestamp": genuine.headers["X-Timestamp"]},
    )

    assert not phone(Recorder(accepted)).verify(forged)


def test_phone_webhook_signed_with_another_key_is_rejected(
    rf: RequestFactory, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)

    assert not phone(Recorder(accepted)).verify(signed_post(rf, event("system:ping", {}), key="another key"))


def test_phone_webhook_without_headers_is_rejected(rf: RequestFactory) -> None:
    request = rf.post("/webhooks/sms/android:kitchen/", data=b"{}", content_type="application/json")

    assert not phone(Recorder(accepted)).verify(request)


def test_phone_without_a_signing_key_never_verifies(
    rf: RequestFactory, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)

    assert not phone(Recorder(accepted), signing_key="").verify(signed_post(rf, event("system:ping", {}), key=""))


def test_phone_received_sms_is_parsed(rf: RequestFactory) -> None:
    payload = {
        "messageId": "abc123",
        "message": "VOY 4821",
        "sender": "+15555550199",
        "recipient": "+15555550100",
        "phoneNumber": "+15555550199",
        "simNumber": 1,
        "receivedAt": "2026-03-01T12:00:00.000+00:00",
    }

    webhook = phone(Recorder(accepted)).parse(signed_post(rf, event("sms:received", payload)))

    assert webhook == Webhook(
        inbound=[InboundSms("+15555550199", "VOY 4821", "Ey6ECgOkVVFjz3CL48B8C", "android:kitchen")]
    )


def test_phone_received_sms_from_an_older_app_uses_phone_number(rf: RequestFactory) -> None:
    payload = {
        "messageId": "abc123",
        "message": "ALTO",
        "phoneNumber": "6505551212",
        "receivedAt": "2024-06-22T15:46:11.000+07:00",
    }

    webhook = phone(Recorder(accepted)).parse(signed_post(rf, event("sms:received", payload)))

    assert webhook.inbound[0].sender == "6505551212"


@pytest.mark.parametrize(("kind", "state"), [("sms:sent", Delivery.SENT), ("sms:delivered", Delivery.DELIVERED)])
def test_phone_delivery_events_are_parsed(rf: RequestFactory, kind: str, state: Delivery) -> None:
    payload = {
        "messageId": "m-1",
        "phoneNumber": "+15555550199",
        "simNumber": None,
        "sentAt": "2026-03-01T12:00:00.000+00:00",
    }

    webhook = phone(Recorder(accepted)).parse(signed_post(rf, event(kind, payload)))

    assert webhook == Webhook(statuses=[StatusUpdate("m-1", state)])


def test_phone_failed_event_carries_the_android_result(rf: RequestFactory) -> None:
    payload = {
        "messageId": "m-1",
        "phoneNumber": "+15555550199",
        "failedAt": "2026-03-01T12:00:00.000+00:00",
        "reason": "Send result: RESULT_ERROR_NO_SERVICE (Failed because service is currently unavailable)",
    }

    webhook = phone(Recorder(accepted)).parse(signed_post(rf, event("sms:failed", payload)))

    assert webhook == Webhook(statuses=[StatusUpdate("m-1", Delivery.FAILED, "RESULT_ERROR_NO_SERVICE")])


def test_phone_ping_is_parsed(rf: RequestFactory) -> None:
    webhook = phone(Recorder(accepted)).parse(signed_post(rf, event("system:ping", {"health": {"status": "pass"}})))

    assert webhook == Webhook(ping=True)


def test_phone_events_we_do_not_use_are_ignored(rf: RequestFactory) -> None:
    webhook = phone(Recorder(accepted)).parse(signed_post(rf, event("mms:received", {"messageId": "m-2"})))

    assert webhook == Webhook()


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (
            "Send result: RESULT_ERROR_LIMIT_EXCEEDED (Failed because we reached the sending queue limit)",
            "RESULT_ERROR_LIMIT_EXCEEDED",
        ),
        ("Can't send message: No SIMs found", "NO_SIM"),
        ("Delivery result from SC +10000000000: 64", "DELIVERY_FAILED"),
        ("sendSMS: something odd", ""),
    ],
)
def test_phone_failure_reasons_become_codes(reason: str, code: str) -> None:
    assert failure_code(reason) == code


# Loopback -------------------------------------------------------------------------------------


def test_loopback_appends_one_owner_only_json_line_per_send(
    tmp_path: Path, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(NOW, tick=False)
    outbox = tmp_path / "sms-outbox.jsonl"
    backend = LoopbackBackend(outbox, "a-long-loopback-token")

    first = backend.send("+15555550199", "Reunión mañana", idempotency_key="outbox-1")
    second = backend.send("+15555550198", "hola", idempotency_key="outbox-2")
    again = backend.send("+15555550199", "Reunión mañana", idempotency_key="outbox-1")

    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert lines[0] == {
        "to": "+15555550199",
        "body": "Reunión mañana",
        "id": first.provider_id,
        "idempotency_key": "outbox-1",
        "at": "2026-03-01T12:00:00+00:00",
    }
    assert [line["id"] for line in lines] == [first.provider_id, second.provider_id, first.provider_id]
    assert again.provider_id == first.provider_id != second.provider_id
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("authorization", "verified"),
    [
        ("Bearer a-long-loopback-token", True),
        ("Bearer another-token", False),
        ("a-long-loopback-token", False),
        ("", False),
    ],
)
def test_loopback_checks_the_bearer_token(
    rf: RequestFactory, tmp_path: Path, authorization: str, verified: bool
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    request = rf.post("/webhooks/sms/loopback/", data={"From": "+15555550199", "Body": "hola"}, headers=headers)

    assert LoopbackBackend(tmp_path / "out.jsonl", "a-long-loopback-token").verify(request) is verified


def test_loopback_with_an_empty_token_never_verifies(rf: RequestFactory, tmp_path: Path) -> None:
    request = rf.post("/webhooks/sms/loopback/", data={"Body": "hola"}, headers={"Authorization": "Bearer "})

    assert not LoopbackBackend(tmp_path / "out.jsonl", "").verify(request)


def test_loopback_parses_twilio_style_inbound(rf: RequestFactory, tmp_path: Path) -> None:
    request = rf.post("/webhooks/sms/loopback/", data={"From": "+15555550199", "Body": "VOY 4821"})

    webhook = LoopbackBackend(tmp_path / "out.jsonl", "a-long-loopback-token").parse(request)

    assert webhook == Webhook(inbound=[InboundSms("+15555550199", "VOY 4821", "", "loopback")])


# What every backend hands over: senders as given, no NUL where it cannot be kept ------------


def test_loopback_text_without_from_still_comes_in_with_an_empty_sender(rf: RequestFactory, tmp_path: Path) -> None:
    request = rf.post("/webhooks/sms/loopback/", data={"Body": "hola"})

    webhook = LoopbackBackend(tmp_path / "out.jsonl", "a-long-loopback-token").parse(request)

    assert webhook == Webhook(inbound=[InboundSms("", "hola", "", "loopback")])


def test_twilio_text_without_from_still_comes_in_with_an_empty_sender(rf: RequestFactory) -> None:
    fields = {"MessageSid": "SM9", "To": "+15555550100", "Body": "ayuda", "SmsStatus": "received"}

    webhook = twilio(Recorder(answer(500, {}))).parse(form_post(rf, fields))

    assert webhook == Webhook(inbound=[InboundSms("", "ayuda", "SM9", "+15555550100")])


def test_phone_text_without_sender_still_comes_in_with_an_empty_sender(rf: RequestFactory) -> None:
    request = signed_post(rf, event("sms:received", {"messageId": "m1", "message": "ayuda"}))

    with time_machine.travel(NOW, tick=False):
        webhook = phone(Recorder(accepted)).parse(request)

    assert webhook.inbound == [InboundSms("", "ayuda", "Ey6ECgOkVVFjz3CL48B8C", "android:kitchen")]


@pytest.mark.parametrize("sender", ["abc", " +1 919 555 0142 ", "InfoBANK", "12345"])
def test_a_sender_that_is_no_number_is_handed_over_exactly_as_given(
    rf: RequestFactory, tmp_path: Path, sender: str
) -> None:
    loopback = LoopbackBackend(tmp_path / "out.jsonl", "a-long-loopback-token")
    twilio_fields = {"MessageSid": "SM9", "From": sender, "To": "+15555550100", "Body": "hola"}
    android = signed_post(rf, event("sms:received", {"messageId": "m1", "message": "hola", "sender": sender}))

    with time_machine.travel(NOW, tick=False):
        senders = [
            loopback.parse(rf.post("/webhooks/sms/loopback/", data={"From": sender, "Body": "hola"})),
            twilio(Recorder(answer(500, {}))).parse(form_post(rf, twilio_fields)),
            phone(Recorder(accepted)).parse(android),
        ]

    assert [hook.inbound[0].sender for hook in senders] == [sender, sender, sender]


@pytest.mark.parametrize("field", ["sender", "provider_id", "received_by"])
def test_an_inbound_id_or_address_with_a_nul_is_refused(field: str) -> None:
    fields = {"sender": "+15555550199", "body": "hola", "provider_id": "SM9", "received_by": "+15555550100"}

    with pytest.raises(BadWebhook, match=field):
        InboundSms(**{**fields, field: fields[field][:3] + "\x00" + fields[field][3:]})


def test_an_inbound_body_keeps_its_words_without_the_nul() -> None:
    assert InboundSms("+15555550199", "VOY\x00 4821\x00").body == "VOY 4821"


@pytest.mark.parametrize(("provider_id", "code"), [("SM\x00123", ""), ("SM123", "300\x0003")])
def test_a_status_update_with_a_nul_is_refused(provider_id: str, code: str) -> None:
    with pytest.raises(BadWebhook):
        StatusUpdate(provider_id, Delivery.FAILED, code)


# Configuration --------------------------------------------------------------------------------

BASE = "https://solidarity.example.org"
TWILIO_ENV = {
    "SOLIDARITY_TWILIO_ACCOUNT_SID": SID,
    "SOLIDARITY_TWILIO_AUTH_TOKEN": TOKEN,
    "SOLIDARITY_TWILIO_FROM": "+15555550100",
}
PHONES_ENV = {
    "SOLIDARITY_SMS_GATEWAYS": "kitchen=http://sms:s3cr%2Ct@192.168.1.20:8080, hall=https://sms:other-pass@[fd00::2]:8443",
    "SOLIDARITY_SMS_GATEWAY_SIGNING_KEY": KEY,
}


@pytest.mark.parametrize("value", [None, "", " , "])
def test_config_without_a_backend_means_no_sms(tmp_path: Path, value: str | None) -> None:
    environ = {} if value is None else {"SOLIDARITY_SMS_BACKEND": value}

    assert backends_from_environ(environ, home=tmp_path, base_url=BASE) == []


def test_config_keeps_the_failover_order_and_expands_phones(tmp_path: Path) -> None:
    environ = {
        "SOLIDARITY_SMS_BACKEND": "android, Twilio,loopback",
        **TWILIO_ENV,
        **PHONES_ENV,
        "SOLIDARITY_LOOPBACK_TOKEN": "a-long-loopback-token",
    }

    backends = backends_from_environ(environ, home=tmp_path, base_url=BASE + "/")

    assert [backend.name for backend in backends] == ["android:kitchen", "android:hall", "twilio", "loopback"]
    kitchen, hall, twilio_backend, loopback = backends
    assert isinstance(kitchen, AndroidGatewayBackend)
    assert isinstance(hall, AndroidGatewayBackend)
    assert (kitchen.base_url, kitchen.username, kitchen.per_minute) == ("http://192.168.1.20:8080", "sms", 29)
    assert hall.base_url == "https://[fd00::2]:8443"
    assert isinstance(twilio_backend, TwilioBackend)
    assert twilio_backend.webhook_url == "https://solidarity.example.org/webhooks/sms/twilio/"
    assert isinstance(loopback, LoopbackBackend)
    assert loopback.path == tmp_path / "sms-outbox.jsonl"


def test_config_phone_password_is_percent_decoded(tmp_path: Path) -> None:
    environ = {"SOLIDARITY_SMS_BACKEND": "android", **PHONES_ENV}
    provider = Recorder(accepted)
    [kitchen, _] = backends_from_environ(environ, home=tmp_path, base_url=BASE, transport=provider.transport)

    kitchen.send("+15555550199", "hola", idempotency_key="k")

    assert provider.requests[0].headers["Authorization"] == "Basic " + base64.b64encode(b"sms:s3cr,t").decode()


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"SOLIDARITY_SMS_BACKEND": "twilio,carrier-pigeon"}, "SOLIDARITY_SMS_BACKEND"),
        ({"SOLIDARITY_SMS_BACKEND": "twilio,twilio", **TWILIO_ENV}, "SOLIDARITY_SMS_BACKEND"),
        (
            {"SOLIDARITY_SMS_BACKEND": "twilio", **TWILIO_ENV, "SOLIDARITY_TWILIO_AUTH_TOKEN": ""},
            "SOLIDARITY_TWILIO_AUTH_TOKEN",
        ),
        (
            {"SOLIDARITY_SMS_BACKEND": "twilio", **TWILIO_ENV, "SOLIDARITY_TWILIO_ACCOUNT_SID": TOKEN},
            "SOLIDARITY_TWILIO_ACCOUNT_SID",
        ),
        (
            {"SOLIDARITY_SMS_BACKEND": "twilio", **TWILIO_ENV, "SOLIDARITY_TWILIO_FROM": "5555550100"},
            "SOLIDARITY_TWILIO_FROM",
        ),
        ({"SOLIDARITY_SMS_BACKEND": "android", "SOLIDARITY_SMS_GATEWAY_SIGNING_KEY": KEY}, "SOLIDARITY_SMS_GATEWAYS"),
        (
            {"SOLIDARITY_SMS_BACKEND": "android", "SOLIDARITY_SMS_GATEWAYS": "kitchen=http://sms:pw@10.0.0.2:8080"},
            "SOLIDARITY_SMS_GATEWAY_SIGNING_KEY",
        ),
        ({"SOLIDARITY_SMS_BACKEND": "loopback"}, "SOLIDARITY_LOOPBACK_TOKEN"),
        ({"SOLIDARITY_SMS_BACKEND": "loopback", "SOLIDARITY_LOOPBACK_TOKEN": "short"}, "SOLIDARITY_LOOPBACK_TOKEN"),
    ],
)
def test_config_error_names_the_variable(tmp_path: Path, environ: dict[str, str], variable: str) -> None:
    with pytest.raises(SmsConfigError) as raised:
        backends_from_environ(environ, home=tmp_path, base_url=BASE)

    assert raised.value.variable == variable
    assert str(raised.value).startswith(variable + ": ")
    assert TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    "gateways",
    [
        "kitchen=ftp://sms:hunter2-secret@10.0.0.2:8080",
        "kitchen=http://10.0.0.2:8080?password=hunter2-secret",
        "kitchen=http://sms:hunter2-secret@10.0.0.2:port",
        "kitchen=http://sms:hunter2-secret@10.0.0.2:8080/?x=hunter2-secret",
        "Kitchen Phone=http://sms:hunter2-secret@10.0.0.2:8080",
        "http://sms:hunter2-secret@10.0.0.2:8080",
        "kitchen=http://sms:hunter2-secret@10.0.0.2:8080,kitchen=http://sms:hunter2-secret@10.0.0.3:8080",
    ],
)
def test_config_gateway_errors_never_repeat_the_password(tmp_path: Path, gateways: str) -> None:
    environ = {
        "SOLIDARITY_SMS_BACKEND": "android",
        "SOLIDARITY_SMS_GATEWAYS": gateways,
        "SOLIDARITY_SMS_GATEWAY_SIGNING_KEY": KEY,
    }

    with pytest.raises(SmsConfigError) as raised:
        backends_from_environ(environ, home=tmp_path, base_url=BASE)

    assert raised.value.variable == "SOLIDARITY_SMS_GATEWAYS"
    assert "hunter2" not in str(raised.value)
    assert KEY not in str(raised.value)


# Reasons --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "code", "slug", "is_opt_out", "marks_address"),
    [
        ("twilio", "21610", "opted_out", True, True),
        ("twilio", "21211", "invalid_number", False, True),
        ("twilio", "21614", "not_mobile", False, True),
        ("twilio", "30003", "unreachable", False, False),
        ("twilio", "30005", "unknown_number", False, True),
        ("twilio", "30006", "not_mobile", False, True),
        ("twilio", "30007", "carrier_filtered", False, False),
        ("twilio", "30034", "sender_not_registered", False, False),
        ("twilio", "99999", "provider_error", False, False),
        ("android:kitchen", "RESULT_ERROR_NO_SERVICE", "phone_no_service", False, False),
        ("android:kitchen", "RESULT_ERROR_LIMIT_EXCEEDED", "phone_limit", False, False),
        ("android", "RESULT_ERROR_GENERIC_FAILURE", "phone_error", False, False),
        ("android", "", "provider_error", False, False),
        ("loopback", "21610", "provider_error", False, False),
    ],
)
def test_provider_codes_become_plain_reasons(
    kind: str, code: str, slug: str, is_opt_out: bool, marks_address: bool
) -> None:
    reason = reason_for(kind, code)

    assert (reason.slug, reason.is_opt_out, reason.marks_address) == (slug, is_opt_out, marks_address)
    assert str(reason.text)
