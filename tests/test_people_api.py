"""The people API: the roster for scripts, with the pages' rules on who sees whom."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from solidarity.accounts.models import ApiToken, User, WorkingGroup
from solidarity.accounts.services import do_create_token
from solidarity.core.models import AuditEntry
from solidarity.core.permissions import Role
from solidarity.people.access import ROSTER_KEEPER
from solidarity.people.models import Contact, Person, PersonState, Vouch
from tests.factories.accounts import bearer, make_member
from tests.factories.people import make_person, zone

pytestmark = pytest.mark.django_db

PHONE = "+19195550123"  # 555-01xx: fictional


@pytest.fixture
def keeper(medics: WorkingGroup) -> User:
    return make_member("kim.keeper", medics, ROSTER_KEEPER)


TOKENS: dict[int, str] = {}


def call(user: User, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    found = ApiToken.objects.filter(user=user).exists()
    if not found:
        TOKENS[user.pk] = do_create_token(user, name="script").secret
    headers = bearer(TOKENS[user.pk])
    response = Client().generic(
        method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=headers
    )
    return response.status_code, response.json() if response.content else None


def test_a_roster_keeper_adds_a_person_and_gets_201_with_the_id(keeper: User) -> None:
    zone("east-durham")
    body = {
        "display_name": "Rosa Ejemplo",
        "phone": "(919) 555-0123",
        "email": "rosa@example.org",
        "language": "es",
        "zones": ["east-durham"],
        "skills": ["naloxone"],
    }
    status, answer = call(keeper, "POST", "/people", body)
    assert status == 201
    person = Person.objects.get(uuid=answer["id"])
    assert str(person.display_name) == "Rosa Ejemplo"
    assert answer["phones"] == [PHONE]  # E.164
    assert answer["zones"] == ["east-durham"]
    assert [c["skill"] for c in answer["certifications"]] == ["naloxone"]
    assert answer["vetted"] is False


def test_a_bad_phone_is_a_422_naming_the_field(keeper: User) -> None:
    status, answer = call(keeper, "POST", "/people", {"display_name": "Rosa", "phone": "nope"})
    assert status == 422
    assert answer["error"]["fields"] == {"phones": ["This is not a phone number."]}
    assert not Person.objects.exists()


def test_the_roster_filters_by_query_parameters(keeper: User) -> None:
    medic = make_person("East Medic", zones=["east-durham"], skills=["naloxone"])
    make_person("Walltown Driver", zones=["walltown"], skills=["licensed-driver"])
    newcomer = make_person("New Person", zones=["walltown"], vetted=False)
    status, answer = call(keeper, "GET", "/people?skill=naloxone")
    assert status == 200
    assert (answer["count"], answer["items"][0]["id"]) == (1, str(medic.uuid))
    _, answer = call(keeper, "GET", "/people?zone=walltown&vetted=false")
    assert [item["id"] for item in answer["items"]] == [str(newcomer.uuid)]
    _, answer = call(keeper, "GET", "/people?state=active")
    assert answer["count"] == 3


def test_a_person_with_certifications_vouches_shifts_and_state(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE], skills=["naloxone"])
    voucher = make_person("Val Voucher")
    Vouch.objects.create(voucher=voucher, vouched=rosa)
    status, answer = call(keeper, "GET", f"/people/{rosa.uuid}")
    assert status == 200
    assert answer["state"] == "active"
    assert answer["certifications"][0]["skill"] == "naloxone"
    assert answer["certifications"][0]["lapses_at"]
    assert answer["vouches"][0]["voucher"] == str(voucher.uuid)
    assert answer["shifts"] == [{"weekday": 0, "starts": "00:00", "duration_minutes": 7 * 24 * 60}]
    assert answer["phones"] == [PHONE]
    assert AuditEntry.objects.filter(object_type="people.contact", action="viewed").count() == 1


def test_a_responder_reads_a_dispatchers_record_without_the_phone(dispatcher: User, responder: User) -> None:
    dani = make_person("Dani Dispatch", phones=[PHONE], user=dispatcher)
    status, answer = call(responder, "GET", f"/people/{dani.uuid}")
    assert status == 200
    assert answer["display_name"] == "Dani Dispatch"
    assert answer["phones"] is None
    assert answer["emails"] is None
    assert PHONE not in json.dumps(answer)


def test_an_outsider_gets_nothing(medic: User, outsider: User, other_coordinator: User) -> None:
    mia = make_person("Mia Medic", phones=[PHONE], user=medic)
    for user in (outsider, other_coordinator):
        assert call(user, "GET", f"/people/{mia.uuid}")[0] == 404
        assert call(user, "GET", "/people")[0] == 404
        assert call(user, "POST", "/people", {"display_name": "X"})[0] == 404
        assert call(user, "PATCH", f"/people/{mia.uuid}", {"state": "left"})[0] == 404
    assert Person.objects.get(pk=mia.pk).state == PersonState.ACTIVE


def test_patch_pauses_brings_back_and_leaving_erases_contacts(keeper: User) -> None:
    rosa = make_person("Rosa Ejemplo", phones=[PHONE])
    until = (timezone.localdate() + timedelta(days=7)).isoformat()
    status, answer = call(keeper, "PATCH", f"/people/{rosa.uuid}", {"state": "paused", "paused_until": until})
    assert (status, answer["state"], answer["paused_until"]) == (200, "paused", until)
    assert call(keeper, "PATCH", f"/people/{rosa.uuid}", {"state": "paused"})[0] == 422
    assert call(keeper, "PATCH", f"/people/{rosa.uuid}", {"state": "active", "language": "es"})[1]["state"] == "active"
    status, answer = call(keeper, "PATCH", f"/people/{rosa.uuid}", {"state": "left"})
    assert (status, answer["state"], answer["phones"], answer["display_name"]) == (200, "left", [], "")
    assert not Contact.objects.filter(person=rosa).exists()
    assert call(keeper, "PATCH", f"/people/{rosa.uuid}", {"language": "en"})[0] == 409


def test_vouch_and_withdraw_through_the_api(medics: WorkingGroup, medic: User, coordinator: User) -> None:
    newcomer = make_person("New Medic", user=medic, vetted=False)
    voucher_account = make_member("val.voucher", medics, Role.RESPONDER)
    make_person("Val Voucher", user=voucher_account)
    status, answer = call(voucher_account, "POST", f"/people/{newcomer.uuid}/vouches")
    assert status == 201
    assert call(voucher_account, "POST", f"/people/{newcomer.uuid}/vouches")[1]["error"]["code"] == "refused"
    status, refused = call(coordinator, "POST", f"/people/{newcomer.uuid}/vouches")
    assert (status, refused["error"]["code"]) == (409, "no_person_record")
    assert call(coordinator, "DELETE", f"/people/{newcomer.uuid}/vouches/{answer['id']}")[0] == 404
    assert call(voucher_account, "DELETE", f"/people/{newcomer.uuid}/vouches/{answer['id']}")[0] == 204
    assert Vouch.objects.get(uuid=answer["id"]).withdrawn_at is not None


def test_grant_a_certification(keeper: User, medic: User) -> None:
    rosa = make_person("Rosa Ejemplo")
    status, answer = call(keeper, "POST", f"/people/{rosa.uuid}/certifications", {"skill": "naloxone"})
    assert (status, answer["skill"], answer["is_current"]) == (201, "naloxone", True)
    assert call(keeper, "POST", f"/people/{rosa.uuid}/certifications", {"skill": "nope"})[0] == 422
    mia = make_person("Mia Medic", user=medic)
    assert call(medic, "POST", f"/people/{mia.uuid}/certifications", {"skill": "naloxone"})[0] == 404


def test_the_roster_reads_only_the_page_asked_for_in_the_same_few_queries(keeper: User) -> None:
    make_person("First", skills=["naloxone"])
    call(keeper, "GET", "/people?limit=5")  # the token is made, the settings cached

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as seen:
            status, answer = call(keeper, "GET", "/people?limit=5")
        assert status == 200
        return len(seen), len(answer["items"])

    few, shown = cost()
    for n in range(8):
        make_person(f"Person {n}", zones=["east-durham", "walltown"], skills=["naloxone", "de-escalation"])
    many, shown_now = cost()
    assert (shown, shown_now) == (1, 5)
    assert many == few


def test_a_roster_keeper_still_keeps_their_own_record(keeper: User) -> None:
    mine = make_person("Kim Keeper", phones=[PHONE], user=keeper)
    status, answer = call(keeper, "PATCH", f"/people/{mine.uuid}", {"language": "es"})
    assert (status, answer["language"], answer["phones"]) == (200, "es", [PHONE])
