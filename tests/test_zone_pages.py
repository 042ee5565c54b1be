"""The zones' pages: coordinators of any group (and admins) add and change zones; every account reads them."""

import pytest
from django.test import Client

from solidarity.accounts.models import User
from solidarity.core.models import AuditEntry, Zone
from solidarity.core.zones import ZoneValues, do_create_zone
from tests.factories.accounts import client_for
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db

ZONES = "/en/zones/"
NEW = "/en/zones/new/"


def east_durham() -> Zone:
    return do_create_zone(ZoneValues(name_en="East Durham", name_es="Durham Este"), actor="system")


def test_a_coordinator_adds_a_zone_with_its_neighbours_and_both_show_each_other(coordinator: User) -> None:
    east_durham()
    do_create_zone(ZoneValues(name_en="Lakewood"), actor="system")
    client = client_for(coordinator)

    response = client.post(
        NEW,
        {
            "name_en": "Walltown",
            "name_es": "Barrio Walltown",
            "latitude": "36.01234",
            "longitude": "-78.91234",
            "neighbours": ["east-durham", "lakewood"],
        },
    )

    assert response.status_code == 302
    walltown = Zone.objects.get(slug="walltown")  # made from the English name
    assert (str(walltown.latitude), str(walltown.longitude)) == ("36.012", "-78.912")  # coarse
    assert {zone.slug for zone in Zone.objects.get(slug="east-durham").neighbours.all()} == {"walltown"}
    entry = AuditEntry.objects.filter(object_type="core.zone", action="created").latest("pk")
    assert entry.object_ids == [str(walltown.uuid)]
    assert (entry.actor, entry.role) == (str(coordinator.uuid), "coordinator")
    page = client.get(ZONES).content.decode()
    assert page.count("Walltown") >= 2  # its own card, and among East Durham's neighbours


def test_a_coordinator_changes_a_zone_but_never_its_short_name(coordinator: User) -> None:
    zone = east_durham()
    lakewood = do_create_zone(ZoneValues(name_en="Lakewood"), actor="system")
    client = client_for(coordinator)

    page = client.get(f"/en/zones/{zone.slug}/edit/").content.decode()
    response = client.post(
        f"/en/zones/{zone.slug}/edit/",
        {"slug": "elsewhere", "name_en": "East Durham", "name_es": "Este de Durham", "neighbours": ["lakewood"]},
    )

    assert "never changes" in page
    assert response.status_code == 302
    zone.refresh_from_db()
    assert (zone.slug, zone.name_es) == ("east-durham", "Este de Durham")
    assert list(lakewood.neighbours.values_list("slug", flat=True)) == ["east-durham"]
    assert AuditEntry.objects.filter(object_type="core.zone", action="changed").count() == 1


def test_a_plain_member_reads_the_zones_without_counts_and_cannot_add_one(medic: User, coordinator: User) -> None:
    zone = east_durham()
    make_person("Rosa Ejemplo", zones=["east-durham"])
    client = client_for(medic)

    page = client.get(ZONES)

    assert page.status_code == 200
    assert "East Durham" in page.content.decode()
    assert "People who cover it" not in page.content.decode()
    assert client.get(NEW).status_code == 404  # a role in any group: to anyone else, the page does not exist
    assert client.post(NEW, {"name_en": "Lakewood"}).status_code == 404
    assert client.post(f"/en/zones/{zone.slug}/edit/", {"name_en": "X"}).status_code == 404
    assert Zone.objects.count() == 1
    assert Client().get(ZONES).status_code == 302  # to sign in


def test_those_who_keep_the_zones_see_how_many_people_cover_each(coordinator: User) -> None:
    east_durham()
    make_person("Rosa Ejemplo", zones=["east-durham"])
    make_person("Beto Ejemplo", zones=["east-durham"])

    page = client_for(coordinator).get(ZONES).content.decode()

    assert "People who cover it" in page
    assert "<dd>2</dd>" in page
    assert "Rosa" not in page
    assert "Beto" not in page


def test_an_admin_in_no_group_adds_a_zone(admin: User) -> None:
    response = client_for(admin).post(NEW, {"name_es": "Barrio Nuevo"})

    assert response.status_code == 302
    assert AuditEntry.objects.get(object_type="core.zone", action="created").role == "admin"


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"name_en": "East Durham"}, "name_en", "Another zone has this name in English."),
        ({"name_es": "Durham Este"}, "name_es", "Another zone has this name in Spanish."),
        ({"name_en": "Lakewood", "latitude": "36.0"}, "longitude", "Give both the latitude and the longitude"),
        ({"name_en": "Lakewood", "longitude": "-78.9"}, "latitude", "Give both the latitude and the longitude"),
        ({"name_en": "Lakewood", "neighbours": ["nowhere"]}, "neighbours", "Select a valid choice"),
        ({"name_en": " ", "name_es": ""}, "name_en", "Give the zone a name"),
        ({"name_en": "Lakewood", "slug": "east-durham"}, "slug", "already exists"),
        ({"name_en": "Lakewood", "slug": "Not a slug!"}, "slug", "Enter a valid"),
        ({"name_en": "Lakewood", "latitude": "91", "longitude": "0"}, "latitude", "less than or equal to 90"),
        ({"name_en": "Lakewood", "latitude": "north", "longitude": "0"}, "latitude", "Enter a number"),
    ],
)
def test_bad_input_is_named_and_keeps_what_was_typed(
    coordinator: User, posted: dict[str, str], field: str, message: str
) -> None:
    east_durham()

    response = client_for(coordinator).post(NEW, {"name_es": "Lo que escribí", **posted})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    typed = {name: value for name, value in posted.items() if name != "neighbours" and value.strip()}
    assert all(f'value="{value}"' in page for value in typed.values()), typed
    assert Zone.objects.count() == 1


def test_the_spanish_page_shows_spanish_names_and_errors(coordinator: User) -> None:
    east_durham()
    do_create_zone(ZoneValues(name_en="Walltown"), actor="system", slug="walltown")  # no Spanish name yet
    client = client_for(coordinator)

    page = client.get("/es/zones/").content.decode()
    refused = client.post("/es/zones/new/", {"name_en": "Lakewood", "latitude": "36.0"}).content.decode()

    assert "Durham Este" in page
    assert "East Durham" not in page
    assert "Walltown" in page  # the other language's name, rather than none
    assert "Zonas" in page
    assert "Indique la latitud y la longitud del centro, o ninguna de las dos." in refused
