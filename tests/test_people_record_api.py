"""The people API for what the person page changes: contacts, shifts, the account link, sign-offs, removals,
working groups, consent, and the network's vouches needed. The same services and rules as the pages."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from solidarity.accounts.groups import do_add_member
from solidarity.accounts.models import ApiToken, Membership, User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.models import AuditEntry
from solidarity.core.services import get_network_settings
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.models import Certification, Contact, OneOffShift, Person, Shift
from solidarity.people.services import do_grant_certification
from tests.factories.accounts import bearer, make_member, make_user
from tests.factories.people import make_person, skill, vouched_for

pytestmark = pytest.mark.django_db

PHONE = "+19195550123"  # 555-01xx: fictional


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


TOKENS: dict[str, str] = {}  # by account uuid: a fresh one per test


def call(user: User, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    if not ApiToken.objects.filter(user=user).exists():
        TOKENS[str(user.uuid)] = do_create_token(user, name="script").secret
    secret = TOKENS[str(user.uuid)]
    response = Client().generic(
        method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=bearer(secret)
    )
    return response.status_code, response.json() if response.content else None


def test_contacts_are_added_made_primary_and_removed(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", phones=["+19195550124"])
    base = f"/people/{rosa.uuid}/contacts"

    status, made = call(keeper, "POST", base, {"kind": "phone", "value": "(919) 555-0123"})
    assert status == 201
    assert (made["value"], made["is_primary"], made["has_key"], made["confirmed_at"]) == (PHONE, False, False, None)

    status, primary = call(keeper, "POST", f"{base}/{made['id']}/primary")
    assert (status, primary["is_primary"]) == (200, True)
    _, record = call(keeper, "GET", f"/people/{rosa.uuid}")
    assert [(c["value"], c["is_primary"]) for c in record["contacts"]] == [(PHONE, True), ("+19195550124", False)]

    assert call(keeper, "DELETE", f"{base}/{made['id']}")[0] == 204
    assert list(Contact.objects.filter(person=rosa).values_list("is_primary", flat=True)) == [True]
    assert call(keeper, "DELETE", f"{base}/{made['id']}")[0] == 404


def test_a_contact_another_person_has_is_a_422_on_value(keeper: User) -> None:
    make_person("Sam Otro", emails=["sam@example.org"])
    rosa = make_person("Rosa Ejemplo")
    status, answer = call(
        keeper, "POST", f"/people/{rosa.uuid}/contacts", {"kind": "email", "value": "SAM@example.org"}
    )
    assert status == 422
    assert answer["error"]["fields"] == {"value": ["Another person in the network already has it."]}


def test_contacts_are_only_for_roster_keepers(medic: User, coordinator: User) -> None:
    mia = make_person("Mia Medic", phones=[PHONE], user=medic)
    contact = Contact.objects.get(person=mia)
    for user in (medic, coordinator):
        assert call(user, "POST", f"/people/{mia.uuid}/contacts", {"kind": "phone", "value": "9195550111"})[0] == 404
        assert call(user, "DELETE", f"/people/{mia.uuid}/contacts/{contact.uuid}")[0] == 404


def test_weekly_shifts_are_replaced_and_one_off_changes_added_and_removed(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", windows=())
    body = {"shifts": [{"weekday": 4, "starts": "22:00", "duration_minutes": 600}]}

    status, answer = call(keeper, "PUT", f"/people/{rosa.uuid}/shifts", body)

    assert (status, answer) == (200, {"shifts": [{"weekday": 4, "starts": "22:00", "duration_minutes": 600}]})
    assert Shift.objects.get(person=rosa).end_minute == 4 * 1440 + 22 * 60 + 600
    assert call(keeper, "PUT", f"/people/{rosa.uuid}/shifts", {"shifts": [{"weekday": 7}]})[0] == 422

    starts = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    change = {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "is_on_call": False,
    }
    status, made = call(keeper, "POST", f"/people/{rosa.uuid}/one-off-shifts", change)
    assert (status, made["is_on_call"]) == (201, False)
    _, record = call(keeper, "GET", f"/people/{rosa.uuid}")
    assert [o["id"] for o in record["one_off_shifts"]] == [made["id"]]

    past = {"starts_at": "2020-01-01T09:00", "ends_at": "2020-01-01T10:00", "is_on_call": True}
    status, refused = call(keeper, "POST", f"/people/{rosa.uuid}/one-off-shifts", past)
    assert (status, refused["error"]["fields"]) == (422, {"ends_at": ["This end has already passed."]})

    assert call(keeper, "DELETE", f"/people/{rosa.uuid}/one-off-shifts/{made['id']}")[0] == 204
    assert not OneOffShift.objects.exists()


def test_the_account_link_by_email(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    account = make_user("rosa.account")

    status, answer = call(keeper, "PUT", f"/people/{rosa.uuid}/account", {"email": "nobody@example.org"})
    assert (status, answer["error"]["fields"]) == (422, {"email": ["No active account has this email."]})

    status, answer = call(keeper, "PUT", f"/people/{rosa.uuid}/account", {"email": "rosa.account@example.org"})
    assert (status, answer) == (200, {"account": str(account.uuid)})
    assert call(keeper, "GET", f"/people/{rosa.uuid}")[1]["account"] == str(account.uuid)

    assert call(keeper, "DELETE", f"/people/{rosa.uuid}/account")[0] == 204
    rosa.refresh_from_db()
    assert rosa.user is None


def test_a_sign_off_by_a_keeper_who_holds_the_skill_and_a_removal(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    waiting = do_grant_certification(rosa, skill("street-medic-basic"), by=None)
    path = f"/people/{rosa.uuid}/certifications/{waiting.uuid}"

    status, refused = call(keeper, "POST", f"{path}/sign-off")
    assert (status, refused["error"]["code"]) == (409, "refused")

    kim = make_person("Kim Keeper", user=keeper)
    do_grant_certification(kim, skill("street-medic-basic"), by=None, signed_off=True)
    status, answer = call(keeper, "POST", f"{path}/sign-off")
    assert (status, answer["signed_off_by"], answer["is_current"]) == (200, str(keeper.uuid), True)

    assert call(keeper, "DELETE", path)[0] == 204
    assert not Certification.objects.filter(person=rosa).exists()


def test_working_groups_through_the_person(
    admin: User, medics: WorkingGroup, rapid_response: WorkingGroup, keeper: User
) -> None:
    account = make_user("nico.nuevo")
    nico = make_person("Nico Nuevo", user=account)
    do_add_member(medics, account)
    do_add_member(medics, admin)  # the admin sees Nico through the group they share
    path = f"/people/{nico.uuid}/groups"
    assert call(keeper, "POST", path, {"group": rapid_response.slug})[0] == 404  # a keeper coordinates no group

    status, answer = call(admin, "POST", path, {"group": rapid_response.slug})
    assert (status, answer) == (201, {"group": rapid_response.slug, "roles": []})
    assert call(admin, "POST", path, {"group": rapid_response.slug})[1]["error"]["code"] == "already_member"
    assert {g["group"] for g in call(keeper, "GET", f"/people/{nico.uuid}")[1]["groups"]} == {
        medics.slug,
        rapid_response.slug,
    }

    assert call(admin, "DELETE", f"{path}/{rapid_response.slug}")[0] == 204
    assert not Membership.objects.filter(user=account, group=rapid_response).exists()


def test_consent_in_and_out_and_the_roster_filter(keeper: User) -> None:
    status, made = call(keeper, "POST", "/people", {"display_name": "Rosa Ejemplo", "consent_trainings": True})
    assert status == 201
    assert (made["consent_alerts"], made["consent_trainings"], made["consent_announcements"]) == (False, True, False)
    assert made["consent_updated_at"]

    status, changed = call(keeper, "PATCH", f"/people/{made['id']}", {"consent_alerts": True})
    assert (status, changed["consent_alerts"]) == (200, True)
    make_person("Sam Otro", consent=False)
    _, listed = call(keeper, "GET", "/people?consent=no-alerts")
    assert [item["display_name"] for item in listed["items"]] == ["Sam Otro"]


def test_the_vouches_needed_by_an_admin_says_how_many_left_the_alert_pool(admin: User, keeper: User) -> None:
    newcomer = make_person("Nuevo Ejemplo", vetted=False)
    vouched_for(newcomer, "Val Uno", "Val Dos")
    assert call(keeper, "PUT", "/network/vouches-needed", {"vouches_needed": 3})[0] == 403

    status, answer = call(admin, "PUT", "/network/vouches-needed", {"vouches_needed": 3})

    assert (status, answer) == (200, {"vouches_needed": 3, "left_alert_pool": 1})
    assert call(keeper, "GET", "/network/vouches-needed")[1] == {"vouches_needed": 3, "left_alert_pool": 0}
    assert call(admin, "PUT", "/network/vouches-needed", {"vouches_needed": 0})[0] == 422
    cache.clear()
    assert get_network_settings().vouches_needed == 3
    assert AuditEntry.objects.filter(object_type="core.networksettings").exists()
    assert Person.objects.get(pk=newcomer.pk).lost_vetting_reason == "threshold_raised"
