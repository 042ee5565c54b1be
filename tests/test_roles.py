"""Roles as a set: several roles in one group, looked up once a request, declared by any part, changed on the record."""

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from solidarity.accounts.groups import do_grant_role, do_set_roles
from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core import roles
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import Role, holds, owner_role, permission, role, roles_in
from tests.factories.accounts import client_for, make_member, make_user
from tests.testapp import access as testapp_access
from tests.testapp.models import Case

pytestmark = pytest.mark.django_db

GROUP = "/en/groups/street-medics-committee/"


def member_page(person: User) -> str:
    return f"{GROUP}members/{person.uuid}/"


def test_one_member_holds_several_roles_and_each_admits(medics: WorkingGroup) -> None:
    person = make_member("dani.both", medics, Role.COORDINATOR, Role.DISPATCHER)

    assert roles_in(person, medics.slug) == {Role.MEMBER, Role.COORDINATOR, Role.DISPATCHER}
    for needed in (role(Role.COORDINATOR), role(Role.DISPATCHER), role(Role.MEMBER)):
        assert holds(person, needed, {"group": medics.slug})
    assert not holds(person, role(Role.TREASURER), {"group": medics.slug})


def test_a_part_declares_a_role_of_its_own_without_editing_core(medics: WorkingGroup) -> None:
    archivist = roles.declare("tests_archivist", "archivist", "Keeps the test app's records.")
    try:
        person = make_member("ari.archivist", medics, archivist)
        assert ("tests_archivist", "archivist") in roles.choices()
        assert holds(person, role(archivist), {"group": medics.slug})
        assert not archivist.is_sensitive
    finally:
        roles.ROLES.unregister("tests_archivist")
    with pytest.raises(ValueError, match="not a declared role"):
        Role("tests_archivist")


def test_the_coming_parts_roles_are_in_the_vocabulary_and_the_sensitive_ones_need_a_second_factor() -> None:
    codes = {str(held) for held in roles.all_roles()}
    assert {"facilitator", "stack_keeper", "case_worker", "medic_lead", "jail_support_lead"} <= codes
    assert roles.sensitive_roles() >= {Role.COORDINATOR, Role.DISPATCHER, Role.TREASURER, Role.CASE_WORKER}
    assert Role.RESPONDER not in roles.sensitive_roles()


def test_roles_are_looked_up_once_per_request(coordinator: User) -> None:
    client = client_for(coordinator)
    client.get(GROUP)  # warm
    with CaptureQueriesContext(connection) as seen:
        assert client.get(GROUP).status_code == 200
    role_lookups = [query for query in seen.captured_queries if '"grants__role"' in query["sql"]]
    assert len(role_lookups) == 1  # the second-factor rule, the permission and the page share it


def test_a_coordinator_grants_and_revokes_roles_on_the_members_page_and_it_is_audited(
    coordinator: User, medic: User, medics: WorkingGroup
) -> None:
    client = client_for(coordinator)
    assert "mia.medic" in client.get(member_page(medic)).content.decode()

    response = client.post(member_page(medic), {"roles": ["responder", "medic_lead"]})
    assert response.status_code == 302
    assert Membership.objects.get(user=medic).roles == [Role.RESPONDER, Role.MEDIC_LEAD, Role.MEMBER]
    client.post(member_page(medic), {"roles": ["medic_lead"]})
    assert Membership.objects.get(user=medic).roles == [Role.MEDIC_LEAD, Role.MEMBER]

    changes = AuditEntry.objects.filter(action=AuditAction.CHANGED, object_type="accounts.user").order_by("seq")
    assert [entry.detail for entry in changes] == [
        {"group": medics.slug, "granted": ["medic_lead", "responder"], "revoked": []},
        {"group": medics.slug, "granted": [], "revoked": ["responder"]},
    ]
    assert {entry.actor for entry in changes} == {str(coordinator.uuid)}
    history = client.get(member_page(medic)).content.decode()
    assert history.count("cora.coordinator") >= 2
    assert "responder" in history


def test_a_member_leaves_with_every_role_and_it_is_recorded(coordinator: User, medic: User) -> None:
    client = client_for(coordinator)
    client.post(member_page(medic), {"roles": ["responder"]})

    assert client.post(member_page(medic) + "remove/").status_code == 302

    assert not Membership.objects.filter(user=medic).exists()
    left = AuditEntry.objects.filter(action=AuditAction.DELETED).get()
    assert left.detail == {"group": "street-medics-committee", "left": ["responder"]}


@pytest.mark.parametrize("persona", ["medic", "outsider", "other_coordinator"])
def test_only_the_groups_coordinators_change_roles(
    request: pytest.FixtureRequest, persona: str, coordinator: User, medic: User
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(member_page(coordinator)).status_code == 404
    assert client.post(member_page(coordinator), {"roles": []}).status_code == 404
    assert client.post(member_page(coordinator) + "remove/").status_code == 404
    assert Membership.objects.get(user=coordinator).roles == [Role.COORDINATOR, Role.MEMBER]


def test_setting_the_same_roles_twice_changes_nothing(medics: WorkingGroup, medic: User) -> None:
    assert do_set_roles(medics, medic, [Role.RESPONDER], by=None)
    assert not do_set_roles(medics, medic, [Role.RESPONDER], by=None)
    assert AuditEntry.objects.filter(action=AuditAction.CHANGED).count() == 1


# A role in the group that owns an object (owner_role), resolved by the part's access function.


@pytest.mark.urls("tests.urls")
def test_a_role_in_the_group_that_owns_the_object_admits_and_refuses_the_right_people(
    medics: WorkingGroup, rapid_response: WorkingGroup, coordinator: User, medic: User, other_coordinator: User
) -> None:
    Case.objects.create(code="K4821", group=medics)
    case_worker = make_member("casey.worker", medics, Role.CASE_WORKER)

    assert client_for(case_worker).get("/en/test/cases/K4821").content == b"K4821 for case_worker, member"
    assert client_for(coordinator).get("/en/test/cases/K4821").status_code == 200
    assert client_for(medic).get("/en/test/cases/K4821").status_code == 404  # in the group, without the role
    assert client_for(other_coordinator).get("/en/test/cases/K4821").status_code == 404  # the role, elsewhere
    assert client_for(coordinator).get("/en/test/cases/NOSUCH").status_code == 404  # the same answer
    assert Client().get("/en/test/cases/K4821").status_code == 302  # sign in first


@pytest.mark.urls("tests.urls")
def test_the_permission_and_the_view_share_one_look_up_of_the_object(medics: WorkingGroup, coordinator: User) -> None:
    Case.objects.create(code="K4821", group=medics)
    testapp_access.LOOKUPS.clear()

    assert client_for(coordinator).get("/en/test/cases/K4821").status_code == 200

    assert testapp_access.LOOKUPS == ["K4821"]


def test_an_owner_role_declaration_reads_its_access_function_and_says_what_it_needs(medics: WorkingGroup) -> None:
    needed = owner_role(Role.CASE_WORKER, access=testapp_access.access_case, kwarg="case")
    assert str(needed) == "role case_worker in the group that owns <case>"
    Case.objects.create(code="K1", group=medics)
    outsider = make_user("otto.outsider")
    with pytest.raises(Http404):
        holds(outsider, needed, {"case": "K1"})
    assert not holds(outsider, needed, {})

    @permission(needed)
    def view() -> None: ...

    assert view.solidarity_permission == needed  # type: ignore[attr-defined]  # set by @permission


# Admins run the network's groups from the web.


def test_an_admin_creates_a_group_appoints_its_coordinator_and_joins_it(admin_client: Client, admin: User) -> None:
    rosa = make_user("rosa.ejemplo")

    created = admin_client.post("/en/groups/", {"name": "Rapid Response", "description": "The hotline."})
    assert created["Location"] == "/en/groups/rapid-response/settings/"
    appointed = admin_client.post("/en/groups/rapid-response/settings/appoint/", {"username": "Rosa.Ejemplo"})
    assert appointed.status_code == 302

    group = WorkingGroup.objects.get(slug="rapid-response")
    assert Membership.objects.get(group=group, user=rosa).roles == [Role.COORDINATOR, Role.MEMBER]
    assert admin_client.get("/en/groups/rapid-response/").status_code == 404  # an admin is not in every group
    admin_client.post("/en/groups/rapid-response/settings/join/")
    assert admin_client.get("/en/groups/rapid-response/").status_code == 200
    settings_page = admin_client.get("/es/groups/rapid-response/settings/").content.decode()
    assert "rosa.ejemplo" in settings_page


def test_an_archived_group_is_closed_to_everyone_until_it_comes_back(
    admin_client: Client, coordinator: User, medics: WorkingGroup
) -> None:
    client = client_for(coordinator)
    assert client.get(GROUP).status_code == 200

    admin_client.post(f"/en/groups/{medics.slug}/settings/archive/")
    assert client.get(GROUP).status_code == 404
    assert "archived" in admin_client.get("/en/groups/").content.decode()

    admin_client.post(f"/en/groups/{medics.slug}/settings/archive/", {"archive": "0"})
    assert client.get(GROUP).status_code == 200


def test_a_taken_group_name_is_explained(admin_client: Client, medics: WorkingGroup) -> None:
    response = admin_client.post("/en/groups/", {"name": "Street Medics Committee"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_an_admin_removes_a_coordinator_who_stays_a_member(
    admin_client: Client, coordinator: User, medics: WorkingGroup
) -> None:
    admin_client.post(f"/en/groups/{medics.slug}/settings/coordinators/{coordinator.uuid}/remove/")
    assert Membership.objects.get(user=coordinator).roles == [Role.MEMBER]


@pytest.mark.parametrize("page", ["", "rapid-response/settings/"])
def test_only_admins_open_the_group_administration(coordinator: User, rapid_response: WorkingGroup, page: str) -> None:
    assert client_for(coordinator).get(f"/en/groups/{page}").status_code == 403


# The same through the API.


def test_a_network_scripts_its_set_up_through_the_api(admin_client: Client, admin: User) -> None:
    make_user("rosa.ejemplo")

    response = admin_client.post(
        "/api/v1/groups",
        {"name": "Rapid Response", "description": "The hotline.", "coordinators": ["rosa.ejemplo"]},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "rapid-response"
    assert [(m["username"], m["roles"]) for m in body["members"]] == [("rosa.ejemplo", ["coordinator", "member"])]


def test_the_api_adds_members_sets_their_roles_and_removes_them(coordinator: User, outsider: User) -> None:
    client = client_for(coordinator)
    api = "/api/v1/groups/street-medics-committee/members"

    added = client.post(api, {"username": "otto.outsider", "roles": ["responder"]}, content_type="application/json")
    assert added.status_code == 201
    assert added.json()["roles"] == ["responder", "member"]
    changed = client.put(
        f"{api}/{outsider.uuid}/roles", {"roles": ["medic_lead", "responder"]}, content_type="application/json"
    )
    assert changed.json()["roles"] == ["responder", "medic_lead", "member"]
    invented = client.put(f"{api}/{outsider.uuid}/roles", {"roles": ["overlord"]}, content_type="application/json")
    assert invented.status_code == 422
    assert invented.json()["error"]["fields"] == {"roles": [invented.json()["error"]["fields"]["roles"][0]]}
    assert client.delete(f"{api}/{outsider.uuid}").status_code == 204
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_api_refuses_a_taken_name_with_a_conflict(admin_client: Client, medics: WorkingGroup) -> None:
    response = admin_client.post("/api/v1/groups", {"name": "Street Medics Committee"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["fields"]["name"]


def test_granting_to_someone_not_in_the_group_joins_them(medics: WorkingGroup, outsider: User, admin: User) -> None:
    assert do_grant_role(medics, outsider, Role.COORDINATOR, by=admin)
    assert Membership.objects.get(user=outsider).roles == [Role.COORDINATOR, Role.MEMBER]


def test_the_api_explains_a_taken_name_in_spanish_too(admin: User, medics: WorkingGroup) -> None:
    client = client_for(admin)
    response = client.post(
        "/api/v1/groups",
        {"name": "Street Medics Committee"},
        content_type="application/json",
        headers={"accept-language": "es"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_an_archived_groups_lists_take_no_more_sign_ups(admin: User, coordinator: User, medics: WorkingGroup) -> None:
    from solidarity.accounts.groups import do_archive_group
    from tests.factories.lists import make_list

    make_list(medics, coordinator, "east-durham")
    assert Client().get("/es/lists/east-durham/").status_code == 200

    do_archive_group(medics, by=admin)

    assert Client().get("/es/lists/east-durham/").status_code == 404
    do_archive_group(medics, by=admin, archived=False)
    assert Client().get("/es/lists/east-durham/").status_code == 200
