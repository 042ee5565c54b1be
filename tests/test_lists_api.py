"""Announcement lists and broadcasts through the JSON API: what a coordinator does on the pages, for scripts."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditAction, AuditEntry, Zone
from solidarity.core.permissions import Role
from solidarity.core.zones import ZoneValues, do_create_zone, zone_by_slug
from solidarity.lists.access import access_broadcast_scoped, access_list_scoped, coordinated
from solidarity.lists.announcement_lists import ListValues, do_save_list
from solidarity.lists.broadcasts import Draft, do_compose_broadcast
from solidarity.lists.models import AnnouncementList, Broadcast, BroadcastState, Subscription
from solidarity.lists.subscriptions import do_confirm, do_subscribe
from solidarity.messaging import services
from solidarity.messaging.models import Channel, Message
from tests.factories.accounts import client_for
from tests.factories.messaging import deliver, texts_out, use_loopback

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"
GROUP_API = f"/api/v1/groups/{MEDICS}"
SPANISH = {"accept-language": "es"}


@pytest.fixture
def loopback(settings: Settings, tmp_path: Path) -> Path:
    """Texts through the loopback, 60 a minute (the preview's time to reach everyone)."""
    return use_loopback(settings, tmp_path / "sms-outbox.jsonl", per_minute=60)


def make_list(group: WorkingGroup, by: User, slug: str, **values: Any) -> AnnouncementList:
    defaults: dict[str, Any] = {
        "name_en": slug.replace("-", " ").title(),
        "slug": slug,
        "has_sms": True,
        "new_zones": ("East Durham", "Walltown"),
    }
    return do_save_list(group, ListValues(**(defaults | values)), by=by)


def subscriber(
    announcement_list: AnnouncementList, channel: str, address: str, language: str = "en", zone: str = "walltown"
) -> Subscription:
    subscription = do_subscribe(announcement_list, channel, address, language, zone_by_slug(zone) if zone else None)
    do_confirm(subscription)
    return subscription


def draft_of(announcement_list: AnnouncementList, by: User, **values: Any) -> Broadcast:
    fields: dict[str, Any] = {"subject_en": "Hi", "text_en": "Hello", "one_language": "en", "channels": ["email"]}
    return do_compose_broadcast(announcement_list.group, Draft(lists=[announcement_list], **(fields | values)), by=by)


@pytest.fixture
def east(medics: WorkingGroup, coordinator: User) -> AnnouncementList:
    return make_list(medics, coordinator, "east-durham")


def send_json(
    client: Client, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Any:
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json", headers=headers or {})


ASSEMBLY = {
    "channels": ["email", "sms"],
    "subject_en": "Assembly on Thursday",
    "text_en": "Assembly on Thursday at 7 pm, Walltown library.",
    "subject_es": "Asamblea el jueves",
    "text_es": "Asamblea el jueves a las 7 pm, biblioteca de Walltown.",
}


def audited(object_type: str, uuid: Any) -> list[tuple[str, str, str]]:
    entries = AuditEntry.objects.filter(object_type=object_type).order_by("seq")
    return [(e.actor, e.action, e.detail.get("state", "")) for e in entries if str(uuid) in e.object_ids]


# Access by the object's own slug or uuid.


def test_a_list_is_found_by_its_slug_with_the_callers_roles_in_its_group_once_per_request(
    east: AnnouncementList,
    coordinator: User,
    medic: User,
    other_coordinator: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    found = access_list_scoped(coordinator, "east-durham")
    with django_assert_num_queries(0):
        again = access_list_scoped(coordinator, "east-durham")
    seen_by_medic = access_list_scoped(medic, "east-durham")

    assert again is found
    assert (found.obj, found.group, found.roles) == (east, MEDICS, frozenset({Role.MEMBER, Role.COORDINATOR}))
    assert coordinated(found) == east
    assert seen_by_medic.roles == frozenset({Role.MEMBER})
    with pytest.raises(Http404):
        coordinated(seen_by_medic)
    with pytest.raises(Http404):
        access_list_scoped(other_coordinator, "east-durham")
    with pytest.raises(Http404):
        access_list_scoped(coordinator, "nowhere")


def test_a_broadcast_is_found_by_its_uuid_as_text_or_uuid_and_nothing_else(
    east: AnnouncementList, coordinator: User, outsider: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    broadcast = draft_of(east, coordinator)

    found = access_broadcast_scoped(coordinator, str(broadcast.uuid))
    with django_assert_num_queries(0):
        assert access_broadcast_scoped(coordinator, broadcast.uuid) is found  # the operation's, after the check's

    assert (found.obj, found.group) == (broadcast, MEDICS)
    for nothing in ["not-a-uuid", "", str(broadcast.uuid) + "0"]:
        with pytest.raises(Http404):
            access_broadcast_scoped(coordinator, nothing)
    with pytest.raises(Http404):
        access_broadcast_scoped(outsider, broadcast.uuid)


# Lists.


def test_a_coordinator_reads_the_groups_lists_with_confirmed_counts_and_never_an_address(
    east: AnnouncementList, coordinator: User, medics: WorkingGroup
) -> None:
    make_list(medics, coordinator, "quiet", has_sms=False, is_public=False, new_zones=())
    subscriber(east, Channel.EMAIL, "ana@example.org")
    subscriber(east, Channel.SMS, "(919) 555-0101")
    do_subscribe(east, Channel.EMAIL, "pending@example.org", "en", None)  # not confirmed: not counted

    response = client_for(coordinator).get(f"{GROUP_API}/lists")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["slug"], second["slug"]) == ("east-durham", "quiet")
    assert first["id"] == str(east.uuid)
    assert first["subscribers"] == {"email": 1, "sms": 1}
    assert first["zones"] == ["east-durham", "walltown"]
    assert first["sign_up_url"].endswith("/en/lists/east-durham/")
    assert (second["subscribers"], second["sign_up_url"], second["zones"]) == ({"email": 0, "sms": 0}, None, [])
    assert "example.org" not in response.content.decode()
    assert "555-0101" not in response.content.decode()
    assert "5550101" not in response.content.decode()  # the number in any form; "555" alone may be in a uuid


def test_the_groups_lists_cost_the_same_queries_however_many_lists(
    coordinator: User, medics: WorkingGroup, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(coordinator)
    subscriber(make_list(medics, coordinator, "list-0"), Channel.EMAIL, "person0@example.org")
    client.get(f"{GROUP_API}/lists")  # the network's settings and the session, cached

    with django_assert_max_num_queries(9):
        one = client.get(f"{GROUP_API}/lists")
    for number in range(1, 12):
        subscriber(make_list(medics, coordinator, f"list-{number}"), Channel.EMAIL, f"person{number}@example.org")
    with django_assert_max_num_queries(9):
        twelve = client.get(f"{GROUP_API}/lists")

    assert one.json()["count"] == 1
    assert twelve.json()["count"] == 12
    assert {item["subscribers"]["email"] for item in twelve.json()["items"]} == {1}
    assert {tuple(item["zones"]) for item in twelve.json()["items"]} == {("east-durham", "walltown")}


def test_a_coordinator_creates_a_list_with_zones_by_slug_and_new_zones_by_name(
    coordinator: User, medics: WorkingGroup
) -> None:
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Walltown"), actor="cli")

    response = send_json(
        client_for(coordinator),
        "POST",
        f"{GROUP_API}/lists",
        {
            "name_en": "Rapid response — East",
            "name_es": "Respuesta rápida — Este",
            "has_sms": True,
            "keyword": "este",
            "zones": ["walltown"],
            "new_zones": ["Lakewood"],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["keyword"], body["zones"]) == ("rapid-response-east", "ESTE", ["lakewood", "walltown"])
    created = AnnouncementList.objects.get(slug="rapid-response-east")
    assert (created.group, created.name_es, str(created.uuid)) == (medics, "Respuesta rápida — Este", body["id"])
    lakewood = Zone.objects.get(slug="lakewood")
    assert lakewood.name_en == "Lakewood"  # named in the caller's language
    assert audited("lists.list", created.uuid) == [(str(coordinator.uuid), AuditAction.CREATED, "")]


def test_a_list_without_a_name_is_refused_with_the_field_named_in_the_callers_language(coordinator: User) -> None:
    client = client_for(coordinator)

    english = send_json(client, "POST", f"{GROUP_API}/lists", {"name_en": " ", "has_email": True})
    spanish = send_json(client, "POST", f"{GROUP_API}/lists", {"has_email": False}, headers=SPANISH)

    assert english.status_code == 422
    assert english.json()["error"]["code"] == "invalid_input"
    assert english.json()["error"]["fields"]["name_en"] == ["Give the list a name, in English or in Spanish."]
    assert spanish.status_code == 422
    assert spanish.json()["error"]["message"] == "Algunos datos no son válidos."
    assert spanish.json()["error"]["fields"]["name_en"] == ["Póngale un nombre a la lista, en inglés o en español."]
    assert spanish.json()["error"]["fields"]["has_email"] == ["Elija correo electrónico, SMS o ambos."]
    assert not AnnouncementList.objects.exists()


def test_a_value_of_the_wrong_kind_is_refused_in_the_callers_language(coordinator: User) -> None:
    client = client_for(coordinator)
    wrong = {"name_en": ["Anuncios"], "has_email": "quizá"}

    english = send_json(client, "POST", f"{GROUP_API}/lists", wrong)
    spanish = send_json(client, "POST", f"{GROUP_API}/lists", wrong, headers=SPANISH)

    assert english.status_code == spanish.status_code == 422
    assert english.json()["error"]["fields"] == {"name_en": ["Enter text."], "has_email": ["Enter true or false."]}
    assert spanish.json()["error"]["fields"] == {
        "name_en": ["Escriba un texto."],
        "has_email": ["Escriba true o false."],
    }
    assert not AnnouncementList.objects.exists()


def test_a_slug_or_keyword_another_list_has_is_a_conflict(
    east: AnnouncementList, coordinator: User, rapid_response: WorkingGroup, other_coordinator: User
) -> None:
    make_list(rapid_response, other_coordinator, "theirs", keyword="NOTICIAS")
    client = client_for(coordinator)

    slug = send_json(client, "POST", f"{GROUP_API}/lists", {"name_en": "East Durham"})
    keyword = send_json(
        client,
        "POST",
        f"{GROUP_API}/lists",
        {"name_en": "News", "has_sms": True, "keyword": "noticias"},
        headers=SPANISH,
    )

    assert slug.status_code == 409
    assert slug.json()["error"] == {
        "code": "conflict",
        "message": "Another list has this short name.",
        "fields": {"name_en": ["Another list has this short name."]},
    }
    assert keyword.status_code == 409
    assert keyword.json()["error"]["message"] == "Otra lista usa esta palabra clave. Elija otra."
    assert AnnouncementList.objects.count() == 2


def test_a_slug_taken_after_the_forms_check_is_refused_by_the_service_not_a_server_error(
    east: AnnouncementList, coordinator: User, medics: WorkingGroup
) -> None:
    # Another request took the slug between the form's check and the insert: the unique index says so.
    with pytest.raises(ValidationError) as refused:
        do_save_list(medics, ListValues(slug="east-durham", name_en="Another"), by=coordinator)

    assert [error.code for error in refused.value.error_list] == ["unique"]
    assert AnnouncementList.objects.count() == 1


def test_a_conflict_with_bad_input_besides_is_bad_input(east: AnnouncementList, coordinator: User) -> None:
    response = send_json(client_for(coordinator), "POST", f"{GROUP_API}/lists", {"slug": "east-durham"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"name_en", "slug"}


def test_an_unknown_zone_slug_is_refused_naming_zones(east: AnnouncementList, coordinator: User) -> None:
    response = send_json(
        client_for(coordinator), "POST", f"{GROUP_API}/lists", {"name_en": "News", "zones": ["atlantis"]}
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["zones"]
    assert "atlantis" in response.json()["error"]["fields"]["zones"][0]


def test_a_zone_slug_is_refused_on_a_network_without_zones(coordinator: User) -> None:
    response = send_json(
        client_for(coordinator),
        "POST",
        f"{GROUP_API}/lists",
        {"name_en": "News", "zones": ["walltown"]},
        headers=SPANISH,
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"zones": ["Ninguna zona tiene el nombre corto walltown."]}
    assert not AnnouncementList.objects.exists()


def test_a_zone_name_is_one_line(coordinator: User) -> None:
    response = send_json(
        client_for(coordinator), "POST", f"{GROUP_API}/lists", {"name_en": "News", "new_zones": ["East\nWest"]}
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["new_zones"]
    assert not Zone.objects.exists()


def test_a_coordinator_reads_a_list_by_its_slug_and_changes_only_what_is_sent(
    east: AnnouncementList, coordinator: User
) -> None:
    client = client_for(coordinator)

    read = client.get("/api/v1/lists/east-durham")
    changed = send_json(client, "PATCH", "/api/v1/lists/east-durham", {"name_es": "Este de Durham", "zones": []})

    assert read.status_code == 200
    assert read.json()["zones"] == ["east-durham", "walltown"]
    assert changed.status_code == 200
    body = changed.json()
    assert (body["name_en"], body["name_es"], body["has_sms"], body["zones"]) == (
        "East Durham",
        "Este de Durham",
        True,
        [],
    )
    east.refresh_from_db()
    assert (east.name_es, list(east.zones.all())) == ("Este de Durham", [])
    assert audited("lists.list", east.uuid)[-1] == (str(coordinator.uuid), AuditAction.CHANGED, "")


def test_renaming_a_list_to_another_lists_slug_is_a_conflict(
    east: AnnouncementList, coordinator: User, medics: WorkingGroup
) -> None:
    make_list(medics, coordinator, "walltown")
    response = send_json(client_for(coordinator), "PATCH", "/api/v1/lists/east-durham", {"slug": "walltown"})
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"slug": ["Another list has this short name."]}
    east.refresh_from_db()
    assert east.slug == "east-durham"


def test_a_lists_counts_are_by_channel_and_zone_slug_never_addresses(east: AnnouncementList, coordinator: User) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org", zone="walltown")
    subscriber(east, Channel.EMAIL, "beto@example.org", zone="walltown")
    subscriber(east, Channel.SMS, "(919) 555-0101", zone="")

    response = client_for(coordinator).get("/api/v1/lists/east-durham/counts")

    assert response.status_code == 200
    assert response.json() == {
        "by_channel": {"email": 2, "sms": 1},
        "by_zone": [
            {"zone": "east-durham", "count": 0},
            {"zone": "walltown", "count": 2},
            {"zone": None, "count": 1},
        ],
    }


# Broadcasts.


def test_a_broadcast_composed_and_sent_through_the_api_queues_what_the_pages_button_queues(
    east: AnnouncementList, coordinator: User, loopback: Path
) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org", "en")
    subscriber(east, Channel.EMAIL, "beto@example.org", "es")
    subscriber(east, Channel.SMS, "(919) 555-0101", "en")
    subscriber(east, Channel.SMS, "(919) 555-0102", "es")
    deliver()
    texts_out(loopback)
    client = client_for(coordinator)

    page = client.post(
        f"/en/groups/{MEDICS}/broadcasts/new/", {"lists": ["east-durham"], "one_language": "", "when": "now"} | ASSEMBLY
    )
    by_page = Broadcast.objects.get()
    assert page.status_code == 302
    assert client.post(f"/en/groups/{MEDICS}/broadcasts/{by_page.uuid}/send/").status_code == 302
    mail.outbox.clear()
    page_emails = sorted((e.to[0], e.subject, e.body) for e in deliver() if "7 pm" in e.body)
    page_texts = sorted((text["to"], text["body"]) for text in texts_out(loopback) if "7 pm" in text["body"])
    mail.outbox.clear()
    loopback.unlink()

    composed = send_json(client, "POST", f"{GROUP_API}/broadcasts", {"lists": ["east-durham"]} | ASSEMBLY)
    assert composed.status_code == 201
    assert composed.json()["state"] == "draft"
    sent = send_json(client, "POST", f"/api/v1/broadcasts/{composed.json()['id']}/send")

    assert sent.status_code == 200
    assert (sent.json()["state"], sent.json()["recipients"]) == ("sending", 4)
    by_api = Broadcast.objects.get(uuid=composed.json()["id"])
    assert sorted((e.to[0], e.subject, e.body) for e in deliver() if "7 pm" in e.body) == page_emails
    assert sorted((text["to"], text["body"]) for text in texts_out(loopback) if "7 pm" in text["body"]) == page_texts
    assert len(page_emails) == len(page_texts) == 2
    assert Message.objects.filter(batch=by_api.batch).count() == Message.objects.filter(batch=by_page.batch).count()
    assert audited("lists.broadcast", by_api.uuid) == [
        (str(coordinator.uuid), AuditAction.CREATED, "draft"),
        (str(coordinator.uuid), AuditAction.CHANGED, "sending"),
    ]


def test_sending_twice_is_a_conflict_in_the_callers_language_and_sends_once(
    east: AnnouncementList, coordinator: User
) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    broadcast = draft_of(east, coordinator)
    client = client_for(coordinator)

    first = send_json(client, "POST", f"/api/v1/broadcasts/{broadcast.uuid}/send")
    second = send_json(client, "POST", f"/api/v1/broadcasts/{broadcast.uuid}/send", headers=SPANISH)

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "not_a_draft"
    assert second.json()["error"]["message"] == "Este aviso ya se envió o se programó."
    assert Message.objects.filter(batch=broadcast.batch).count() == 1


def test_a_draft_is_changed_through_the_api_until_it_is_sent(east: AnnouncementList, coordinator: User) -> None:
    broadcast = draft_of(east, coordinator)
    client = client_for(coordinator)
    path = f"/api/v1/broadcasts/{broadcast.uuid}"

    changed = send_json(client, "PATCH", path, {"text_en": "Hello again", "zones": ["walltown"]})
    send_json(client, "POST", f"{path}/send")
    refused = send_json(client, "PATCH", path, {"text_en": "Too late"}, headers=SPANISH)

    assert changed.status_code == 200
    assert (changed.json()["text_en"], changed.json()["subject_en"], changed.json()["zones"]) == (
        "Hello again",
        "Hi",
        ["walltown"],
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "Este aviso ya salió: ya no se puede cambiar."
    broadcast.refresh_from_db()
    assert broadcast.text_en == "Hello again"
    assert [action for _actor, action, _state in audited("lists.broadcast", broadcast.uuid)] == [
        AuditAction.CREATED,
        AuditAction.CHANGED,
        AuditAction.CHANGED,
    ]


def test_the_composer_asks_for_both_texts_in_the_callers_language_unless_one_language_is_chosen(
    east: AnnouncementList, coordinator: User
) -> None:
    client = client_for(coordinator)
    body = {"lists": ["east-durham"], "channels": ["email"], "subject_en": "Hi", "text_en": "Hello"}

    both = send_json(client, "POST", f"{GROUP_API}/broadcasts", body, headers=SPANISH)
    english = send_json(client, "POST", f"{GROUP_API}/broadcasts", body | {"one_language": "en"})

    assert both.status_code == 422
    assert both.json()["error"]["fields"] == {
        "text_es": ["Escriba el texto."],
        "subject_es": ["Escriba el asunto del correo."],
    }
    assert english.status_code == 201
    assert english.json()["one_language"] == "en"


def test_a_broadcast_goes_to_the_groups_own_lists_only(
    east: AnnouncementList, coordinator: User, rapid_response: WorkingGroup, other_coordinator: User
) -> None:
    make_list(rapid_response, other_coordinator, "theirs")

    response = send_json(client_for(coordinator), "POST", f"{GROUP_API}/broadcasts", {"lists": ["theirs"]} | ASSEMBLY)

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["lists"]
    assert not Broadcast.objects.exists()


def test_a_broadcast_zone_must_be_one_the_groups_lists_offer(east: AnnouncementList, coordinator: User) -> None:
    do_create_zone(ZoneValues(name_en="Lakewood"), actor="cli")  # the network's, but no list of this group offers it

    response = send_json(
        client_for(coordinator),
        "POST",
        f"{GROUP_API}/broadcasts",
        {"lists": ["east-durham"], "zones": ["lakewood"]} | ASSEMBLY,
    )

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["zones"]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("2030-01-01T10:00:00", "Input should have timezone info"),
        ("2001-01-01T10:00:00-05:00", "Choose a time in the future."),
        ("9999-12-31T23:59:59-14:00", "Choose a time within the coming year."),
        ("0001-01-01T00:00:00+14:00", "Choose a time in the future."),
    ],
)
def test_a_scheduled_time_needs_an_offset_and_to_be_within_the_coming_year(
    east: AnnouncementList, coordinator: User, when: str, message: str
) -> None:
    response = send_json(
        client_for(coordinator),
        "POST",
        f"{GROUP_API}/broadcasts",
        {"lists": ["east-durham"], "scheduled_for": when} | ASSEMBLY,
    )
    assert response.status_code == 422
    assert message in response.json()["error"]["fields"]["scheduled_for"][0]
    assert not Broadcast.objects.exists()


def test_a_scheduled_broadcast_waits_and_can_be_cancelled_through_the_api(
    east: AnnouncementList, coordinator: User
) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    deliver()
    client = client_for(coordinator)
    later = (timezone.now() + timedelta(hours=2)).astimezone(timezone.get_fixed_timezone(-300))
    composed = send_json(
        client,
        "POST",
        f"{GROUP_API}/broadcasts",
        {"lists": ["east-durham"], "channels": ["email"], "one_language": "en", "subject_en": "Later"}
        | {"text_en": "Later", "scheduled_for": later.isoformat()},
    )
    path = f"/api/v1/broadcasts/{composed.json()['id']}"

    scheduled = send_json(client, "POST", f"{path}/send")
    cancelled = send_json(client, "POST", f"{path}/cancel")
    again = send_json(client, "POST", f"{path}/cancel")

    assert composed.status_code == 201
    assert abs(datetime.fromisoformat(composed.json()["scheduled_for"]) - later) < timedelta(milliseconds=1)
    assert scheduled.json()["state"] == "scheduled"
    assert cancelled.status_code == again.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["progress"]["cancelled"] == 1
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert [email for email in deliver() if email.subject == "Later"] == []
    broadcast = Broadcast.objects.get(uuid=composed.json()["id"])
    assert audited("lists.broadcast", broadcast.uuid)[-1] == (str(coordinator.uuid), AuditAction.CHANGED, "cancelled")


def test_only_a_broadcast_going_out_can_be_cancelled(east: AnnouncementList, coordinator: User) -> None:
    broadcast = draft_of(east, coordinator)
    response = send_json(
        client_for(coordinator), "POST", f"/api/v1/broadcasts/{broadcast.uuid}/cancel", headers=SPANISH
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_going_out"
    assert response.json()["error"]["message"] == (
        "Solo se puede cancelar un aviso programado o uno que todavía se está enviando."
    )
    broadcast.refresh_from_db()
    assert broadcast.state == BroadcastState.DRAFT


def test_the_preview_shows_what_each_channel_and_language_gets_and_sends_nothing(
    east: AnnouncementList, coordinator: User, loopback: Path
) -> None:
    for n in range(3):
        subscriber(east, Channel.SMS, f"(919) 555-01{n:02d}", "es")
    subscriber(east, Channel.EMAIL, "ana@example.org")
    broadcast = draft_of(
        east,
        coordinator,
        one_language="",
        channels=["email", "sms"],
        subject_es="Reunión",
        text_es="Reunión mañana: traigan agua. " * 3,
    )

    response = client_for(coordinator).get(f"/api/v1/broadcasts/{broadcast.uuid}/preview")

    assert response.status_code == 200
    body = response.json()
    assert body["recipients"] == {"email": 1, "sms": 3}
    assert (body["sms_minutes"], body["sms_per_minute"]) == (1, 60)
    assert [(email["language"], email["subject"]) for email in body["emails"]] == [("en", "Hi"), ("es", "Reunión")]
    spanish = next(text for text in body["texts"] if text["language"] == "es")
    assert spanish["encoding"] == "UCS-2"  # ó in Reunión
    assert spanish["segments"] == 3
    assert spanish["friendlier"].startswith("Reunion mañana")  # ñ stays: it is in the GSM alphabet
    assert spanish["friendlier_segments"] == 1
    assert spanish["text"].endswith("responda ALTO.")  # the footer, in the subscriber's language
    assert not Message.objects.filter(batch=broadcast.batch).exists()


def test_a_sent_broadcast_has_no_preview(east: AnnouncementList, coordinator: User) -> None:
    broadcast = draft_of(east, coordinator)
    client = client_for(coordinator)
    send_json(client, "POST", f"/api/v1/broadcasts/{broadcast.uuid}/send")
    response = client.get(f"/api/v1/broadcasts/{broadcast.uuid}/preview")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_a_draft"


def test_a_broadcast_shows_its_progress_then_its_report_by_channel_and_reason(
    east: AnnouncementList, coordinator: User, loopback: Path
) -> None:
    subscriber(east, Channel.EMAIL, "ana@example.org")
    subscriber(east, Channel.SMS, "(919) 555-0101")
    subscriber(east, Channel.SMS, "(919) 555-0102")
    services.do_opt_out(Channel.SMS, "(919) 555-0102")  # texted STOP since
    deliver()
    texts_out(loopback)
    broadcast = draft_of(
        east, coordinator, one_language="", channels=["email", "sms"], subject_es="Hola", text_es="Hola"
    )
    client = client_for(coordinator)
    path = f"/api/v1/broadcasts/{broadcast.uuid}"
    draft = client.get(path).json()

    send_json(client, "POST", f"{path}/send")
    going = client.get(path).json()
    deliver()
    texts_out(loopback)
    done = client.get(path, headers=SPANISH).json()

    assert (draft["state"], draft["report"], draft["progress"]["total"]) == ("draft", None, 0)
    assert going["state"] == "sending"
    assert (going["progress"]["queued"], going["progress"]["cancelled"], going["progress"]["total"]) == (2, 1, 3)
    assert done["state"] == "sent"
    assert (done["progress"]["sent"], done["progress"]["cancelled"], done["progress"]["percent"]) == (2, 1, 100)
    assert done["report"]["by_channel"]["sms"]["cancelled"] == 1
    assert done["report"]["by_channel"]["email"]["sent"] == 1
    [reason] = done["report"]["reasons"]
    assert (reason["reason"], reason["count"]) == ("opted_out", 1)
    assert reason["text"] == "Esta dirección pidió no recibir más mensajes."
    assert done["finished_at"] is not None


def test_the_groups_broadcasts_come_newest_first_at_the_same_cost_however_many(
    east: AnnouncementList, coordinator: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(coordinator)
    sent = draft_of(east, coordinator, subject_en="Sent")
    send_json(client, "POST", f"/api/v1/broadcasts/{sent.uuid}/send")
    client.get(f"{GROUP_API}/broadcasts")  # settles the one sent to nobody

    with django_assert_max_num_queries(11):
        one = client.get(f"{GROUP_API}/broadcasts")
    for number in range(12):
        draft_of(east, coordinator, subject_en=f"Number {number}", zones=list(east.zones.all()))
    with django_assert_max_num_queries(11):
        everything = client.get(f"{GROUP_API}/broadcasts?limit=100")
    drafts = client.get(f"{GROUP_API}/broadcasts?state=draft&limit=2").json()

    assert one.json()["count"] == 1
    assert everything.json()["count"] == 13
    newest, *_rest, oldest = everything.json()["items"]
    assert (newest["subject_en"], newest["state"], newest["zones"]) == (
        "Number 11",
        "draft",
        ["east-durham", "walltown"],
    )
    assert (oldest["subject_en"], oldest["state"], oldest["lists"], oldest["zones"]) == (
        "Sent",
        "sent",
        ["east-durham"],
        [],
    )
    assert drafts["count"] == 12
    assert [item["subject_en"] for item in drafts["items"]] == ["Number 11", "Number 10"]


def test_a_list_and_a_broadcast_cost_a_few_queries(
    east: AnnouncementList, coordinator: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    broadcast = draft_of(east, coordinator)
    client = client_for(coordinator)
    client.get("/api/v1/accounts/me")  # the network's settings and the session, cached

    with django_assert_max_num_queries(9):
        assert client.get("/api/v1/lists/east-durham").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"/api/v1/broadcasts/{broadcast.uuid}").status_code == 200


# Nobody else.

OPERATIONS = [
    ("GET", f"{GROUP_API}/lists"),
    ("POST", f"{GROUP_API}/lists"),
    ("GET", "/api/v1/lists/east-durham"),
    ("PATCH", "/api/v1/lists/east-durham"),
    ("GET", "/api/v1/lists/east-durham/counts"),
    ("GET", f"{GROUP_API}/broadcasts"),
    ("POST", f"{GROUP_API}/broadcasts"),
    ("GET", "/api/v1/broadcasts/{broadcast}"),
    ("PATCH", "/api/v1/broadcasts/{broadcast}"),
    ("GET", "/api/v1/broadcasts/{broadcast}/preview"),
    ("POST", "/api/v1/broadcasts/{broadcast}/send"),
    ("POST", "/api/v1/broadcasts/{broadcast}/cancel"),
]
CHANGES = {"name_en": "Mine now", "lists": ["east-durham"], "text_en": "Mine now"} | ASSEMBLY


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("persona", ["outsider", "medic", "other_coordinator"])
def test_nobody_but_the_groups_coordinators_learns_of_its_lists_and_broadcasts(
    request: pytest.FixtureRequest, east: AnnouncementList, coordinator: User, persona: str, method: str, path: str
) -> None:
    broadcast = draft_of(east, coordinator)
    client = client_for(request.getfixturevalue(persona))
    before = (AnnouncementList.objects.count(), Broadcast.objects.count(), AuditEntry.objects.count())

    response = send_json(client, method, path.format(broadcast=broadcast.uuid), CHANGES, headers=SPANISH)

    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "No se encontró.", "fields": {}}
    assert (AnnouncementList.objects.count(), Broadcast.objects.count(), AuditEntry.objects.count()) == before
    broadcast.refresh_from_db()
    east.refresh_from_db()
    assert (broadcast.state, broadcast.text_en, east.name_en) == (BroadcastState.DRAFT, "Hello", "East Durham")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_lists_api_wants_a_caller(east: AnnouncementList, coordinator: User, method: str, path: str) -> None:
    broadcast = draft_of(east, coordinator)
    response = send_json(Client(), method, path.format(broadcast=broadcast.uuid), CHANGES)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("broadcast", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_broadcast_that_is_not_there_is_404(coordinator: User, broadcast: str) -> None:
    response = client_for(coordinator).get(f"/api/v1/broadcasts/{broadcast}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
