"""SMS providers an admin enters in the web UI: encrypted, never shown back, live in every process without a restart."""

import base64
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings

from solidarity.accounts.models import User
from solidarity.core import keyring
from solidarity.core.models import AuditEntry
from solidarity.messaging import pump, sms_settings
from solidarity.messaging.models import Channel, Inbound, Message, SmsOrder, SmsSettings, State
from solidarity.messaging.services import Outgoing, enqueue
from solidarity.messaging.sms.loopback import LoopbackBackend
from solidarity.messaging.sms_sender import SmsSender
from solidarity.messaging.sms_settings import (
    TEST_BATCH,
    build_backends,
    configured_backends,
    saved_values,
)
from tests.factories.accounts import client_for
from tests.factories.core import OPERATOR_PASSPHRASE
from tests.factories.messaging import Recorder, gateway_signature, twilio_signature
from tests.factories.people import holds_a_number

pytestmark = pytest.mark.django_db

PAGE = "/en/settings/sms/"
TEST_TEXT = "/en/settings/sms/test/"
SID = "AC" + "5e1f0a9b2c3d4e5f" * 2
TOKEN = "saved-twilio-token-7q2w9e"
OTHER_TOKEN = "another-twilio-token-4k8m"
SENDER = "+19195550100"
PASSWORD = "kitchen-phone-pass-3x7c"
SIGNING_KEY = "kitchen-signing-key-9v1b"
HALL_PASSWORD = "hall-phone-pass-6n2m"
HALL_KEY = "hall-signing-key-5t8r"
SECRETS = [TOKEN, PASSWORD, SIGNING_KEY, HALL_PASSWORD, HALL_KEY]


@pytest.fixture(autouse=True)
def no_environment_backends(settings: Settings) -> None:
    """The environment sets no SMS backend: the saved settings decide."""
    settings.SMS_BACKENDS = []


def kitchen(**changes: str) -> dict[str, str]:
    return {
        "name": "kitchen",
        "url": "http://192.168.1.20:8080",
        "username": "sms",
        "password": PASSWORD,
        "signing_key": SIGNING_KEY,
    } | changes


def hall(**changes: str) -> dict[str, str]:
    return {
        "name": "hall",
        "url": "http://192.168.1.21:8080/",
        "username": "sms",
        "password": HALL_PASSWORD,
        "signing_key": HALL_KEY,
    } | changes


def form(phones: list[dict[str, str]] | None = None, **fields: Any) -> dict[str, Any]:
    """The settings form as a browser posts it: saved phones carry their id, then one empty row to add a phone."""
    phones = phones or []
    data: dict[str, Any] = {
        "twilio_enabled": "on",
        "twilio_account_sid": SID,
        "twilio_auth_token": TOKEN,
        "twilio_sender": SENDER,
        "android_enabled": "on" if phones else "",
        "order": SmsOrder.PHONES_FIRST,
        "phones-TOTAL_FORMS": str(len(phones) + 1),
        "phones-INITIAL_FORMS": str(sum(1 for phone in phones if phone.get("id"))),
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "20",
    }
    for index, phone in enumerate(phones):
        data |= {f"phones-{index}-{name}": value for name, value in phone.items()}
    data |= fields
    return {name: value for name, value in data.items() if value not in ("", False)}


def saved_id(name: str) -> str:
    return next(phone["id"] for phone in saved_values()["phones"] if phone["name"] == name)


def save(client: Client, data: dict[str, Any]) -> None:
    response = client.post(PAGE, data)
    assert response.status_code == 302, response.content.decode()


def names() -> list[str]:
    return [backend.name for backend in configured_backends()]


def raw_settings_row() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM messaging_smssettings")
        return repr(cursor.fetchall())


def test_saved_credentials_are_encrypted_at_rest(admin_client: Client) -> None:
    save(admin_client, form([kitchen()]))

    stored = raw_settings_row()
    for value in [*SECRETS[:3], SID, "192.168.1.20"]:
        assert value not in stored
    assert names() == ["android:kitchen", "twilio"]


def test_the_page_never_shows_a_secret_back(admin_client: Client) -> None:
    save(admin_client, form([kitchen()]))

    page = admin_client.get(PAGE).content.decode()

    assert SID in page  # not secrets: shown, so that they can be checked
    assert "http://192.168.1.20:8080" in page
    assert "Saved. Leave empty to keep it." in page
    for value in SECRETS[:3]:
        assert value not in page
    # Nor after a mistake elsewhere on the form: what was typed is not sent back.
    mistaken = admin_client.post(PAGE, form([kitchen(name="Kitchen Phone!", id=saved_id("kitchen"))]))
    assert mistaken.status_code == 400
    for value in SECRETS[:3]:
        assert value not in mistaken.content.decode()


def test_an_empty_secret_keeps_the_saved_one_and_a_new_one_replaces_it(admin_client: Client) -> None:
    save(admin_client, form([kitchen()]))
    phone = kitchen(id=saved_id("kitchen"), password="", signing_key="")

    save(admin_client, form([phone], twilio_auth_token=""))
    row = SmsSettings.objects.get()
    assert (row.twilio_auth_token, row.phones[0]["password"], row.phones[0]["signing_key"]) == (
        TOKEN,
        PASSWORD,
        SIGNING_KEY,
    )

    save(admin_client, form([phone], twilio_auth_token=OTHER_TOKEN))
    assert SmsSettings.objects.get().twilio_auth_token == OTHER_TOKEN


def test_a_change_reaches_a_running_sender_without_a_restart(admin_client: Client) -> None:
    # A worker's SMS loop started before any provider existed: texts wait, untouched.
    sender = SmsSender()
    enqueue(Outgoing(Channel.SMS, "+19195550142", {"text": "hola"}, idempotency_key="waits:1"))
    assert pump.run_once(sender) == 0
    assert Message.objects.get().state == State.QUEUED

    # The web process saves (this process keeps no hook into the cache: it sees the new version as a worker would).
    save(admin_client, form([kitchen()], twilio_enabled=""))
    assert sender.batch_size() > 0
    assert [backend.name for backend in sender.backends] == ["android:kitchen"]

    save(admin_client, form([kitchen(id=saved_id("kitchen")), hall()], order=SmsOrder.TWILIO_FIRST))
    sender.refresh()
    assert [backend.name for backend in sender.backends] == ["twilio", "android:kitchen", "android:hall"]
    assert configured_backends()[0] is sender.backends[0]  # built once per version, shared in the process


def test_the_failover_order_is_honoured(admin_client: Client) -> None:
    save(admin_client, form([kitchen(), hall()]))
    assert names() == ["android:kitchen", "android:hall", "twilio"]

    ids = {"kitchen": saved_id("kitchen"), "hall": saved_id("hall")}
    phones = [kitchen(id=ids["kitchen"]), hall(id=ids["hall"])]
    save(admin_client, form(phones, order=SmsOrder.TWILIO_FIRST))
    assert names() == ["twilio", "android:kitchen", "android:hall"]

    # Twilio first but down: the same text goes out through a phone.
    def provider(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.twilio.com":
            return httpx.Response(503, text="Service Unavailable")
        sent = json.loads(request.content)
        return httpx.Response(202, json={"id": sent["id"], "state": "Pending"})

    recorder = Recorder(provider)
    backends = build_backends(
        SmsSettings.objects.get(), base_url="https://red.example.org", transport=recorder.transport
    )
    enqueue(Outgoing(Channel.SMS, "+19195550142", {"text": "Asamblea hoy"}, idempotency_key="order:1"))
    pump.drain(Channel.SMS, SmsSender(backends))

    message = Message.objects.get()
    assert (message.state, message.backend) == (State.SENT, "android:kitchen")
    assert [request.url.host for request in recorder.requests] == ["api.twilio.com", "192.168.1.20"]


def test_removing_phones_and_forgetting_twilio(admin_client: Client) -> None:
    save(admin_client, form([kitchen(), hall()]))

    phones = [kitchen(id=saved_id("kitchen")), hall(id=saved_id("hall"), DELETE="on")]
    save(admin_client, form(phones, twilio_enabled="", twilio_auth_token="", forget_twilio="on"))

    assert names() == ["android:kitchen"]
    row = SmsSettings.objects.get()
    assert (row.twilio_account_sid, row.twilio_auth_token, row.twilio_sender) == ("", "", "")
    assert HALL_PASSWORD not in json.dumps(row.phones)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (form(twilio_account_sid="nope"), "An account SID is AC followed by 32 letters and digits."),
        (form(twilio_auth_token=""), "Needed to send through Twilio."),
        (form(twilio_sender="call us"), "Write the number as people dial it"),
        (form(twilio_sender="MG123"), "A Messaging Service SID is MG followed by 32 letters and digits."),
        (form(android_enabled="on"), "Add at least one phone."),
        (form([kitchen(name="Kitchen Phone!")]), "Use lower-case letters, digits and dashes"),
        (form([kitchen(url="ftp://192.168.1.20")]), "Write the phone&#x27;s address as the app shows it"),
        (form([kitchen(url="http://sms:pass@192.168.1.20:8080")]), "Put the username and password in their own"),
        (form([kitchen(url="http://192.168.1.20:99999")]), "Write the phone&#x27;s address as the app shows it"),
        (form([kitchen(password="")]), "Needed for a new phone."),
        (form([kitchen(), kitchen(url="http://192.168.1.30:8080")]), "Two phones have the same name"),
        (form(order="loopback"), "Select a valid choice."),
        ({"order": SmsOrder.PHONES_FIRST}, "ManagementForm data is missing or has been tampered with"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(admin_client: Client, data: dict[str, Any], error: str) -> None:
    response = admin_client.post(PAGE, data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SmsSettings.objects.exists()


def test_an_address_refused_for_its_password_is_shown_again_without_it(admin_client: Client) -> None:
    response = admin_client.post(PAGE, form([kitchen(url="http://sms:zq73-secret@192.168.1.20:8080/")]))

    page = response.content.decode()
    assert response.status_code == 400
    assert "zq73-secret" not in page
    assert 'value="http://192.168.1.20:8080/"' in page


def test_the_test_text_form_waits_for_a_provider(admin_client: Client) -> None:
    before = admin_client.get(PAGE).content.decode()
    assert 'action="/en/settings/sms/test/"' not in before
    assert "No SMS provider is configured yet: save one first." in before

    save(admin_client, form())

    assert 'action="/en/settings/sms/test/"' in admin_client.get(PAGE).content.decode()


def test_the_spanish_page_answers(admin_client: Client) -> None:
    assert admin_client.get("/es/settings/sms/").status_code == 200
    assert admin_client.post("/es/settings/sms/", form(twilio_account_sid="nope")).status_code == 400


def test_only_an_admin_may_open_the_page_or_send_a_test(
    client: Client, member: User, coordinator: User, admin_client: Client
) -> None:
    for url in (PAGE, TEST_TEXT):
        assert client.post(url, {"to": "+19195550142"})["Location"].startswith("/en/accounts/login/")
        for person in (member, coordinator):
            assert client_for(person).get(url).status_code in {403, 405}
            assert client_for(person).post(url, form() | {"to": "+19195550142"}).status_code == 403
    assert not SmsSettings.objects.exists()
    assert not Message.objects.exists()
    assert admin_client.get(PAGE).status_code == 200


def test_the_test_button_queues_one_text_through_the_outbox(admin_client: Client, admin: User) -> None:
    save(admin_client, form([kitchen()]))

    response = admin_client.post(TEST_TEXT, {"to": "(919) 555-0142"})

    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.channel, message.to, message.state, message.batch) == (
        Channel.SMS,
        "+19195550142",
        State.QUEUED,
        TEST_BATCH,
    )
    assert "No need to answer" in message.content["text"]
    entry = AuditEntry.objects.filter(object_type="messaging.message").get()
    assert entry.actor == str(admin.uuid)
    assert not holds_a_number(json.dumps(entry.detail))
    assert "Queued" in admin_client.get(PAGE).content.decode()


def test_a_test_text_needs_a_provider_and_a_real_number(admin_client: Client) -> None:
    nothing = admin_client.post(TEST_TEXT, {"to": "+19195550142"})
    assert nothing.status_code == 400
    assert "No SMS provider is configured yet" in nothing.content.decode()

    save(admin_client, form())
    wrong = admin_client.post(TEST_TEXT, {"to": "call me"})
    assert wrong.status_code == 400
    assert "Write the number as people dial it" in wrong.content.decode()
    assert not Message.objects.exists()


def test_a_saved_twilio_account_checks_webhooks_with_the_saved_token(admin_client: Client, settings: Settings) -> None:
    save(admin_client, form())
    url = f"{settings.BASE_URL}/webhooks/sms/twilio/"
    fields = {"MessageSid": "SM1", "From": "+19195550142", "To": SENDER, "Body": "AYUDA", "SmsStatus": "received"}

    forged = Client().post(
        "/webhooks/sms/twilio/", fields, headers={"X-Twilio-Signature": twilio_signature(OTHER_TOKEN, url, fields)}
    )
    signed = Client().post(
        "/webhooks/sms/twilio/", fields, headers={"X-Twilio-Signature": twilio_signature(TOKEN, url, fields)}
    )

    assert forged.status_code == 403
    assert signed.status_code == 200
    assert Inbound.objects.get().body == "AYUDA"

    # And it sends with the saved account and token.
    recorder = Recorder(lambda request: httpx.Response(201, json={"sid": "SM2", "status": "queued"}))
    [twilio] = build_backends(SmsSettings.objects.get(), base_url=settings.BASE_URL, transport=recorder.transport)
    twilio.send("+19195550142", "hola", idempotency_key="k")
    [request] = recorder.requests
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert str(request.url).endswith(f"/Accounts/{SID}/Messages.json")


def test_a_saved_phone_checks_webhooks_with_its_own_key(admin_client: Client) -> None:
    save(admin_client, form([kitchen(), hall()], twilio_enabled=""))
    body = json.dumps({"event": "system:ping", "id": "p1", "payload": {}}).encode()
    timestamp = str(int(time.time()))

    def post(name: str, key: str) -> int:
        headers = {"X-Signature": gateway_signature(key, body, timestamp), "X-Timestamp": timestamp}
        return (
            Client().post(f"/webhooks/sms/{name}/", body, content_type="application/json", headers=headers).status_code
        )

    assert post("android:hall", SIGNING_KEY) == 403
    assert post("android:hall", HALL_KEY) == 200
    assert "Last sign of life" in admin_client.get(PAGE).content.decode()


def test_the_environment_wins_over_saved_settings(admin_client: Client, settings: Settings, tmp_path: Path) -> None:
    save(admin_client, form([kitchen()]))
    settings.SMS_BACKENDS = [LoopbackBackend(tmp_path / "sms.jsonl", "a-long-loopback-token")]

    assert names() == ["loopback"]
    assert "environment sets the SMS providers" in admin_client.get(PAGE).content.decode()


@pytest.mark.usefixtures("own_home")
def test_while_the_keys_are_locked_no_saved_provider_is_live_and_nothing_breaks(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(admin_client, form([kitchen()]))
    monkeypatch.setattr(sms_settings, "_built", None)  # a process that starts while the network is locked
    keyring.seal(OPERATOR_PASSPHRASE)
    keyring.lock()
    try:
        assert configured_backends() == []
        assert Client().get("/healthz").json()["sms"] == {"configured": False, "ok": True, "backends": [], "down": []}
    finally:
        keyring.unlock(OPERATOR_PASSPHRASE)

    assert names() == ["android:kitchen", "twilio"]


def test_healthz_names_the_saved_backends(admin_client: Client) -> None:
    assert Client().get("/healthz").json()["sms"] == {"configured": False, "ok": True, "backends": [], "down": []}

    save(admin_client, form([kitchen()], twilio_enabled=""))

    assert Client().get("/healthz").json()["sms"] == {
        "configured": True,
        "ok": True,
        "backends": ["android:kitchen"],
        "down": [],
    }


def test_the_audit_names_what_changed_never_a_value(admin_client: Client, admin: User) -> None:
    save(admin_client, form([kitchen()]))
    save(admin_client, form([kitchen(id=saved_id("kitchen"), password="")], twilio_auth_token=OTHER_TOKEN))

    first, second = AuditEntry.objects.filter(object_type="messaging.smssettings").order_by("seq")
    assert second.actor == str(admin.uuid)
    assert second.detail == {"changed": ["twilio_auth_token"], "phones": 1}
    assert not any(value in json.dumps(first.detail) for value in [*SECRETS, SID, OTHER_TOKEN])


def test_no_secret_reaches_the_logs(admin_client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    save(admin_client, form([kitchen()]))
    admin_client.post(PAGE, form([kitchen(name="Bad Name", id=saved_id("kitchen"))]))
    admin_client.get(PAGE)
    configured_backends()

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(value in logged for value in SECRETS)
    assert not any(value in repr(backend) for backend in configured_backends() for value in SECRETS)
