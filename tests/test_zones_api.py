"""The network's zones through the API: every account reads them; coordinators of any group and admins change them."""

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


def test_members_read_zones_and_only_coordinators_and_admins_change_them(medic: User) -> None:
    zone = do_create_zone(ZoneValues(name_en="Walltown"), actor="system")
    client = client_for(medic)

    assert client.get(ZONES).status_code == 200
    # A role in any working group: to anyone without it, writing zones does not exist.
    assert client.post(ZONES, {"name_en": "Lakewood"}, content_type="application/json").status_code == 404
    assert client.patch(f"{ZONES}/{zone.slug}", {"name_es": "X"}, content_type="application/json").status_code == 404
    assert Client().get(ZONES).status_code == 401
    assert Zone.objects.count() == 1


def test_a_coordinator_adds_a_zone_with_neighbours_by_slug_then_changes_them(coordinator: User) -> None:
    do_create_zone(ZoneValues(name_en="East Durham"), actor="system")
    do_create_zone(ZoneValues(name_en="Lakewood"), actor="system")
    client = client_for(coordinator)

    made = client.post(ZONES, {"name_es": "Walltown", "neighbours": ["east-durham"]}, content_type="application/json")
    changed = client.patch(f"{ZONES}/walltown", {"neighbours": ["lakewood"]}, content_type="application/json")

    assert made.status_code == 201
    assert made.json()["neighbours"] == ["east-durham"]
    assert (changed.status_code, changed.json()["neighbours"]) == (200, ["lakewood"])
    assert changed.json()["name_es"] == "Walltown"  # what was not sent stays
    assert not Zone.objects.get(slug="east-durham").neighbours.exists()
    assert [zone.slug for zone in Zone.objects.get(slug="lakewood").neighbours.all()] == ["walltown"]
    roles = set(
        AuditEntry.objects.filter(object_type="core.zone", actor=str(coordinator.uuid)).values_list("role", flat=True)
    )
    assert roles == {"coordinator"}


def test_a_patch_with_an_unknown_neighbour_or_half_a_centre_is_refused_and_changes_nothing(coordinator: User) -> None:
    do_create_zone(ZoneValues(name_en="Walltown"), actor="system")
    client = client_for(coordinator)

    unknown = client.patch(f"{ZONES}/walltown", {"neighbours": ["nowhere"]}, content_type="application/json")
    half = client.patch(f"{ZONES}/walltown", {"latitude": 36.0}, content_type="application/json")
    itself = client.patch(f"{ZONES}/walltown", {"neighbours": ["walltown"]}, content_type="application/json")

    assert (unknown.status_code, unknown.json()["error"]["fields"]["neighbours"]) == (
        422,
        ["No zone has the short name nowhere."],
    )
    assert (half.status_code, list(half.json()["error"]["fields"])) == (422, ["longitude"])
    assert (itself.status_code, itself.json()["error"]["code"]) == (422, "invalid_input")
    assert Zone.objects.get(slug="walltown").latitude is None


def test_the_openapi_document_states_who_changes_zones_and_their_errors(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/zones"]["post"]

    assert "role coordinator in any working group, or a network admin" in create["description"]
    assert {"401", "403", "404", "409", "422"} <= set(create["responses"])
    assert "neighbour" in create["responses"]["422"]["description"]


def test_every_account_reads_the_skill_catalogue(medic: User) -> None:
    response = client_for(medic).get("/api/v1/skills?limit=500")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["items"]) > 0
    medic_skill = next(item for item in body["items"] if item["slug"].startswith("street-medic"))
    assert set(medic_skill) == {"slug", "name_en", "name_es", "refresher_days", "needs_sign_off"}
    assert Client().get("/api/v1/skills").status_code == 401
