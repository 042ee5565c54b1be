"""The hotline's inbox through the JSON API: what a dispatcher does on the inbox page, for scripts."""

from typing import Any

import pytest
from django.test import Client

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import Role
from solidarity.lists.models import Subscription, SubscriptionState
from solidarity.messaging.models import Address, Inbound, InboundState, Message
from tests.factories.accounts import client_for, make_member
from tests.factories.lists import make_list
from tests.factories.messaging import received

pytestmark = pytest.mark.django_db

NEIGHBOUR = "+19195550177"  # 555-01xx: fictional
INBOX = "/api/v1/inbox"


@pytest.fixture
def hotline(rapid_response: WorkingGroup) -> Client:
    return client_for(make_member("dina.dispatcher", rapid_response, Role.DISPATCHER))


def post(client: Client, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def test_a_dispatcher_lists_the_waiting_texts_without_their_numbers(hotline: Client) -> None:
    first = received("hola?", sender=NEIGHBOUR)
    received("STOP", sender="+19195550178")  # a keyword's text is not in the inbox
    second = received("someone at my door", sender="abc")

    answer = hotline.get(f"{INBOX}?limit=10").json()

    assert answer["count"] == 2
    assert [(item["id"], item["sender_ending"], item["has_usable_sender"]) for item in answer["items"]] == [
        (str(second.uuid), None, False),
        (str(first.uuid), "0177", True),
    ]
    assert "9195550177" not in str(answer)
    seen = AuditEntry.objects.get(action=AuditAction.VIEWED, object_type="messaging.inbound")
    assert sorted(seen.object_ids) == sorted([str(first.uuid), str(second.uuid)])


def test_nobody_but_a_dispatcher_reaches_the_inbox(medics: WorkingGroup, coordinator: User) -> None:
    inbound = received("hola?", sender=NEIGHBOUR)
    for client in (client_for(coordinator), Client()):
        assert client.get(INBOX).status_code in (401, 404)
        assert client.get(f"{INBOX}/{inbound.uuid}").status_code in (401, 404)
        assert post(client, f"{INBOX}/{inbound.uuid}/opt-out").status_code in (401, 403, 404)
    assert not Address.objects.filter(opted_out_at__isnull=False).exists()


def test_a_reply_is_checked_as_on_the_page(hotline: Client) -> None:
    inbound = received("hola?", sender=NEIGHBOUR)

    too_long = post(hotline, f"{INBOX}/{inbound.uuid}/reply", {"text": "palabra " * 59}, **{"accept-language": "es"})
    sent = post(hotline, f"{INBOX}/{inbound.uuid}/reply", {"text": "No abra la puerta."})

    assert too_long.status_code == 422
    assert too_long.json()["error"]["fields"]["text"] == ["Demasiado largo para un SMS: que no pase de tres mensajes."]
    assert sent.status_code == 200
    assert Message.objects.filter(idempotency_key__startswith=f"messaging.inbox-reply:{inbound.uuid}").count() == 1


def test_a_dispatcher_opts_a_number_out_and_it_leaves_the_inbox(hotline: Client) -> None:
    inbound = received("please stop texting me", sender=NEIGHBOUR)

    answer = post(hotline, f"{INBOX}/{inbound.uuid}/opt-out")

    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["command"]) == ("reviewed", "stop")
    assert Address.objects.get().opted_out_at is not None
    assert hotline.get(INBOX).json()["count"] == 0


def test_a_text_is_moved_into_a_list_and_wrong_input_changes_nothing(
    hotline: Client, medics: WorkingGroup, coordinator: User
) -> None:
    northside = make_list(medics, coordinator, "northside", keyword="NORTE")
    inbound = received("add me to the north texts", sender=NEIGHBOUR)

    bad = post(hotline, f"{INBOX}/{inbound.uuid}/move", {"command": "join", "argument": "no such thing!"})
    nobody = post(hotline, f"{INBOX}/{inbound.uuid}/move", {"command": "go"})  # no alert waits for this number
    moved = post(hotline, f"{INBOX}/{inbound.uuid}/move", {"command": "join", "argument": "norte"})

    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_input")
    assert (nobody.status_code, nobody.json()["error"]["code"]) == (409, "not_taken")
    assert moved.status_code == 200
    assert (moved.json()["text"]["state"], moved.json()["text"]["command"]) == ("reviewed", "join")
    assert Subscription.objects.get(announcement_list=northside).state == SubscriptionState.CONFIRMED


def test_a_text_from_no_phone_number_cannot_be_answered(hotline: Client) -> None:
    inbound = received("hello", sender="abc")

    for action, body in (("reply", {"text": "hola"}), ("opt-out", {}), ("move", {"command": "join", "argument": "X1"})):
        answer = post(hotline, f"{INBOX}/{inbound.uuid}/{action}", body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (409, "no_phone_number")
    assert not Message.objects.exists()
    assert Inbound.objects.get().state == InboundState.UNMATCHED
