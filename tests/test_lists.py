"""Lists: public sign-up with double opt-in by email and SMS, one-step unsubscribe, a group's list pages."""

import importlib
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from solidarity.accounts import demo as accounts_demo
from solidarity.accounts.models import User, WorkingGroup
from solidarity.core import retention
from solidarity.core.models import AuditEntry
from solidarity.lists import demo as lists_demo
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.models import AnnouncementList, Subscription, SubscriptionState
from solidarity.lists.subscriptions import (
    do_confirm,
    do_subscribe,
    do_unsubscribe,
    find_subscription,
    unsubscribe_token,
)
from solidarity.messaging import pump
from solidarity.messaging.models import Channel
from solidarity.messaging.sms.loopback import LoopbackBackend
from tests.conftest import client_for, deliver

pytestmark = pytest.mark.django_db

TOKEN = "loopback-test-token"
NEIGHBOUR = "+19195550142"  # 555-01xx: fictional
SIGN_UP = "/en/lists/east-durham/"


@pytest.fixture
def loopback(settings: Settings, tmp_path: Path) -> Path:
    outbox = tmp_path / "sms-outbox.jsonl"
    settings.SMS_BACKENDS = [LoopbackBackend(outbox, TOKEN)]
    return outbox


def text_in(body: str, *, sender: str = NEIGHBOUR) -> None:
    response = Client().post(
        "/webhooks/sms/loopback/", {"From": sender, "Body": body}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200


def texts_out(outbox: Path) -> list[dict[str, Any]]:
    pump.drain(Channel.SMS)
    return [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []


def make_list(group: WorkingGroup, by: User, **values: Any) -> AnnouncementList:
    defaults: dict[str, Any] = {
        "name": "Rapid response — East Durham",
        "slug": "east-durham",
        "description": "Alerts when ICE is seen in East Durham.",
        "has_email": True,
        "has_sms": True,
        "keyword": "ESTE",
        "is_public": True,
        "shows_count": False,
        "zones": ["East Durham", "Walltown"],
    }
    return do_save_list(group, ListValues(**(defaults | values)), by=by)


@pytest.fixture
def east(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(medics, coordinator)


def sign_up(address: str, *, client_address: str = "192.0.2.1", **data: str) -> HttpResponse:
    fields = {"address": address, "zone": "Walltown", "language": "en", **data}
    response = Client().post(SIGN_UP, fields, REMOTE_ADDR=client_address)
    assert isinstance(response, HttpResponse)
    return response


def link_path(text: str) -> str:
    found = re.search(r"https?://[^/\s]+(/\S+)", text)
    assert found, text
    return found.group(1)


def test_the_sign_up_page_works_without_javascript_and_names_no_group(east: AnnouncementList) -> None:
    response = Client().get(SIGN_UP)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Rapid response — East Durham" in page
    assert '<form method="post"' in page
    assert 'name="address"' in page
    assert '<option value="Walltown">Walltown</option>' in page
    assert "Street Medics" not in page  # who runs a list is not the public's business


def test_email_sign_up_sends_a_link_whose_page_confirms_only_when_its_button_is_pressed(
    east: AnnouncementList,
) -> None:
    response = sign_up("Neighbour@Example.org", language="es")

    assert response.status_code == 200
    assert "Almost done" in response.content.decode()
    [sent] = deliver()
    assert sent.to == ["neighbour@example.org"]
    assert "Rapid response — East Durham" in sent.subject
    subscription = find_subscription(east, Channel.EMAIL, "neighbour@example.org")
    assert subscription is not None
    assert (subscription.state, subscription.language, subscription.zone) == ("pending", "es", "Walltown")

    # A mail scanner opens the link: the page shows one button and confirms nothing.
    confirm = link_path(str(sent.body))
    assert confirm.startswith("/es/lists/confirm/")
    page = Client().get(confirm)
    assert page.status_code == 200
    assert page.content.decode().count('type="submit"') == 1
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.PENDING

    # The person presses it.
    pressed = Client(enforce_csrf_checks=False).post(confirm)
    assert pressed.status_code == 302
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.CONFIRMED
    assert subscription.confirmed_at is not None
    assert 'type="submit"' not in Client().get(confirm).content.decode()


def test_the_stored_address_is_encrypted_and_only_a_hash_of_the_link_is_kept(east: AnnouncementList) -> None:
    sign_up("neighbour@example.org")
    [sent] = deliver()
    token = link_path(str(sent.body)).rstrip("/").rsplit("/", 1)[1]

    [row] = Subscription.objects.values_list("address", "confirm_token_hash")
    assert "neighbour@example.org" not in row[0]
    assert token not in row[1]


def test_the_sign_up_form_answers_alike_whoever_is_already_subscribed(east: AnnouncementList) -> None:
    confirmed = do_subscribe(east, Channel.EMAIL, "known@example.org", "en", "Walltown")
    do_confirm(confirmed)
    do_subscribe(east, Channel.EMAIL, "waiting@example.org", "en", "Walltown")
    deliver()
    mail.outbox.clear()

    answers = [
        sign_up(address, client_address=f"192.0.2.{n}").content
        for n, address in enumerate(["new@example.org", "known@example.org", "waiting@example.org"], start=10)
    ]

    assert answers[0] == answers[1] == answers[2]
    # Only the new address is asked: the confirmed one changes nothing, the waiting one was asked a moment ago.
    assert [message.to for message in deliver()] == [["new@example.org"]]
    assert Subscription.objects.count() == 3


def test_a_pending_sign_up_is_asked_again_later_and_only_the_newest_link_works(east: AnnouncementList) -> None:
    sign_up("neighbour@example.org")
    [first] = deliver()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        sign_up("neighbour@example.org", client_address="192.0.2.2")
        [_first, second] = deliver()

        assert Client().get(link_path(str(first.body))).status_code == 404
        assert Client().post(link_path(str(second.body))).status_code == 302
    assert Subscription.objects.get().state == SubscriptionState.CONFIRMED


def test_sms_sign_up_on_the_page_is_confirmed_by_texting_confirmar_and_the_code(
    east: AnnouncementList, loopback: Path
) -> None:
    response = sign_up("(919) 555-0142", language="es")

    assert "We are sending a text" in response.content.decode()
    [asked] = texts_out(loopback)
    assert asked["to"] == NEIGHBOUR
    code = re.search(r"\b(\d{4})\b", asked["body"])
    assert code, asked["body"]
    subscription = find_subscription(east, Channel.SMS, NEIGHBOUR)
    assert subscription is not None
    assert subscription.state == SubscriptionState.PENDING

    text_in("CONFIRMAR 0000" if code.group(1) != "0000" else "CONFIRMAR 1111")
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.PENDING  # a wrong code confirms nothing

    text_in(f"Confirmar {code.group(1)}")
    subscription.refresh_from_db()
    assert (subscription.state, subscription.language) == (SubscriptionState.CONFIRMED, "es")
    replies = [sent["body"] for sent in texts_out(loopback)[1:]]
    assert len(replies) == 2
    assert "Rapid response — East Durham" in replies[1]


def test_joining_by_text_with_the_lists_keyword_subscribes_at_once(east: AnnouncementList, loopback: Path) -> None:
    text_in("unirse este")

    subscription = find_subscription(east, Channel.SMS, NEIGHBOUR)
    assert subscription is not None
    assert (subscription.state, subscription.language, subscription.zone) == ("confirmed", "es", "")
    [reply] = texts_out(loopback)
    assert "Rapid response — East Durham" in reply["body"]

    text_in("JOIN ESTE")  # again: nothing changes
    assert Subscription.objects.count() == 1


def test_joining_an_unknown_list_says_so_and_subscribes_nothing(east: AnnouncementList, loopback: Path) -> None:
    text_in("JOIN NORTE")

    assert not Subscription.objects.exists()
    [reply] = texts_out(loopback)
    assert "NORTE" in reply["body"]


def test_a_number_that_texted_stop_and_then_join_is_back(east: AnnouncementList, loopback: Path) -> None:
    text_in("STOP")
    text_in("JOIN ESTE")

    [_stopped, welcome] = texts_out(loopback)
    assert "Rapid response — East Durham" in welcome["body"]


def test_unsubscribing_from_the_page_takes_one_button(east: AnnouncementList) -> None:
    subscription = do_subscribe(east, Channel.EMAIL, "neighbour@example.org", "en", "Walltown")
    do_confirm(subscription)
    url = f"/en/lists/unsubscribe/{unsubscribe_token(subscription)}/"

    page = Client().get(url)
    assert page.status_code == 200
    assert page.content.decode().count('type="submit"') == 1
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.CONFIRMED  # opening the link changes nothing

    done = Client().post(url)
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.UNSUBSCRIBED


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(east: AnnouncementList) -> None:
    subscription = do_subscribe(east, Channel.EMAIL, "neighbour@example.org", "en", "Walltown")
    do_confirm(subscription)
    mail_program = Client(enforce_csrf_checks=True)

    response = mail_program.post(
        f"/en/lists/unsubscribe/{unsubscribe_token(subscription)}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.UNSUBSCRIBED


def test_a_link_we_did_not_sign_unsubscribes_nobody(east: AnnouncementList) -> None:
    subscription = do_subscribe(east, Channel.EMAIL, "neighbour@example.org", "en", "Walltown")
    do_confirm(subscription)
    forged = f"{subscription.uuid.hex}.{'A' * 43}"

    assert Client(enforce_csrf_checks=True).post(f"/en/lists/unsubscribe/{forged}/").status_code == 404
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.CONFIRMED


def test_an_old_confirmation_link_cannot_sign_up_again_after_unsubscribing(east: AnnouncementList) -> None:
    sign_up("neighbour@example.org")
    [sent] = deliver()
    Client().post(link_path(str(sent.body)))
    subscription = Subscription.objects.get()
    do_unsubscribe(subscription)

    assert Client().post(link_path(str(sent.body))).status_code == 404
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.UNSUBSCRIBED


def test_the_public_count_shows_only_when_the_list_allows_it(east: AnnouncementList, coordinator: User) -> None:
    for n in range(3):
        do_confirm(do_subscribe(east, Channel.EMAIL, f"n{n}@example.org", "en", "Walltown"))
    do_subscribe(east, Channel.EMAIL, "pending@example.org", "en", "Walltown")

    assert "people are subscribed" not in Client().get(SIGN_UP).content.decode()
    make_list(east.group, coordinator, name="Updates", slug="updates", keyword="", shows_count=True)
    for n in range(2):
        do_confirm(do_subscribe(AnnouncementList.objects.get(slug="updates"), Channel.EMAIL, f"u{n}@ex.org", "en"))
    assert "2 people are subscribed." in Client().get("/en/lists/updates/").content.decode()


def test_a_list_without_a_public_page_has_none(east: AnnouncementList, coordinator: User) -> None:
    make_list(east.group, coordinator, name="Inner circle", slug="inner", keyword="", is_public=False)

    assert Client().get("/en/lists/inner/").status_code == 404
    assert Client().post("/en/lists/inner/", {"address": "a@example.org"}).status_code == 404


def test_sms_is_offered_only_once_an_sms_service_is_configured(east: AnnouncementList, settings: Settings) -> None:
    settings.SMS_BACKENDS = []

    response = sign_up("(919) 555-0142")

    assert response.status_code == 400
    assert "Give an email address." in response.content.decode()
    assert not Subscription.objects.exists()


def test_the_audit_log_records_sign_ups_without_addresses(east: AnnouncementList) -> None:
    sign_up("neighbour@example.org")

    entry = AuditEntry.objects.filter(object_type="lists.subscription").get()
    assert entry.actor == "public"
    assert "neighbour" not in json.dumps(entry.detail)


def test_never_confirmed_and_unsubscribed_subscriptions_are_purged(east: AnnouncementList) -> None:
    do_subscribe(east, Channel.EMAIL, "never@example.org", "en", "Walltown")
    left = do_subscribe(east, Channel.EMAIL, "left@example.org", "en", "Walltown")
    do_confirm(left)
    do_unsubscribe(left)
    stays = do_subscribe(east, Channel.EMAIL, "stays@example.org", "en", "Walltown")
    do_confirm(stays)

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert retention.Purged("lists.unsubscribed", 1) in retention.purge()
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert retention.Purged("lists.never-confirmed", 1) in retention.purge()

    assert list(Subscription.objects.values_list("uuid", flat=True)) == [stays.uuid]


# A group's list pages.


def test_a_coordinator_creates_a_list_and_sees_counts_never_addresses(coordinator: User, medics: WorkingGroup) -> None:
    client = client_for(coordinator)
    response = client.post(
        "/en/groups/street-medics-committee/lists/new/",
        {
            "name": "Action 12/03 updates",
            "description": "Where and when.",
            "has_email": "on",
            "has_sms": "on",
            "keyword": "acción12",
            "is_public": "on",
            "zones": "Walltown\nEast Durham\n\nWalltown",
        },
    )

    assert response.status_code == 302
    created = AnnouncementList.objects.get()
    assert (created.slug, created.keyword, created.zones) == (
        "action-1203-updates",
        "ACCION12",
        ["Walltown", "East Durham"],
    )
    do_confirm(do_subscribe(created, Channel.EMAIL, "secret.person@example.org", "es", "Walltown"))

    page = client.get(response["Location"]).content.decode()
    assert "secret.person" not in page
    assert "JOIN ACCION12" in page
    assert re.search(r"Walltown</th><td class=\"number\">1<", page)


@pytest.mark.parametrize(
    ("keyword", "message"),
    [("stop", "already an SMS command"), ("two words", "one word"), ("ESTE", "Another list uses this keyword")],
)
def test_a_list_keyword_is_one_free_word(east: AnnouncementList, coordinator: User, keyword: str, message: str) -> None:
    response = client_for(coordinator).post(
        "/en/groups/street-medics-committee/lists/new/",
        {"name": "Another", "has_sms": "on", "keyword": keyword},
    )

    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("page", ["lists/", "lists/new/", "lists/east-durham/", "lists/east-durham/edit/"])
def test_list_pages_are_for_the_groups_coordinators_only(
    east: AnnouncementList,
    coordinator: User,
    medic: User,
    outsider: User,
    other_coordinator: User,
    page: str,
) -> None:
    url = f"/en/groups/street-medics-committee/{page}"

    assert client_for(coordinator).get(url).status_code == 200
    for refused in (medic, outsider, other_coordinator):
        assert client_for(refused).get(url).status_code == 404, refused.username
    assert Client().get(url).status_code == 302  # to sign in


def test_another_groups_coordinator_cannot_reach_a_list_through_their_own_group(
    east: AnnouncementList, other_coordinator: User
) -> None:
    assert client_for(other_coordinator).get("/en/groups/rapid-response/lists/east-durham/").status_code == 404


def test_the_demo_lists_load_once_and_send_nothing() -> None:
    accounts_demo.load()

    assert lists_demo.load() == 6
    assert lists_demo.load() == 0
    assert Subscription.objects.filter(state=SubscriptionState.CONFIRMED).count() == 4
    assert deliver() == []


def test_lists_services_are_split_by_what_they_own() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("solidarity.lists.services")
    for owner in ("announcement_lists", "subscriptions", "broadcasts", "reports"):
        module = importlib.import_module(f"solidarity.lists.{owner}")
        assert module.__doc__ is not None, owner
        first = module.__doc__.splitlines()[0]
        assert first.endswith("."), owner  # STYLE.md: one line on what it owns
        assert len(first) <= 120, owner
