"""Zones: the network's neighbourhoods by slug, named in English and Spanish, a coarse centre, neighbours."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.utils import translation

from solidarity.core import audit
from solidarity.core.bilingual import text_of
from solidarity.core.models import AuditEntry, Zone
from solidarity.core.zones import (
    ZoneValues,
    do_add_zones_by_name,
    do_create_zone,
    do_update_zone,
    network_zones,
    zone_by_slug,
    zones_by_slug,
)
from tests.conftest import in_threads

pytestmark = pytest.mark.django_db

ADMIN = "00000000-0000-4000-8000-000000000001"  # an actor's uuid, as a signed-in admin's would be


def zone(name_en: str, name_es: str = "", **values: object) -> Zone:
    return do_create_zone(ZoneValues(name_en=name_en, name_es=name_es, **values), actor=ADMIN)  # type: ignore[arg-type]  # test shorthand: the keyword values are ZoneValues' own


def test_a_zone_gets_its_slug_from_its_name_and_its_creation_is_audited() -> None:
    made = zone("East Durham", "Este de Durham")

    assert made.slug == "east-durham"
    assert zone_by_slug("east-durham") == made
    entry = AuditEntry.objects.get(object_type="core.zone")
    assert (entry.actor, entry.action, entry.object_ids) == (ADMIN, "created", [str(made.uuid)])
    assert entry.detail == {"slug": "east-durham", "neighbours": 0}


def test_two_zones_whose_names_make_one_slug_get_two_slugs() -> None:
    first = zone("Old North")
    second = zone("Old-North")
    third = do_create_zone(ZoneValues(name_es="Añil"), actor=ADMIN)
    only_symbols = do_create_zone(ZoneValues(name_en="★★"), actor=ADMIN)

    assert [first.slug, second.slug, third.slug, only_symbols.slug] == ["old-north", "old-north-2", "anil", "zone"]


def test_a_slug_given_twice_is_refused_with_a_message() -> None:
    do_create_zone(ZoneValues(name_en="Walltown"), slug="walltown", actor=ADMIN)

    with pytest.raises(ValidationError) as refused:
        do_create_zone(ZoneValues(name_en="Walltown again"), slug="walltown", actor=ADMIN)

    assert set(refused.value.message_dict) == {"slug"}
    assert Zone.objects.count() == 1


def test_a_zone_needs_a_name_in_one_language_and_the_database_holds_to_it() -> None:
    with pytest.raises(ValidationError) as refused:
        do_create_zone(ZoneValues(name_en="  ", name_es=""), slug="nameless", actor=ADMIN)
    assert "Give the zone a name, in English or in Spanish." in refused.value.messages

    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.create(slug="nameless")
    assert not Zone.objects.exists()


def test_a_zone_is_named_in_the_pages_language_else_in_the_other() -> None:
    both = zone("East Durham", "Este de Durham")
    english_only = zone("Walltown")
    spanish_only = do_create_zone(ZoneValues(name_es="Centro"), actor=ADMIN)
    template = Template('{% load bilingual %}{% for zone in zones %}{{ zone|in_language:"name" }};{% endfor %}')

    with translation.override("es"):
        assert str(both) == "Este de Durham"
        spanish = template.render(Context({"zones": network_zones()}))
    with translation.override("en"):
        english = template.render(Context({"zones": network_zones()}))

    assert spanish == "Centro;Este de Durham;Walltown;"  # sorted by the name the page shows
    assert english == "Centro;East Durham;Walltown;"
    assert text_of(english_only, "name", "es") == "Walltown"
    assert text_of(spanish_only, "name", "en") == "Centro"


def test_a_centre_is_rounded_to_a_neighbourhood_never_a_door() -> None:
    made = zone("Walltown", latitude=Decimal("36.0183419"), longitude=Decimal("-78.9181265"))

    made.refresh_from_db()
    assert (made.latitude, made.longitude) == (Decimal("36.018"), Decimal("-78.918"))


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        (Decimal("91"), Decimal("0"), "latitude"),
        (Decimal("0"), Decimal("-180.5"), "longitude"),
        (Decimal("36"), None, "longitude"),
        (Decimal("1e40"), Decimal("0"), "latitude"),
    ],
)
def test_a_centre_off_the_earth_or_given_by_half_is_refused(
    latitude: Decimal, longitude: Decimal | None, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        zone("Walltown", latitude=latitude, longitude=longitude)

    assert field in refused.value.message_dict
    assert not Zone.objects.exists()


def test_the_database_refuses_half_a_centre() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.create(slug="half", name_en="Half", latitude=Decimal("36"))


def test_neighbours_are_symmetrical_and_never_the_zone_itself() -> None:
    east = zone("East Durham")
    walltown = zone("Walltown")
    old_north = zone("Old North Durham", neighbours=("east-durham", "walltown"))

    assert set(east.neighbours.all()) == {old_north}
    assert set(walltown.neighbours.all()) == {old_north}
    with pytest.raises(ValidationError) as itself:
        do_update_zone(east, ZoneValues(name_en="East Durham", neighbours=("east-durham",)), actor=ADMIN)
    assert "neighbours" in itself.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        do_update_zone(east, ZoneValues(name_en="East Durham", neighbours=("atlantis",)), actor=ADMIN)
    assert "atlantis" in unknown.value.message_dict["neighbours"][0]

    do_update_zone(old_north, ZoneValues(name_en="Old North Durham", neighbours=("walltown",)), actor=ADMIN)

    assert not east.neighbours.exists()
    assert set(walltown.neighbours.all()) == {old_north}


def test_changing_a_zone_keeps_its_slug_and_audits_which_fields_changed() -> None:
    made = zone("East Durham", latitude=Decimal("35.985"), longitude=Decimal("-78.876"))
    zone("Walltown")

    changed = do_update_zone(
        made,
        ZoneValues(
            name_en="East Durham",
            name_es="Este de Durham",
            latitude=Decimal("35.9851"),  # rounds to what it was: not a change
            longitude=Decimal("-78.876"),
            neighbours=("walltown",),
        ),
        actor=ADMIN,
        role="admin",
    )

    assert (changed.slug, changed.name_es) == ("east-durham", "Este de Durham")
    entry = AuditEntry.objects.filter(object_type="core.zone").order_by("-seq").first()
    assert entry is not None
    assert (entry.action, entry.role) == ("changed", "admin")
    assert entry.detail == {"slug": "east-durham", "fields": ["name_es", "neighbours"]}
    assert audit.verify().problem is None


def test_zones_are_read_by_slug_in_the_order_asked() -> None:
    zone("East Durham")
    zone("Walltown")

    assert [found.slug for found in zones_by_slug(["walltown", "atlantis", "east-durham"])] == [
        "walltown",
        "east-durham",
    ]
    assert zone_by_slug("atlantis") is None


def test_adding_zones_by_name_uses_those_the_network_has_and_makes_the_others() -> None:
    east = zone("East Durham", "Este de Durham")

    found = do_add_zones_by_name(["este de durham", "Centro", "East Durham", " Centro "], "es", actor=ADMIN)

    assert [item.slug for item in found] == ["east-durham", "centro"]
    centro = found[1]
    assert (centro.name_en, centro.name_es) == ("", "Centro")  # named in the coordinator's language only
    assert found[0] == east
    assert Zone.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_adding_one_new_zone_at_once_make_one_zone() -> None:
    made = in_threads(4, lambda _n: [item.slug for item in do_add_zones_by_name(["Lakewood"], "en", actor=ADMIN)])

    assert made == [["lakewood"]] * 4
    assert list(Zone.objects.values_list("slug", flat=True)) == ["lakewood"]
