"""The network's zones through the API: every member reads them, admins add and rename them."""

import pytest
from django.test import Client

from solidarity.accounts.models import User
from solidarity.core.models import AuditEntry, Zone
from solidarity.core.zones import ZoneValues, do_add_zones_by_name, do_create_zone
from tests.factories.accounts import client_for

pytestmark = pytest.mark.django_db

ZONES = "/api/v1/zones"


def test_a_zone_named_in_one_language_by_a_list_gets_its_other_name_from_an_admin(
    admin_client: Client, medic: User
) -> None:
    [walltown] = do_add_zones_by_name(["Walltown"], "en", actor="system")  # as a list's form adds one

    response = admin_client.patch(
        f"{ZONES}/{walltown.slug}", {"name_es": "Barrio Walltown"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert (response.json()["name_en"], response.json()["name_es"]) == ("Walltown", "Barrio Walltown")
    listed = client_for(medic).get(ZONES, headers={"accept-language": "es"}).json()
    assert [zone["slug"] for zone in listed["items"]] == ["walltown"]
    assert AuditEntry.objects.filter(object_type="core.zone", action="changed").count() == 1


def test_an_admin_adds_a_zone_with_its_neighbours_and_a_coarse_centre(admin_client: Client) -> None:
    do_create_zone(ZoneValues(name_en="East Durham"), actor="system")

    response = admin_client.post(
        ZONES,
        {
            "name_en": "Walltown",
            "name_es": "Walltown",
            "latitude": 36.01234,
            "longitude": -78.91234,
            "neighbours": ["east-durham"],
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["latitude"], body["longitude"]) == ("walltown", 36.012, -78.912)  # about 100 m
    assert body["neighbours"] == ["east-durham"]
    assert Zone.objects.get(slug="east-durham").neighbours.get().slug == "walltown"  # both ways


def test_a_taken_name_is_a_conflict_and_an_unknown_neighbour_is_named(admin_client: Client) -> None:
    do_create_zone(ZoneValues(name_en="Walltown"), actor="system")

    taken = admin_client.post(ZONES, {"name_en": "Walltown"}, content_type="application/json")
    unknown = admin_client.post(
        ZONES, {"name_en": "Lakewood", "neighbours": ["nowhere"]}, content_type="application/json"
    )
    nameless = admin_client.post(ZONES, {}, content_type="application/json")

    assert taken.status_code == 409
    assert (unknown.status_code, list(unknown.json()["error"]["fields"])) == (422, ["neighbours"])
    assert nameless.status_code == 422
    assert Zone.objects.count() == 1


def test_members_read_zones_and_only_admins_change_them(medic: User) -> None:
    zone = do_create_zone(ZoneValues(name_en="Walltown"), actor="system")
    client = client_for(medic)

    assert client.get(ZONES).status_code == 200
    assert client.post(ZONES, {"name_en": "Lakewood"}, content_type="application/json").status_code == 403
    assert client.patch(f"{ZONES}/{zone.slug}", {"name_es": "X"}, content_type="application/json").status_code == 403
    assert Client().get(ZONES).status_code == 401
