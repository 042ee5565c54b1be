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
from solidarity.core import audit, retention
from solidarity.core.models import AuditEntry, Zone
from solidarity.core.zones import ZoneValues, do_create_zone, do_update_zone, zone_by_slug
from solidarity.lists import demo as lists_demo
from solidarity.lists.models import AnnouncementList, Subscription, SubscriptionState
from solidarity.lists.subscriptions import (
    do_confirm,
    do_subscribe,
    do_unsubscribe,
    find_subscription,
    unsubscribe_token,
)
from solidarity.messaging.models import Channel
from tests.factories import lists as lists_factory
from tests.factories import messaging as messaging_factory
from tests.factories.accounts import client_for
from tests.factories.messaging import NEIGHBOUR, deliver, texts_out

pytestmark = pytest.mark.django_db

SIGN_UP = "/en/lists/east-durham/"


def text_in(body: str, *, sender: str = NEIGHBOUR) -> None:
    assert messaging_factory.text_in(Client(), body, sender=sender) == 200


# East Durham's list: on email and SMS, joined by texting ESTE.
EAST: dict[str, Any] = {
    "name_en": "Rapid response — East Durham",
    "description_en": "Alerts when ICE is seen in East Durham.",
    "keyword": "ESTE",
}


def make_list(group: WorkingGroup, by: User, **values: Any) -> AnnouncementList:
    return lists_factory.make_list(group, by, **(EAST | values))


@pytest.fixture
def east(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(medics, coordinator)


def walltown() -> Zone:
    found = zone_by_slug("walltown")
    assert found is not None
    return found


def sign_up(address: str, *, client_address: str = "192.0.2.1", **data: str) -> HttpResponse:
    fields = {"address": address, "zone": "walltown", "language": "en", **data}
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
    assert '<option value="walltown">Walltown</option>' in page
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
    assert (subscription.state, subscription.language, subscription.zone) == ("pending", "es", walltown())

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
    confirmed = do_subscribe(east, Channel.EMAIL, "known@example.org", "en", walltown())
    do_confirm(confirmed)
    do_subscribe(east, Channel.EMAIL, "waiting@example.org", "en", walltown())
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
    code = re.search(r"CONFIRM\w* ([A-Z0-9]{2,8})\b", asked["body"])
    assert code, asked["body"]
    subscription = find_subscription(east, Channel.SMS, NEIGHBOUR)
    assert subscription is not None
    assert subscription.state == SubscriptionState.PENDING

    text_in("CONFIRMAR AA22" if code.group(1) != "AA22" else "CONFIRMAR AA33")
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.PENDING  # a wrong code confirms nothing

    text_in(f"Confirmar {code.group(1).lower()}")  # typed as it comes: compared folded
    subscription.refresh_from_db()
    assert (subscription.state, subscription.language) == (SubscriptionState.CONFIRMED, "es")
    replies = [sent["body"] for sent in texts_out(loopback)[1:]]
    assert len(replies) == 2
    assert "Rapid response — East Durham" in replies[1]


def test_joining_by_text_with_the_lists_keyword_subscribes_at_once(east: AnnouncementList, loopback: Path) -> None:
    text_in("unirse este")

    subscription = find_subscription(east, Channel.SMS, NEIGHBOUR)
    assert subscription is not None
    assert (subscription.state, subscription.language, subscription.zone) == ("confirmed", "es", None)
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
    subscription = do_subscribe(east, Channel.EMAIL, "neighbour@example.org", "en", walltown())
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
    subscription = do_subscribe(east, Channel.EMAIL, "neighbour@example.org", "en", walltown())
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
    subscription = do_subscribe(east, Channel.EMAIL, "neighbour@example.org", "en", walltown())
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
        do_confirm(do_subscribe(east, Channel.EMAIL, f"n{n}@example.org", "en", walltown()))
    do_subscribe(east, Channel.EMAIL, "pending@example.org", "en", walltown())

    assert "people are subscribed" not in Client().get(SIGN_UP).content.decode()
    make_list(east.group, coordinator, name_en="Updates", slug="updates", keyword="", shows_count=True)
    for n in range(2):
        do_confirm(do_subscribe(AnnouncementList.objects.get(slug="updates"), Channel.EMAIL, f"u{n}@ex.org", "en"))
    assert "2 people are subscribed." in Client().get("/en/lists/updates/").content.decode()


def test_a_list_without_a_public_page_has_none(east: AnnouncementList, coordinator: User) -> None:
    make_list(east.group, coordinator, name_en="Inner circle", slug="inner", keyword="", is_public=False)

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
    do_subscribe(east, Channel.EMAIL, "never@example.org", "en", walltown())
    left = do_subscribe(east, Channel.EMAIL, "left@example.org", "en", walltown())
    do_confirm(left)
    do_unsubscribe(left)
    stays = do_subscribe(east, Channel.EMAIL, "stays@example.org", "en", walltown())
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
            "name_en": "Action 12/03 updates",
            "description_en": "Where and when.",
            "has_email": "on",
            "has_sms": "on",
            "keyword": "acción12",
            "is_public": "on",
            "new_zones": "Walltown\nEast Durham\n\nWalltown",
        },
    )

    assert response.status_code == 302
    created = AnnouncementList.objects.get()
    assert (created.slug, created.keyword) == ("action-1203-updates", "ACCION12")
    assert sorted(created.zones.values_list("slug", flat=True)) == ["east-durham", "walltown"]
    do_confirm(do_subscribe(created, Channel.EMAIL, "secret.person@example.org", "es", walltown()))

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
        {"name_en": "Another", "has_sms": "on", "keyword": keyword},
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

    assert lists_demo.load() == 9  # 3 zones, 2 lists, 4 subscriptions
    assert lists_demo.load() == 0
    assert Subscription.objects.filter(state=SubscriptionState.CONFIRMED).count() == 4
    assert deliver() == []


def test_the_demo_lists_read_naturally_in_both_languages() -> None:
    accounts_demo.load()
    lists_demo.load()

    english = Client().get("/en/lists/east-durham/").content.decode()
    spanish = Client().get("/es/lists/east-durham/").content.decode()

    assert "Rapid response — East Durham" in english
    assert "Respuesta rápida — Este de Durham" in spanish
    assert "Rapid response" not in spanish
    assert "Alertas cuando se ve a ICE" in spanish
    assert '<option value="east-durham">Este de Durham</option>' in spanish
    for demo in AnnouncementList.objects.all():
        assert all((demo.name_en, demo.name_es, demo.description_en, demo.description_es)), demo.slug


def test_lists_services_are_split_by_what_they_own() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("solidarity.lists.services")
    for owner in ("announcement_lists", "subscriptions", "broadcasts", "reports"):
        module = importlib.import_module(f"solidarity.lists.{owner}")
        assert module.__doc__ is not None, owner
        first = module.__doc__.splitlines()[0]
        assert first.endswith("."), owner  # STYLE.md: one line on what it owns
        assert len(first) <= 120, owner


# A list's public texts, in English and in Spanish.


@pytest.fixture
def bilingual(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(
        medics,
        coordinator,
        name_es="Respuesta rápida — Este de Durham",
        description_es="Alertas cuando se ve a ICE en el este de Durham.",
    )


def test_the_spanish_sign_up_page_never_shows_the_english_name_when_a_spanish_one_exists(
    bilingual: AnnouncementList,
) -> None:
    spanish = Client().get("/es/lists/east-durham/").content.decode()
    english = Client().get(SIGN_UP).content.decode()

    assert "Respuesta rápida — Este de Durham" in spanish
    assert "Alertas cuando se ve a ICE" in spanish
    assert "Rapid response" not in spanish
    assert "Alerts when ICE" not in spanish
    assert "Rapid response — East Durham" in english
    assert "Alerts when ICE is seen in East Durham." in english
    assert "Respuesta rápida" not in english


def test_a_page_shows_the_other_languages_text_when_its_own_is_missing(medics: WorkingGroup, coordinator: User) -> None:
    make_list(medics, coordinator, name_en="", name_es="Solo en español", description_en="", slug="solo")

    english = Client().get("/en/lists/solo/").content.decode()

    assert "<h1>Solo en español</h1>" in english


def test_confirmations_name_the_list_in_the_subscribers_language(bilingual: AnnouncementList, loopback: Path) -> None:
    sign_up("vecina@example.org", language="es")
    sign_up("(919) 555-0142", language="es", client_address="192.0.2.2")
    sign_up("neighbour@example.org", language="en", client_address="192.0.2.3")

    spanish, english = deliver()
    assert "Respuesta rápida — Este de Durham" in spanish.subject
    assert "Respuesta rápida — Este de Durham" in str(spanish.body)
    assert "Rapid response" not in spanish.subject + str(spanish.body)
    assert "Rapid response — East Durham" in english.subject
    [asked] = texts_out(loopback)
    assert "Respuesta rápida — Este de Durham" in asked["body"]

    code = re.search(r"CONFIRM\w* ([A-Z0-9]{2,8})\b", asked["body"])
    assert code
    text_in(f"CONFIRMAR {code.group(1)}")
    [_asked, confirmed] = texts_out(loopback)
    assert "Este de Durham" in confirmed["body"]
    assert "Rapid response" not in confirmed["body"]


def test_join_replies_name_the_list_in_the_language_of_the_text(bilingual: AnnouncementList, loopback: Path) -> None:
    text_in("UNIRSE ESTE")
    text_in("JOIN ESTE", sender="+19195550143")

    spanish, english = (sent["body"] for sent in texts_out(loopback))
    assert "Este de Durham" in spanish
    assert "Rapid response" not in spanish
    assert "Rapid response — East Durham" in english


def test_a_list_needs_a_name_in_one_language(coordinator: User, medics: WorkingGroup) -> None:
    response = client_for(coordinator).post(
        "/en/groups/street-medics-committee/lists/new/", {"name_en": " ", "name_es": "", "has_email": "on"}
    )

    assert response.status_code == 200
    assert "Give the list a name, in English or in Spanish." in response.content.decode()
    assert not AnnouncementList.objects.exists()


def test_a_list_named_only_in_spanish_gets_its_short_name_from_the_spanish_name(
    coordinator: User, medics: WorkingGroup
) -> None:
    response = client_for(coordinator).post(
        "/es/groups/street-medics-committee/lists/new/",
        {"name_es": "Talleres de otoño", "description_es": "Fechas y lugares.", "has_email": "on"},
    )

    assert response.status_code == 302
    created = AnnouncementList.objects.get()
    assert (created.slug, created.name_en, created.name_es) == ("talleres-de-otono", "", "Talleres de otoño")


def test_the_list_form_shows_and_keeps_both_languages(bilingual: AnnouncementList, coordinator: User) -> None:
    url = "/en/groups/street-medics-committee/lists/east-durham/edit/"
    client = client_for(coordinator)

    page = client.get(url).content.decode()
    assert 'value="Respuesta rápida — Este de Durham"' in page
    assert 'lang="es"' in page
    response = client.post(
        url,
        {
            "name_en": "Rapid response — East",
            "name_es": "Respuesta rápida — Este",
            "slug": "east-durham",
            "description_es": "Alertas.",
            "has_email": "on",
            "zones": ["walltown"],
        },
    )

    assert response.status_code == 302
    bilingual.refresh_from_db()
    assert (bilingual.name_en, bilingual.name_es, bilingual.description_en, bilingual.description_es) == (
        "Rapid response — East",
        "Respuesta rápida — Este",
        "",
        "Alertas.",
    )
    assert list(bilingual.zones.values_list("slug", flat=True)) == ["walltown"]


# Zones on lists.


def test_the_sign_up_form_offers_the_lists_zones_by_name_in_the_pages_language_and_posts_the_slug(
    east: AnnouncementList,
) -> None:
    do_update_zone(walltown(), ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor=audit.CLI)

    spanish = Client().get("/es/lists/east-durham/").content.decode()
    Client().post("/es/lists/east-durham/", {"address": "vecina@example.org", "zone": "walltown", "language": "es"})

    assert '<option value="walltown">Barrio Walltown</option>' in spanish
    assert '<option value="east-durham">East Durham</option>' in spanish  # no Spanish name: the other one
    subscription = find_subscription(east, Channel.EMAIL, "vecina@example.org")
    assert subscription is not None
    assert subscription.zone == walltown()


def test_a_zone_the_list_does_not_offer_is_refused_and_nothing_is_stored(east: AnnouncementList) -> None:
    do_create_zone(ZoneValues(name_en="Lakewood"), actor=audit.CLI)

    response = sign_up("neighbour@example.org", zone="lakewood")

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Subscription.objects.exists()
    with pytest.raises(ValueError, match="zone"):
        do_subscribe(east, Channel.EMAIL, "neighbour@example.org", "en", zone_by_slug("lakewood"))


def test_a_coordinator_picks_the_networks_zones_and_adds_new_ones_by_name(
    east: AnnouncementList, coordinator: User, medics: WorkingGroup
) -> None:
    do_create_zone(ZoneValues(name_en="Old North Durham"), actor=audit.CLI)
    client = client_for(coordinator)
    form = client.get("/en/groups/street-medics-committee/lists/new/").content.decode()
    assert 'value="old-north-durham"' in form  # every zone of the network is offered
    assert 'value="walltown"' in form

    response = client.post(
        "/en/groups/street-medics-committee/lists/new/",
        {
            "name_en": "Northside",
            "has_email": "on",
            "zones": ["old-north-durham"],
            "new_zones": "walltown\nLakewood\n",  # one the network has, under another case; one it lacks
        },
    )

    assert response.status_code == 302
    created = AnnouncementList.objects.get(slug="northside")
    assert sorted(created.zones.values_list("slug", flat=True)) == ["lakewood", "old-north-durham", "walltown"]
    assert Zone.objects.count() == 4
    lakewood = zone_by_slug("lakewood")
    assert lakewood is not None
    entry = AuditEntry.objects.get(object_type="core.zone", object_ids=[str(lakewood.uuid)])
    assert (entry.actor, entry.role) == (str(coordinator.uuid), "coordinator")


def test_a_network_without_zones_offers_only_the_box_to_add_them(coordinator: User, medics: WorkingGroup) -> None:
    form = client_for(coordinator).get("/en/groups/street-medics-committee/lists/new/").content.decode()

    assert 'name="zones"' not in form
    assert 'name="new_zones"' in form


def test_a_list_page_counts_subscribers_by_zone_in_the_pages_language(
    east: AnnouncementList, coordinator: User
) -> None:
    do_update_zone(walltown(), ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor=audit.CLI)
    do_confirm(do_subscribe(east, Channel.EMAIL, "uno@example.org", "es", walltown()))
    do_confirm(do_subscribe(east, Channel.EMAIL, "dos@example.org", "es", walltown()))
    do_confirm(do_subscribe(east, Channel.EMAIL, "tres@example.org", "es"))

    page = client_for(coordinator).get("/es/groups/street-medics-committee/lists/east-durham/").content.decode()

    assert re.search(r"Barrio Walltown</th><td class=\"number\">2<", page)
    assert re.search(r"East Durham</th><td class=\"number\">0<", page)
    assert re.search(r"Sin zona indicada</th><td class=\"number\">1<", page)
    assert "uno@example.org" not in page
