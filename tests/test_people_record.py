"""A person's page after the record was made: contacts, shifts, the account link, sign-offs, working groups,
consent; and the network's "vouches needed". Each change through the page, audited, refused to outsiders."""

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from solidarity.accounts.groups import do_grant_role
from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.core.services import get_network_settings
from solidarity.messaging.models import Channel
from solidarity.messaging.services import address_state
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.contacts import do_add_contact
from solidarity.people.models import Certification, Contact, OneOffShift, Person, Shift
from solidarity.people.services import do_grant_certification
from tests.factories.accounts import client_for, make_member, make_user
from tests.factories.people import holds_a_number, make_person, skill, vouched_for

pytestmark = pytest.mark.django_db

PHONE = "+19195550123"  # 555-01xx: fictional
OTHER_PHONE = "+19195550124"


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


def url(person: Person, name: str = "people:person", **kwargs: object) -> str:
    return reverse(name, kwargs={"person_id": person.uuid, **kwargs})


def audited(object_type: str, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type, action=action).order_by("seq"))


# Contacts.


def test_a_roster_keeper_adds_a_phone_normalised_and_it_is_primary_when_first(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", emails=["rosa@example.org"])
    client = client_for(keeper)

    response = client.post(url(rosa, "people:add-contact"), {"kind": "phone", "value": "(919) 555-0123"})

    assert response.status_code == 302
    phone = Contact.objects.get(person=rosa, kind="phone")
    assert (str(phone.value), phone.is_primary) == (PHONE, True)
    [entry] = audited("people.contact", "created")
    assert entry.object_ids == [str(phone.uuid), str(rosa.uuid)]
    assert not holds_a_number(str(entry.detail))
    assert not holds_a_number(response["Location"])


def test_a_contact_another_person_has_is_refused_with_a_clear_error_and_nothing_typed_is_lost(keeper: User) -> None:
    make_person("Sam Otro", phones=[PHONE])
    rosa = make_person("Rosa Ejemplo")
    client = client_for(keeper)

    response = client.post(url(rosa, "people:add-contact"), {"kind": "phone", "value": "919 555 0123"})

    body = response.content.decode()
    assert response.status_code == 400
    assert "Another person in the network already has it." in body
    assert 'value="919 555 0123"' in body
    assert not Contact.objects.filter(person=rosa).exists()
    bad = client.post(url(rosa, "people:add-contact"), {"kind": "email", "value": "not an email"})
    assert "This is not an email address." in bad.content.decode()


def test_choose_the_primary_and_remove_one_the_next_becomes_primary(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE, OTHER_PHONE])
    first, second = Contact.objects.filter(person=rosa).order_by("created_at", "pk")
    assert (first.is_primary, second.is_primary) == (True, False)
    client = client_for(keeper)

    assert client.post(url(rosa, "people:primary-contact", contact=second.uuid)).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)

    assert client.post(url(rosa, "people:remove-contact", contact=second.uuid)).status_code == 302
    assert list(Contact.objects.filter(person=rosa).values_list("is_primary", flat=True)) == [True]
    assert audited("people.contact", "deleted")[0].object_ids == [str(second.uuid), str(rosa.uuid)]
    assert client.post(url(rosa, "people:remove-contact", contact=second.uuid)).status_code == 404


def test_the_page_shows_each_contacts_state_from_messaging_and_when_it_was_confirmed(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE], emails=["rosa@example.org"])
    state = address_state(Channel.EMAIL, "rosa@example.org")
    state.openpgp_key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n(a key)\n-----END PGP PUBLIC KEY BLOCK-----"
    state.save()
    Contact.objects.filter(person=rosa, kind="phone").update(confirmed_at=timezone.now())

    body = client_for(keeper).get(url(rosa)).content.decode()

    assert "OpenPGP key on file" in body
    assert "Last confirmed working on" in body
    assert "Not confirmed working yet." in body  # the email
    assert body.count("Make it the primary one") == 0  # each is the primary of its kind


def test_only_roster_keepers_change_contacts(keeper: User, medic: User, coordinator: User, outsider: User) -> None:
    mia = make_person("Mia Medic", phones=[PHONE], user=medic)
    contact = Contact.objects.get(person=mia)
    for user in (medic, coordinator, outsider):
        client = client_for(user)
        assert client.post(url(mia, "people:add-contact"), {"kind": "phone", "value": OTHER_PHONE}).status_code == 404
        assert client.post(url(mia, "people:remove-contact", contact=contact.uuid)).status_code == 404
    assert Contact.objects.filter(person=mia).count() == 1
    assert "Add a phone or an email" not in client_for(coordinator).get(url(mia)).content.decode()
    assert "Add a phone or an email" in client_for(keeper).get(url(mia)).content.decode()


# Shifts.


def shift_form(rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {"shifts-TOTAL_FORMS": str(len(rows)), "shifts-INITIAL_FORMS": str(initial)}
    for n, row in enumerate(rows):
        data |= {f"shifts-{n}-{name}": value for name, value in row.items()}
    return data


EMPTY = {"weekday": "", "starts": "", "hours": "", "minutes": "0"}


def test_weekly_shifts_are_edited_as_rows_without_javascript(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", windows=())
    client = client_for(keeper)
    page = client.get(url(rosa, "people:edit-shifts")).content.decode()
    assert 'name="shifts-TOTAL_FORMS" value="3"' in page  # three empty rows to fill

    rows = [{"weekday": "1", "starts": "18:00", "hours": "4", "minutes": "30"}, EMPTY, EMPTY]
    assert client.post(url(rosa, "people:edit-shifts"), shift_form(rows)).status_code == 302
    [shift] = Shift.objects.filter(person=rosa)
    assert (shift.weekday, shift.starts.hour, shift.duration_minutes) == (1, 18, 270)

    page = client.get(url(rosa, "people:edit-shifts")).content.decode()
    assert 'name="shifts-TOTAL_FORMS" value="4"' in page  # the one kept, and three empty
    rows = [
        {"weekday": "1", "starts": "18:00", "hours": "4", "minutes": "30", "DELETE": "on"},
        {"weekday": "6", "starts": "22:00", "hours": "10", "minutes": "0"},
        EMPTY,
    ]
    assert client.post(url(rosa, "people:edit-shifts"), shift_form(rows, initial=1)).status_code == 302
    assert list(Shift.objects.filter(person=rosa).values_list("weekday", "duration_minutes")) == [(6, 600)]
    assert "Sunday 10 p.m. to Monday 8 a.m." in client.get(url(rosa)).content.decode()


def test_a_bad_shift_row_says_what_is_wrong_and_changes_nothing(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    before = list(Shift.objects.filter(person=rosa).values_list("pk", flat=True))
    rows = [{"weekday": "2", "starts": "25:00", "hours": "0", "minutes": "0"}, EMPTY]
    response = client_for(keeper).post(url(rosa, "people:edit-shifts"), shift_form(rows))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid time." in body
    assert "Between one minute and one week." in body
    assert list(Shift.objects.filter(person=rosa).values_list("pk", flat=True)) == before


def test_one_off_changes_are_added_in_network_time_and_removed(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    client = client_for(keeper)
    day = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo(get_network_settings().time_zone)).date()
    form = {"is_on_call": "0", "starts_at": f"{day}T09:00", "ends_at": f"{day}T17:00"}

    assert client.post(url(rosa, "people:add-one-off"), form).status_code == 302

    change = OneOffShift.objects.get(person=rosa)
    local = change.starts_at.astimezone(ZoneInfo(get_network_settings().time_zone))
    assert (local.date(), local.hour, change.is_on_call) == (day, 9, False)
    assert "Away" in client.get(url(rosa)).content.decode()

    backwards = {"is_on_call": "1", "starts_at": f"{day}T17:00", "ends_at": f"{day}T09:00"}
    refused = client.post(url(rosa, "people:add-one-off"), backwards)
    assert refused.status_code == 400
    assert "The end must come after the start." in refused.content.decode()

    assert client.post(url(rosa, "people:remove-one-off", change=change.uuid)).status_code == 302
    assert not OneOffShift.objects.exists()
    assert [e.object_ids[0] for e in audited("people.oneoffshift", "deleted")] == [str(change.uuid)]


# The account link.


def test_a_roster_keeper_links_a_person_to_an_account_by_its_email_and_unlinks(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    account = make_user("rosa.account")
    client = client_for(keeper)
    page = client.get(url(rosa, "people:link-account")).content.decode()
    assert "rosa.account" not in page  # no list of accounts

    unknown = client.post(url(rosa, "people:link-account"), {"email": "nobody@example.org"})
    assert unknown.status_code == 400
    assert "No active account has this email." in unknown.content.decode()

    assert client.post(url(rosa, "people:link-account"), {"email": "ROSA.ACCOUNT@example.org"}).status_code == 302
    rosa.refresh_from_db()
    assert rosa.user == account
    assert "rosa.account" in client.get(url(rosa)).content.decode()

    other = make_person("Sam Otro")
    taken = client.post(url(other, "people:link-account"), {"email": "rosa.account@example.org"})
    assert "This account already belongs to another person." in taken.content.decode()

    assert client.post(url(rosa, "people:unlink-account")).status_code == 302
    rosa.refresh_from_db()
    assert rosa.user is None
    assert len(audited("people.person", "changed")) >= 2


# Certifications.


def test_a_coordinator_who_holds_the_skill_signs_off_and_the_page_says_who_and_when(
    medics: WorkingGroup, coordinator: User, medic: User
) -> None:
    mia = make_person("Mia Medic", user=medic)
    waiting = do_grant_certification(mia, skill("street-medic-basic"), by=None)
    cora = make_person("Cora Coordina", user=coordinator)
    do_grant_certification(cora, skill("street-medic-basic"), by=None, signed_off=True)
    client = client_for(coordinator)
    assert "Waiting for its practical sign-off" in client.get(url(mia)).content.decode()

    assert client.post(url(mia, "people:sign-off", certification=waiting.uuid)).status_code == 302

    waiting.refresh_from_db()
    assert waiting.signed_off_by == coordinator
    body = client.get(url(mia)).content.decode()
    assert "Signed off by Cora Coordina on" in body
    entry = audited("people.certification", "changed")[-1]
    assert (entry.role, entry.detail["signed_off"]) == ("coordinator", True)


def test_a_sign_off_by_someone_without_the_skill_is_refused_plainly(keeper: User, medic: User) -> None:
    mia = make_person("Mia Medic", user=medic)
    waiting = do_grant_certification(mia, skill("street-medic-basic"), by=None)
    response = client_for(keeper).post(url(mia, "people:sign-off", certification=waiting.uuid), follow=True)
    assert "Only another person who holds this skill can sign it off." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.signed_off_at is None
    # A plain member of the group may not even try.
    assert client_for(medic).post(url(mia, "people:sign-off", certification=waiting.uuid)).status_code == 404


def test_lapse_dates_count_down_and_a_certification_can_be_removed(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", skills=["naloxone", "de-escalation"])
    Certification.objects.filter(person=rosa, skill__slug="de-escalation").update(
        lapses_at=timezone.now() - timedelta(days=1)
    )
    naloxone = Certification.objects.get(person=rosa, skill__slug="naloxone")
    Certification.objects.filter(pk=naloxone.pk).update(lapses_at=timezone.now() + timedelta(days=10, hours=1))
    client = client_for(keeper)

    body = client.get(url(rosa)).content.decode()
    assert "lapses in 10 days" in body or "lapses in 11 days" in body  # by local midnights
    assert "lapsed on" in body

    assert client.post(url(rosa, "people:remove-certification", certification=naloxone.uuid)).status_code == 302
    assert list(Certification.objects.filter(person=rosa).values_list("skill__slug", flat=True)) == ["de-escalation"]
    assert audited("people.certification", "deleted")[0].detail == {"skill": "naloxone"}


# Working groups.


def test_a_coordinator_adds_a_person_to_their_group_and_removes_them(
    rapid_response: WorkingGroup, other_coordinator: User, dispatcher: User
) -> None:
    account = make_user("nico.nuevo")
    nico = make_person("Nico Nuevo", user=account)
    client = client_for(dispatcher)  # a dispatcher reads the roster, but coordinates no group
    assert "Add to the group" not in client.get(url(nico)).content.decode()
    assert client.post(url(nico, "people:add-to-group"), {"group": rapid_response.slug}).status_code == 400

    # A coordinator of Rapid Response who also dispatches sees the person and adds them.
    do_grant_role(rapid_response, other_coordinator, Role.DISPATCHER, by=None)
    client = client_for(other_coordinator)
    assert "Add to the group" in client.get(url(nico)).content.decode()
    assert client.post(url(nico, "people:add-to-group"), {"group": rapid_response.slug}).status_code == 302
    assert Membership.objects.filter(user=account, group=rapid_response).exists()
    assert "Remove from the group" in client.get(url(nico)).content.decode()

    removed = client.post(url(nico, "people:remove-from-group", slug=rapid_response.slug))
    assert removed.status_code == 302
    assert not Membership.objects.filter(user=account, group=rapid_response).exists()


def test_nobody_removes_a_person_from_a_group_they_do_not_coordinate(
    medics: WorkingGroup, medic: User, coordinator: User, admin: User, dispatcher: User
) -> None:
    mia = make_person("Mia Medic", user=medic)
    assert client_for(dispatcher).post(url(mia, "people:remove-from-group", slug=medics.slug)).status_code == 404
    assert Membership.objects.filter(user=medic, group=medics).exists()
    assert "Street Medics Committee" in client_for(coordinator).get(url(mia)).content.decode()


# Consent.


def test_the_add_form_asks_for_consent_checked_and_an_unchecked_box_is_kept(keeper: User) -> None:
    client = client_for(keeper)
    page = client.get(reverse("people:add-person")).content.decode()
    assert page.count("checked") >= 3
    form = {"display_name": "Rosa Ejemplo", "language": "en", "consent_alerts": "on", "consent_trainings": "on"}
    assert client.post(reverse("people:add-person"), form).status_code == 302
    rosa = Person.objects.get()
    assert (rosa.consent_alerts, rosa.consent_trainings, rosa.consent_announcements) == (True, True, False)
    assert rosa.consent_updated_at is not None


def test_consent_is_changed_on_the_edit_form_and_the_roster_filters_by_it(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    make_person("Sam Otro")
    client = client_for(keeper)
    edit = {"display_name": "Rosa Ejemplo", "language": "en", "zones": ["east-durham"], "consent_trainings": "on"}
    assert client.post(url(rosa, "people:edit-person"), edit).status_code == 302
    rosa.refresh_from_db()
    assert (rosa.consent_alerts, rosa.consent_trainings) == (False, True)
    assert "No alerts: they did not agree to them." in client.get(url(rosa)).content.decode()
    [entry] = [e for e in audited("people.person", "changed") if "consent_alerts" in e.detail]
    assert entry.detail["fields"] == ["consent_alerts", "consent_announcements"]

    no_alerts = client.get(reverse("people:roster"), {"consent": "no-alerts"}).content.decode()
    assert "Rosa Ejemplo" in no_alerts
    assert "no alerts: did not agree to them" in no_alerts
    assert "Sam Otro" not in no_alerts


# Vouches needed.


def test_raising_the_vouches_needed_on_the_settings_page_says_how_many_left_the_alert_pool(admin: User) -> None:
    newcomer = make_person("Nuevo Ejemplo", vetted=False)
    vouched_for(newcomer, "Val Uno", "Val Dos")
    client = client_for(admin)
    page = client.get(reverse("web:network-settings")).content.decode()
    assert 'name="vouches_needed"' in page

    response = client.post(reverse("people:vouches-needed"), {"vouches_needed": "3"}, follow=True)

    assert "1 person is no longer vetted and left the alert pool." in response.content.decode()
    cache.clear()
    assert get_network_settings().vouches_needed == 3
    newcomer.refresh_from_db()
    assert newcomer.lost_vetting_reason == "threshold_raised"

    refused = client.post(reverse("people:vouches-needed"), {"vouches_needed": "11"})
    assert refused.status_code == 400
    assert "vouches_needed" in refused.content.decode()


def test_only_an_admin_changes_the_vouches_needed(keeper: User, coordinator: User) -> None:
    for user in (keeper, coordinator):
        assert client_for(user).post(reverse("people:vouches-needed"), {"vouches_needed": "1"}).status_code in (
            403,
            404,
        )
    assert get_network_settings().vouches_needed == 2


def test_the_person_page_costs_the_same_queries_however_many_contacts_and_skills(
    keeper: User, coordinator: User
) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE], emails=["rosa@example.org"], user=coordinator)
    kim = make_person("Kim Keeper", user=keeper)
    do_grant_certification(kim, skill("street-medic-basic"), by=None, signed_off=True)
    do_grant_certification(rosa, skill("naloxone"), by=keeper)
    do_grant_certification(rosa, skill("street-medic-advanced"), by=keeper, signed_off=True)
    client = client_for(keeper)
    assert client.get(url(rosa)).status_code == 200  # warms the session and the cached settings

    def cost() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(url(rosa)).status_code == 200
        return len(seen)

    few = cost()
    for n, slug in enumerate(["de-escalation", "legal-observer", "street-medic-basic"]):
        do_grant_certification(rosa, skill(slug), by=keeper, signed_off=True)
        do_add_contact(rosa, "email", f"rosa.{n}@example.org", by=keeper)
    assert cost() == few
