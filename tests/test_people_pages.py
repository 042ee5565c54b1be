"""The people pages: the roster, a person's page, and what roster keepers do there; who sees whom."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.accounts.models import User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.messaging.models import Channel
from solidarity.messaging.services import do_opt_out
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.models import Contact, Person, PersonState, Vouch
from tests.factories.accounts import client_for, make_member
from tests.factories.people import make_person, zone

pytestmark = pytest.mark.django_db

PHONE = "+19195550123"  # 555-01xx: fictional


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Pages in English, whatever language an earlier test left active (URLs carry the language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    """Keeps the network's roster (a role held in the medics); has a second factor."""
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


def person_url(person: Person, name: str = "people:person") -> str:
    return reverse(name, kwargs={"person_id": person.uuid})


def test_a_roster_keeper_adds_a_person_on_the_page(keeper: User) -> None:
    zone("east-durham")
    client = client_for(keeper)
    form = {
        "display_name": "Rosa Ejemplo",
        "phone": "(919) 555-0123",
        "email": "rosa@example.org",
        "language": "es",
        "zones": ["east-durham"],
        "skills": ["naloxone"],
    }
    response = client.post(reverse("people:add-person"), form)
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == person_url(person)
    assert str(person.display_name) == "Rosa Ejemplo"
    assert person.language == "es"
    assert {str(c.value) for c in person.contacts.all()} == {PHONE, "rosa@example.org"}
    assert [z.slug for z in person.zones.all()] == ["east-durham"]
    assert [c.skill.slug for c in person.certifications.all()] == ["naloxone"]
    assert "Rosa" not in response["Location"]  # uuids only in URLs


def test_bad_input_loses_nothing_and_says_what_is_wrong(keeper: User) -> None:
    client = client_for(keeper)
    response = client.post(
        reverse("people:add-person"), {"display_name": "Rosa Ejemplo", "phone": "not a number", "language": "en"}
    )
    assert response.status_code == 400
    assert "This is not a phone number." in response.content.decode()
    assert 'value="Rosa Ejemplo"' in response.content.decode()
    assert not Person.objects.exists()


def test_the_roster_filters_by_zone_skill_state_and_vetting(keeper: User) -> None:
    make_person("East Medic", zones=["east-durham"], skills=["naloxone"])
    make_person("Walltown Driver", zones=["walltown"], skills=["licensed-driver"])
    make_person("New Person", zones=["walltown"], vetted=False)
    client = client_for(keeper)

    def shown(query: dict[str, str]) -> set[str]:
        page = client.get(reverse("people:roster"), query).content.decode()
        return {name for name in ("East Medic", "Walltown Driver", "New Person") if name in page}

    assert shown({}) == {"East Medic", "Walltown Driver", "New Person"}
    assert shown({"zone": "walltown"}) == {"Walltown Driver", "New Person"}
    assert shown({"skill": "naloxone"}) == {"East Medic"}
    assert shown({"vetted": "no"}) == {"New Person"}
    assert shown({"state": "paused"}) == set()


def test_the_roster_costs_the_same_few_queries_however_many_people_it_shows(keeper: User) -> None:
    client = client_for(keeper)
    make_person("First", zones=["east-durham"], skills=["naloxone"])
    assert client.get(reverse("people:roster")).status_code == 200  # warms the session and the cached settings

    def cost() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(reverse("people:roster")).status_code == 200
        return len(seen)

    few = cost()
    for n in range(12):
        make_person(f"Person {n}", zones=["east-durham", "walltown"], skills=["naloxone", "de-escalation"])
    assert cost() == few <= 13  # session, account, roles, second factor, settings (cached), count, page, zones,
    # certifications, and the filter form's zones and skills


def test_a_responder_sees_a_dispatchers_name_but_not_their_phone(dispatcher: User, responder: User) -> None:
    dani = make_person("Dani Dispatch", phones=[PHONE], user=dispatcher)
    page = client_for(responder).get(person_url(dani))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Dani Dispatch" in body
    assert "555-0123" not in body
    assert "5550123" not in body
    assert "Not shown to your role" in body
    assert not AuditEntry.objects.filter(object_type="people.contact").exists()


def test_an_outsider_and_another_groups_people_get_nothing(
    medic: User, outsider: User, other_member: User, other_coordinator: User, dispatcher: User
) -> None:
    mia = make_person("Mia Medic", phones=[PHONE], user=medic)
    for user in (outsider, other_member, other_coordinator):
        client = client_for(user)
        assert client.get(person_url(mia)).status_code == 404
        assert client.get(reverse("people:roster")).status_code == 404
        assert client.post(person_url(mia, "people:vouch")).status_code == 404
    # A dispatcher of any group reads the roster and the record, but not the phone.
    body = client_for(dispatcher).get(person_url(mia)).content.decode()
    assert "Mia Medic" in body
    assert "555-0123" not in body


def test_contacts_are_shown_to_a_roster_keeper_with_their_state_and_every_look_is_audited(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE])
    do_opt_out(Channel.SMS, PHONE)
    body = client_for(keeper).get(person_url(rosa)).content.decode()
    assert PHONE in body
    assert "Opted out" in body
    entry = AuditEntry.objects.get(object_type="people.contact")
    assert entry.action == "viewed"
    assert entry.actor == str(keeper.uuid)
    contact = Contact.objects.get(person=rosa)
    assert set(entry.object_ids) == {str(rosa.uuid), str(contact.uuid)}
    assert PHONE not in str(entry.detail)


def test_leaving_warns_then_erases_the_contacts(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE], emails=["rosa@example.org"])
    client = client_for(keeper)
    warning = client.get(person_url(rosa, "people:leave-person")).content.decode()
    assert "This cannot be undone." in warning
    assert client.post(person_url(rosa, "people:leave-person")).status_code == 302
    rosa.refresh_from_db()
    assert rosa.state == PersonState.LEFT
    assert not Contact.objects.filter(person=rosa).exists()
    assert str(rosa.display_name) == ""


def test_pause_until_a_date_and_bring_back(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    client = client_for(keeper)
    assert client.post(person_url(rosa, "people:pause-person"), {"until": "2000-01-01"}).status_code == 400
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert client.post(person_url(rosa, "people:pause-person"), {"until": until}).status_code == 302
    rosa.refresh_from_db()
    assert rosa.state == PersonState.PAUSED
    assert client.post(person_url(rosa, "people:back-person")).status_code == 302
    rosa.refresh_from_db()
    assert rosa.state == PersonState.ACTIVE


def test_vouch_and_withdraw_from_the_page(medics: WorkingGroup, medic: User) -> None:
    voucher_account = make_member("val.voucher", medics, Role.RESPONDER)
    make_person("Val Voucher", user=voucher_account)  # vetted on import
    newcomer = make_person("New Medic", user=medic, vetted=False)
    client = client_for(voucher_account)

    assert client.post(person_url(newcomer, "people:vouch")).status_code == 302
    vouch = Vouch.objects.get(vouched=newcomer, withdrawn_at__isnull=True)
    page = client.get(person_url(newcomer)).content.decode()
    assert "Withdraw my vouch" in page

    url = reverse("people:withdraw-vouch", kwargs={"person_id": newcomer.uuid, "vouch": vouch.uuid})
    assert client.post(url).status_code == 302
    vouch.refresh_from_db()
    assert vouch.withdrawn_at is not None


def test_someone_without_a_person_record_is_told_they_cannot_vouch(medic: User, coordinator: User) -> None:
    newcomer = make_person("New Medic", user=medic, vetted=False)
    client = client_for(coordinator)
    assert "no person record" in client.get(person_url(newcomer)).content.decode()
    response = client.post(person_url(newcomer, "people:vouch"), follow=True)
    assert "no person record" in response.content.decode()
    assert not Vouch.objects.exists()


def test_someone_may_not_withdraw_anothers_vouch(medics: WorkingGroup, medic: User) -> None:
    newcomer = make_person("New Medic", user=medic, vetted=False)
    voucher = make_person("Val Voucher")
    vouch = Vouch.objects.create(voucher=voucher, vouched=newcomer)
    other = make_member("ole.other", medics, Role.RESPONDER)
    url = reverse("people:withdraw-vouch", kwargs={"person_id": newcomer.uuid, "vouch": vouch.uuid})
    assert client_for(other).post(url).status_code == 404


def test_mark_imported_people_vetted_in_one_audited_step(keeper: User) -> None:
    first, second = make_person("One", vetted=False), make_person("Two", vetted=False)
    response = client_for(keeper).post(reverse("people:mark-vetted"), {"people": [first.uuid, second.uuid]})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.vetted_by_import_at
    assert second.vetted_by_import_at
    entry = AuditEntry.objects.filter(object_type="people.person", detail__vetted_by_import=True).get()
    assert set(entry.object_ids) == {str(first.uuid), str(second.uuid)}


def test_grant_a_certification_and_edit(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", zones=["east-durham"])
    zone("walltown")
    client = client_for(keeper)
    assert client.post(person_url(rosa, "people:grant-certification"), {"skill": "naloxone"}).status_code == 302
    assert rosa.certifications.get().skill.slug == "naloxone"
    edit = {"display_name": "Rosa E.", "language": "es", "zones": ["walltown"]}
    assert client.post(person_url(rosa, "people:edit-person"), edit).status_code == 302
    rosa.refresh_from_db()
    assert (str(rosa.display_name), rosa.language) == ("Rosa E.", "es")
    assert [z.slug for z in rosa.zones.all()] == ["walltown"]


def test_a_plain_member_may_not_change_a_group_mate(medic: User, coordinator: User) -> None:
    mia = make_person("Mia Medic", user=medic)
    client = client_for(coordinator)
    assert client.get(person_url(mia)).status_code == 200
    assert client.get(person_url(mia, "people:edit-person")).status_code == 404
    assert client.post(person_url(mia, "people:leave-person")).status_code == 404
