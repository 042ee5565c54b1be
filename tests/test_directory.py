"""The directory on the web: public and members-only resources, filters, staleness, and keepers' pages."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.zones import ZoneValues, do_create_zone
from solidarity.directory.models import Resource
from solidarity.directory.services import (
    ResourceValues,
    do_add_phone,
    do_add_session,
    do_mark_checked,
    do_save_resource,
    is_stale,
    stale,
)
from tests.factories.accounts import client_for
from tests.factories.directory import make_resource

pytestmark = pytest.mark.django_db

MEDICS = "street-medics-committee"


@pytest.fixture
def zones() -> None:
    do_create_zone(ZoneValues(name_en="Walltown", name_es="Barrio Walltown"), actor="system")
    do_create_zone(ZoneValues(name_en="East Durham", name_es="Durham Este"), actor="system")


@pytest.fixture
def dental(zones: None, medics: WorkingGroup, coordinator: User) -> Resource:
    found = make_resource(
        medics,
        coordinator,
        "campus-dental",
        kind="dental",
        name_en="Campus dental clinic",
        name_es="Clínica dental del campus",
        offers_en="Free cleanings and fillings.",
        offers_es="Limpiezas y empastes gratis.",
        is_free=True,
        no_id_asked=True,
        languages=("en", "es"),
        zones=("walltown",),
        web_address="https://dental.example.org/",
    )
    do_add_phone(found, "+19195550101", by=coordinator, label_en="Appointments", label_es="Citas", is_24h=True)
    do_add_session(found, timezone.localdate() + timedelta(days=3), by=coordinator, note_en="Free dental care")
    return found


def test_the_public_list_filters_by_need_zone_and_language_in_both_languages(
    dental: Resource, medics: WorkingGroup, coordinator: User
) -> None:
    make_resource(medics, coordinator, "east-legal", kind="legal_aid", name_en="East legal aid", zones=("east-durham",))
    client = Client()

    english = client.get("/en/resources/").content.decode()
    assert "Campus dental clinic" in english
    assert "East legal aid" in english
    assert 'href="tel:+19195550101"' in english
    assert "24 hours" in english

    spanish = client.get("/es/resources/", {"kind": "dental"}).content.decode()
    assert "Clínica dental del campus" in spanish
    assert "East legal aid" not in spanish
    assert "24 horas" in spanish

    by_zone = client.get("/en/resources/", {"zone": "east-durham"}).content.decode()
    assert "East legal aid" in by_zone
    assert "Campus dental clinic" not in by_zone
    by_language = client.get("/en/resources/", {"language": "es"}).content.decode()
    assert "Campus dental clinic" in by_language
    assert "East legal aid" not in by_language
    # An unknown filter value is ignored, never an error.
    assert client.get("/en/resources/", {"kind": "nonsense", "zone": "\u00e9"}).status_code == 200


def test_a_resource_page_has_tel_links_hours_sessions_and_a_safe_web_link(dental: Resource) -> None:
    page = Client().get("/es/resources/campus-dental/").content.decode()
    assert 'href="tel:+19195550101"' in page
    assert "Limpiezas y empastes gratis." in page
    assert 'rel="noopener noreferrer nofollow"' in page
    assert "Barrio Walltown" in page
    assert "Free dental care" in page  # the session's note: no Spanish one, so the English
    assert "Revisado hoy." in page


def test_a_stale_resource_says_to_call_first_in_both_languages(dental: Resource) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=210)):
        assert is_stale(dental)
        assert list(stale()) == [dental]
        english = Client().get("/en/resources/campus-dental/").content.decode()
        spanish = Client().get("/es/resources/").content.decode()
    assert "Last checked 6\xa0months ago: call first." in english or "months ago: call first." in english
    assert "llame antes de ir" in spanish
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        assert "Revisado hace 1\xa0mes." in Client().get("/es/resources/campus-dental/").content.decode()
    assert not is_stale(dental)
    assert list(stale()) == []


def test_members_only_resources_are_hidden_from_the_public_and_shown_to_members(
    zones: None, medics: WorkingGroup, coordinator: User, other_member: User, outsider: User
) -> None:
    make_resource(medics, coordinator, "quiet-shelter", kind="shelter", name_en="Quiet shelter", is_public=False)
    assert "Quiet shelter" not in Client().get("/en/resources/").content.decode()
    assert Client().get("/en/resources/quiet-shelter/").status_code == 404
    # Signed in but in no group: not a member of the network.
    assert client_for(outsider).get("/en/resources/quiet-shelter/").status_code == 404
    # A member of any group sees it, marked so.
    page = client_for(other_member).get("/en/resources/").content.decode()
    assert "Quiet shelter" in page
    assert "Members only" in page
    assert client_for(other_member).get("/es/resources/quiet-shelter/").status_code == 200
    assert "Solo para miembros" in client_for(other_member).get("/es/resources/quiet-shelter/").content.decode()


def test_a_sanctuary_congregation_is_never_public_without_its_agreement(
    zones: None, medics: WorkingGroup, coordinator: User
) -> None:
    values = ResourceValues(slug="st-anne", kind="sanctuary", name_en="St Anne's", is_public=True)
    with pytest.raises(ValidationError) as refused:
        do_save_resource(medics, values, by=coordinator)
    assert "congregation_agreed" in refused.value.message_dict
    # Even past the service, the database refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(slug="st-anne", kind="sanctuary", name_en="St Anne's", group=medics, is_public=True)
    # Marked public without agreement through the page: refused, with the reason on the form.
    response = client_for(coordinator).post(
        f"/en/groups/{MEDICS}/resources/new/",
        {"slug": "st-anne", "kind": "sanctuary", "name_en": "St Anne's", "is_public": "on", "check_every_days": 90},
    )
    assert response.status_code == 200
    assert "agreed" in response.content.decode()
    assert not Resource.objects.filter(slug="st-anne").exists()
    # With its agreement it is listed.
    agreed = ResourceValues(**(values.__dict__ | {"congregation_agreed": True}))
    do_save_resource(medics, agreed, by=coordinator)
    assert "St Anne" in Client().get("/en/resources/").content.decode()


def test_keepers_edit_and_others_cannot(
    dental: Resource, coordinator: User, medic: User, other_coordinator: User
) -> None:
    keeper = client_for(coordinator)
    assert f"/en/groups/{MEDICS}/resources/new/" in keeper.get("/en/resources/").content.decode()
    assert keeper.get(f"/en/groups/{MEDICS}/resources/new/").status_code == 200
    assert keeper.get("/en/resources/campus-dental/keep/").status_code == 200
    assert "Keep this resource" in keeper.get("/en/resources/campus-dental/").content.decode()
    form = {
        "slug": "campus-dental",
        "kind": "dental",
        "name_en": "Campus dental clinic",
        "name_es": "Clínica dental",
        "languages": "en, es, pt-br",
        "zones": ["walltown", "east-durham"],
        "check_every_days": 30,
        "is_public": "on",
    }
    assert keeper.post("/en/resources/campus-dental/edit/", form).status_code == 302
    dental.refresh_from_db()
    assert dental.languages == ["en", "es", "pt-br"]
    assert dental.check_every_days == 30
    assert sorted(zone.slug for zone in dental.zones.all()) == ["east-durham", "walltown"]

    for someone in (medic, other_coordinator):
        client = client_for(someone)
        assert client.get("/en/resources/campus-dental/edit/").status_code == 404
        assert client.post("/en/resources/campus-dental/checked/").status_code == 404
        assert client.post(f"/en/groups/{MEDICS}/resources/new/", form | {"slug": "x"}).status_code == 404
    assert Client().post("/en/resources/campus-dental/checked/").status_code == 302  # to sign in
    assert not Resource.objects.filter(slug="x").exists()


def test_keepers_add_phones_and_sessions_and_say_still_right(dental: Resource, coordinator: User) -> None:
    keeper = client_for(coordinator)
    assert keeper.post("/en/resources/campus-dental/phones/", {"number": "not a phone"}).status_code == 400
    assert keeper.post("/en/resources/campus-dental/phones/", {"number": "919-555-0177"}).status_code == 302
    assert dental.phones.filter(number="+19195550177").exists()
    phone = dental.phones.get(number="+19195550177")
    assert keeper.post(f"/en/resources/campus-dental/phones/{phone.uuid}/remove/").status_code == 302
    assert not dental.phones.filter(number="+19195550177").exists()

    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    bad = {"date": day, "starts_at": "13:00", "ends_at": "09:00"}
    assert keeper.post("/en/resources/campus-dental/sessions/", bad).status_code == 400
    assert (
        keeper.post("/en/resources/campus-dental/sessions/", {"date": day, "note_es": "Limpiezas"}).status_code == 302
    )
    session = dental.sessions.get(note_es="Limpiezas")
    assert keeper.post(f"/en/resources/campus-dental/sessions/{session.uuid}/remove/").status_code == 302

    with time_machine.travel(timezone.now() + timedelta(days=200)):
        assert is_stale(dental)
        keeper = client_for(coordinator)  # signed in again: the old session has expired meanwhile
        assert keeper.post("/en/resources/campus-dental/checked/").status_code == 302
        dental.refresh_from_db()
        assert not is_stale(dental)
        assert dental.last_checked_by == coordinator
    audited = AuditEntry.objects.filter(object_type="directory.resource").values_list("object_ids", flat=True)
    assert sum(str(dental.uuid) in ids for ids in audited) >= 2  # saved, checked


def test_the_list_of_fifty_resources_weighs_under_100_kb(zones: None, medics: WorkingGroup, coordinator: User) -> None:
    for n in range(50):
        found = make_resource(
            medics,
            coordinator,
            f"resource-{n}",
            kind="food",
            name_en=f"Community pantry number {n}",
            name_es=f"Despensa comunitaria número {n}",
            offers_en="Groceries every week, no questions asked.",
            is_free=True,
            languages=("en", "es"),
            zones=("walltown",),
        )
        do_add_phone(found, f"+1919555{n:04d}", by=coordinator, is_24h=n % 2 == 0)
    for language in ("en", "es"):
        response = Client().get(f"/{language}/resources/")
        assert response.status_code == 200
        assert len(response.content) < 100_000
        assert b"<script" not in response.content
        assert b"<img" not in response.content


def test_the_service_refuses_bad_values(zones: None, medics: WorkingGroup, coordinator: User) -> None:
    cases = {
        "name_en": ResourceValues(slug="a", kind="food"),
        "kind": ResourceValues(slug="a", kind="spa", name_en="A"),
        "web_address": ResourceValues(slug="a", kind="food", name_en="A", web_address="javascript:alert(1)"),
        "languages": ResourceValues(slug="a", kind="food", name_en="A", languages=("english!",)),
        "zones": ResourceValues(slug="a", kind="food", name_en="A", zones=("atlantis",)),
    }
    for field, values in cases.items():
        with pytest.raises(ValidationError) as refused:
            do_save_resource(medics, values, by=coordinator)
        assert field in refused.value.message_dict
    made = do_save_resource(medics, ResourceValues(slug="a", kind="food", name_es="A"), by=coordinator)
    with pytest.raises(ValidationError) as taken:
        do_save_resource(medics, ResourceValues(slug="a", kind="food", name_es="B"), by=coordinator)
    assert taken.value.error_dict["slug"][0].code == "unique"
    do_mark_checked(made, by=coordinator)


def test_the_demo_adds_fictional_resources_once() -> None:
    call_command("demo")
    call_command("demo")
    assert Resource.objects.filter(slug__startswith="demo-").count() == 4
    public = Client().get("/es/resources/").content.decode()
    assert "Clínica dental universitaria (demo)" in public
    assert "Albergue tranquilo" not in public
    assert "llame antes de ir" in public  # the legal aid was checked long ago
    home = Client().get("/es/").content.decode()
    assert "Línea de crisis (demo)" in home  # pinned
    assert "Ayuda legal para inmigrantes" not in home
