"""A subscriber's own subscription in the JSON API, by the token of their page's link: their OpenPGP key."""

import json
from typing import Any

import pytest
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.config.api import api
from solidarity.lists.models import Subscription
from solidarity.lists.subscriptions import do_unsubscribe, unsubscribe_token
from solidarity.messaging import services
from solidarity.messaging.models import Channel, KeyProof, Message
from tests.conftest import in_one_rate_window
from tests.factories import lists as lists_factory
from tests.factories.messaging import GpgHome, set_openpgp_key

pytestmark = pytest.mark.django_db

ROSA = "rosa.api@example.org"


@pytest.fixture
def rosa(medics: WorkingGroup, coordinator: User) -> Subscription:
    east = lists_factory.make_list(medics, coordinator, name_en="East Durham alerts", name_es="Alertas del Este")
    return lists_factory.subscriber(east, Channel.EMAIL, ROSA, language="es")


def url(subscription: Subscription, tail: str = "") -> str:
    return f"/api/v1/subscriptions/{unsubscribe_token(subscription)}{tail}"


def call(method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> tuple[int, Any]:
    response = Client().generic(
        method, path, json.dumps(body) if body is not None else "", content_type="application/json", headers=headers
    )
    return response.status_code, (response.json() if response.content else None)


def test_the_subscription_reads_by_its_token_without_an_account(rosa: Subscription) -> None:
    status, body = call("GET", url(rosa))

    assert status == 200
    assert body["list"] == "east-durham"
    assert body["state"] == "confirmed"
    assert body["openpgp_key"] is None
    assert ROSA not in json.dumps(body)
    assert call("GET", "/api/v1/subscriptions/not-signed")[0] == 404


def test_a_key_given_by_the_api_waits_for_its_proof(gnupg: GpgHome, rosa: Subscription) -> None:
    fingerprint = gnupg.new_key("otra.api@example.org", "future-default", "default", "10d")

    status, body = call("PUT", url(rosa, "/openpgp-key"), {"key": gnupg.export("otra.api@example.org")})

    assert status == 202
    assert body["status"] == "waiting_for_proof"
    assert body["key"]["fingerprint"] == fingerprint
    assert body["key"]["expires_soon"] is True
    assert len(body["warnings"]) == 2
    assert Message.objects.filter(idempotency_key__startswith="messaging.key-proof:").count() == 1
    assert call("GET", url(rosa))[1]["openpgp_key_waiting"]["fingerprint"] == fingerprint
    assert call("GET", url(rosa))[1]["openpgp_key"] is None


def test_a_secret_key_is_refused_in_the_callers_language_and_not_kept(gnupg: GpgHome, rosa: Subscription) -> None:
    gnupg.new_key("secreta.api@example.org", "future-default")
    secret = gnupg.gpg("--armor", "--export-secret-keys", "secreta.api@example.org").stdout.decode()

    status, body = call("PUT", url(rosa, "/openpgp-key"), {"key": secret}, **{"Accept-Language": "es"})

    assert status == 422
    assert body["error"]["code"] == "secret_key"
    assert body["error"]["message"].startswith("Esta es una clave secreta")
    assert "key" in body["error"]["fields"]
    assert secret.splitlines()[5] not in json.dumps(body)
    assert not KeyProof.objects.exists()


def test_removing_the_key_by_the_api_answers_204_and_sends_a_plain_notice(gnupg: GpgHome, rosa: Subscription) -> None:
    gnupg.new_key("quita.api@example.org", "future-default")
    set_openpgp_key(ROSA, gnupg.export("quita.api@example.org"))

    status, _body = call("DELETE", url(rosa, "/openpgp-key"))

    assert status == 204
    found = services.find_address(Channel.EMAIL, ROSA)
    assert found is not None
    assert found.openpgp_key == ""
    assert Message.objects.filter(idempotency_key__startswith="messaging.key-removed:").count() == 1
    assert call("DELETE", url(rosa, "/openpgp-key"))[0] == 204  # nothing more to remove


def test_an_ended_subscription_answers_409(gnupg: GpgHome, rosa: Subscription) -> None:
    gnupg.new_key("fin.api@example.org", "future-default")
    do_unsubscribe(rosa)

    status, body = call("PUT", url(rosa, "/openpgp-key"), {"key": gnupg.export("fin.api@example.org")})

    assert status == 409
    assert body["error"]["code"] == "not_active"


def test_giving_keys_by_the_api_is_rate_limited(rosa: Subscription, gnupg: GpgHome) -> None:
    gnupg.new_key("rapida.api@example.org", "future-default")
    key = gnupg.export("rapida.api@example.org")

    with in_one_rate_window():
        statuses = [call("PUT", url(rosa, "/openpgp-key"), {"key": key})[0] for _ in range(6)]

    assert statuses == [202] * 5 + [429]


def test_every_error_of_the_subscription_operations_is_documented() -> None:
    paths = api.get_openapi_schema()["paths"]
    put = paths["/api/v1/subscriptions/{subscription}/openpgp-key"]["put"]["responses"]
    delete = paths["/api/v1/subscriptions/{subscription}/openpgp-key"]["delete"]["responses"]

    assert {202, 400, 404, 409, 422, 429} <= {int(status) for status in put}
    assert {204, 404, 409, 429} <= {int(status) for status in delete}
