"""Working groups and need to know: members see their group, nobody else learns it exists."""

from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from solidarity.accounts import group_views as views
from solidarity.accounts.access import access_group, held_roles
from solidarity.accounts.groups import (
    MembershipError,
    do_add_member,
    do_create_group,
    do_grant_role,
    do_remove_member,
    do_revoke_role,
)
from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core import permissions
from solidarity.core.models import AuditAction, AuditEntry
from solidarity.core.permissions import GroupRole, Role, permission, role
from solidarity.people.models import Person
from tests.factories.accounts import PASSWORD, client_for, make_user, totp_code

GROUP_PAGE = "/en/groups/street-medics-committee/"
ADD_MEMBER = "/en/groups/street-medics-committee/members/"
MEMBERS_API = "/api/v1/groups/street-medics-committee/members"


# The declaration


def test_a_view_declares_the_role_it_needs_where_a_test_can_read_it() -> None:
    assert views.group.solidarity_permission == role(Role.MEMBER)  # type: ignore[attr-defined]  # set by @permission
    assert views.add_member.solidarity_permission == role(Role.COORDINATOR)  # type: ignore[attr-defined]  # same
    assert str(role(Role.DISPATCHER, Role.COORDINATOR)) == "role coordinator or dispatcher in <group>"


def test_member_means_anyone_in_the_group_and_other_roles_mean_exactly_those() -> None:
    treasurer = frozenset({Role.MEMBER, Role.TREASURER})
    assert role(Role.MEMBER).admits(treasurer)
    assert role(Role.DISPATCHER, Role.COORDINATOR).admits(frozenset({Role.MEMBER, Role.COORDINATOR}))
    assert not role(Role.COORDINATOR).admits(frozenset({Role.MEMBER, Role.DISPATCHER}))
    assert not role(Role.MEMBER).admits(frozenset())  # not in the group at all
    with pytest.raises(ValueError, match="at least one role"):
        role()
    with pytest.raises(ValueError, match="not a declared role"):
        role("overlord")


@pytest.mark.django_db
def test_without_accounts_role_look_up_every_role_check_fails_closed(coordinator: User) -> None:
    needed = role(Role.COORDINATOR)
    assert permissions.holds(coordinator, needed, {"group": "street-medics-committee"})
    permissions.ROLE_LOOKUP.unregister()
    permissions.forget(coordinator)
    try:
        assert not permissions.holds(coordinator, needed, {"group": "street-medics-committee"})
    finally:
        permissions.ROLE_LOOKUP.register(held_roles)
    assert not permissions.holds(coordinator, needed, {})  # a URL that names no group


@pytest.mark.django_db
def test_an_async_view_checks_the_role_too(rf: RequestFactory, coordinator: User, outsider: User) -> None:
    @permission(role(Role.COORDINATOR))
    async def live_board(request: HttpRequest, group: str) -> HttpResponse:
        return HttpResponse("board")

    def ask(user: User) -> HttpResponse:
        request = rf.get("/live/board")
        request.user = user

        async def auser() -> User:
            return user

        request.auser = auser  # what AuthenticationMiddleware sets up
        response: HttpResponse = async_to_sync(live_board)(request, group="street-medics-committee")
        return response

    assert ask(coordinator).content == b"board"
    with pytest.raises(Http404):
        ask(outsider)


# The group page


@pytest.mark.django_db
def test_a_member_sees_the_group_and_its_members_but_not_the_form(medic: User, coordinator: User) -> None:
    response = client_for(medic).get(GROUP_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Street Medics Committee" in html
    assert "cora.coordinator" in html
    assert "coordinator" in html
    assert "Add a member" not in html


@pytest.mark.django_db
def test_the_group_page_costs_the_same_few_queries_however_many_members(
    coordinator: User, medics: WorkingGroup
) -> None:
    client = client_for(coordinator)
    client.get(GROUP_PAGE)  # the session and the cached settings are warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(GROUP_PAGE).status_code == 200
    for n in range(5):
        do_add_member(medics, make_user(f"medic.{n}"), [Role.RESPONDER])
    with CaptureQueriesContext(connection) as many:
        assert client.get(GROUP_PAGE).status_code == 200
    assert len(many) == len(few) <= 14  # 9, plus the audit entry for who was seen (lock, append, move the head)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "other_member", "other_coordinator"])
def test_nobody_else_learns_the_group_exists(
    request: pytest.FixtureRequest, medics: WorkingGroup, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(GROUP_PAGE).status_code == 404
    assert client.get("/en/groups/no-such-group/").status_code == 404  # the same answer as for a real group
    assert client.post(ADD_MEMBER, {"username": "otto.outsider", "roles": ["coordinator"]}).status_code == 404
    assert not Membership.objects.filter(group=medics).exists()


@pytest.mark.django_db
def test_signing_in_comes_first(medics: WorkingGroup) -> None:
    response = Client().get(GROUP_PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"/en/accounts/login/?next={GROUP_PAGE}"


@pytest.mark.django_db
def test_a_coordinator_adds_a_member_with_roles(coordinator: User, outsider: User, medics: WorkingGroup) -> None:
    client = client_for(coordinator)
    assert "Add a member" in client.get(GROUP_PAGE).content.decode()

    response = client.post(ADD_MEMBER, {"username": "OTTO.outsider", "roles": ["responder", "medic_lead"]})

    assert response.status_code == 302
    assert response["Location"] == GROUP_PAGE
    assert Membership.objects.get(group=medics, user=outsider).roles == [Role.RESPONDER, Role.MEDIC_LEAD, Role.MEMBER]
    assert "otto.outsider" in client.get(GROUP_PAGE).content.decode()


@pytest.mark.django_db
def test_adding_an_unknown_or_existing_member_is_explained(coordinator: User, medic: User) -> None:
    client = client_for(coordinator)
    unknown = client.post(ADD_MEMBER, {"username": "nobody"})
    assert "No account has this username." in unknown.content.decode()
    assert unknown.status_code == 400
    twice = client.post(ADD_MEMBER, {"username": "mia.medic", "roles": ["coordinator"]})
    assert "mia.medic is already in this group." in twice.content.decode()
    assert Membership.objects.get(user=medic).roles == [Role.MEMBER]
    invented = client.post(ADD_MEMBER, {"username": "otto.outsider", "roles": ["overlord"]})
    assert invented.status_code == 400


@pytest.mark.django_db
def test_a_plain_member_cannot_add_anyone(medic: User, outsider: User) -> None:
    response = client_for(medic).post(ADD_MEMBER, {"username": "otto.outsider", "roles": ["coordinator"]})
    assert response.status_code == 404
    assert not Membership.objects.filter(user=outsider).exists()


@pytest.mark.django_db
def test_the_page_speaks_spanish(medic: User, coordinator: User) -> None:
    response = client_for(medic).get(GROUP_PAGE.replace("/en/", "/es/"))
    assert response.status_code == 200
    assert "coordinador" in response.content.decode()


# The API


@pytest.mark.django_db
def test_the_api_lists_the_callers_groups(coordinator: User, other_member: User) -> None:
    body = client_for(coordinator).get("/api/v1/groups").json()
    assert body["count"] == 1
    (group,) = body["items"]
    assert (group["slug"], group["name"], group["roles"]) == (
        "street-medics-committee",
        "Street Medics Committee",
        ["coordinator", "member"],
    )
    assert set(group) == {"id", "slug", "name", "description", "is_archived", "roles"}


@pytest.mark.django_db
def test_an_outsider_has_no_groups(outsider: User, medics: WorkingGroup) -> None:
    assert client_for(outsider).get("/api/v1/groups").json() == {"items": [], "count": 0}


@pytest.mark.django_db
def test_the_api_lists_a_groups_members_to_its_members(
    medic: User, coordinator: User, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = client_for(medic)
    client.get(MEMBERS_API)  # the session and the cached settings are warm
    # (the cache, unless Redis holds it), session, user, the second-factor rule, the role check,
    # access_group, count, page, and the audit entry for who was seen (lock, append, move the head)
    with django_assert_max_num_queries(12):
        body = client.get(MEMBERS_API).json()
    assert body == {
        "items": [
            {"id": str(coordinator.uuid), "username": "cora.coordinator", "roles": ["coordinator", "member"]},
            {"id": str(medic.uuid), "username": "mia.medic", "roles": ["member"]},
        ],
        "count": 2,
    }
    assert client.get(MEMBERS_API + "?limit=1&offset=1").json()["items"] == [
        {"id": str(medic.uuid), "username": "mia.medic", "roles": ["member"]}
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "other_member", "other_coordinator"])
def test_the_api_hides_other_groups(request: pytest.FixtureRequest, medics: WorkingGroup, persona: str) -> None:
    response = client_for(request.getfixturevalue(persona)).get(MEMBERS_API)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_the_api_wants_a_caller(medics: WorkingGroup) -> None:
    assert Client().get(MEMBERS_API).status_code == 401


# The services


@pytest.mark.django_db
def test_one_membership_per_person_and_group(medics: WorkingGroup, medic: User) -> None:
    with pytest.raises(MembershipError):
        do_add_member(medics, medic, [Role.COORDINATOR])
    assert Membership.objects.filter(user=medic).count() == 1


@pytest.mark.django_db
def test_granting_revoking_and_removing(medics: WorkingGroup, medic: User) -> None:
    assert do_grant_role(medics, medic, Role.DISPATCHER, by=None)
    assert not do_grant_role(medics, medic, Role.DISPATCHER, by=None)  # nothing changed
    permissions.forget(medic)
    assert access_group(medic, medics.slug, Role.DISPATCHER) == medics
    assert do_revoke_role(medics, medic, Role.DISPATCHER, by=None)
    assert not do_revoke_role(medics, medic, Role.DISPATCHER, by=None)
    assert do_remove_member(medics, medic, by=None)
    assert not do_remove_member(medics, medic, by=None)
    with pytest.raises(Http404):
        access_group(medic, medics.slug, Role.MEMBER)


@pytest.mark.django_db
def test_access_group_checks_the_role(medics: WorkingGroup, medic: User, coordinator: User) -> None:
    assert access_group(coordinator, medics.slug, Role.COORDINATOR) == medics
    assert access_group(medic, medics.slug, GroupRole(frozenset({Role.MEMBER}))) == medics
    with pytest.raises(Http404):
        access_group(medic, medics.slug, Role.COORDINATOR)
    coordinator.is_active = False
    coordinator.save()
    permissions.forget(coordinator)
    with pytest.raises(Http404):
        access_group(coordinator, medics.slug, Role.COORDINATOR)


@pytest.mark.django_db
def test_group_slugs_come_from_their_names(db: None) -> None:
    assert do_create_group(name="Know Your Rights Education").slug == "know-your-rights-education"


@pytest.mark.django_db
def test_the_demo_adds_groups_and_memberships_once(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    groups = set(WorkingGroup.objects.values_list("slug", flat=True))
    assert {"street-medics-committee", "rapid-response", "education", "funds"} <= groups
    memberships = Membership.objects.count()
    assert memberships >= 4
    first = capsys.readouterr().out
    assert "No admin yet" in first
    call_command("demo")
    assert Membership.objects.count() == memberships
    assert (
        "0 texts; 0 accounts, groups and memberships; 0 zones, lists and subscriptions; 0 people; 0 trainings; "
        "0 incident reports; 0 resources; 0 supply items; 0 meetings; 0 gifts to the funds; 0 call-in campaigns; "
        "0 actions added" in capsys.readouterr().out
    )


@pytest.mark.django_db
def test_the_demo_lets_the_admin_walk_through_it(admin: User, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    assert "ana.admin is in the demo's groups" in out
    assert "/en/dashboard/" in out

    client = client_for(admin)
    dashboard = client.get("/en/dashboard/").content.decode()
    assert "Rapid Response · Respuesta rápida" in dashboard
    assert "3 texts waiting" in dashboard
    for page in ("/en/inbox/", "/en/groups/rapid-response/", "/en/groups/rapid-response/lists/"):
        assert client.get(page).status_code == 200, page
    assert "dónde está la clínica" in client.get("/es/inbox/").content.decode()
    assert 'href="/en/people/"' in dashboard  # the admin keeps the demo's roster: every person's page opens
    roster = client.get("/en/people/").content.decode()
    assert "Marisol T." in roster
    someone = Person.objects.exclude(user__isnull=False).first()
    assert someone is not None
    assert "+191955501" in client.get(f"/en/people/{someone.uuid}/").content.decode()  # E.164, as stored
    call_command("demo")  # again: nothing more, the admin's roles kept
    assert Membership.objects.filter(user=admin).count() == 7


# A second factor before sensitive data


def without_second_factor(username: str, group: WorkingGroup, held: Role) -> Client:
    user = make_user(username)
    do_add_member(group, user, [held])
    client = Client()
    client.post("/en/accounts/login/", {"login": username, "password": PASSWORD})
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("held", [Role.DISPATCHER, Role.COORDINATOR, Role.TREASURER])
@pytest.mark.parametrize(
    "path",
    [
        GROUP_PAGE,
        "/en/dashboard/",
        "/en/accounts/email/",
        "/en/accounts/password/change/",
        "/api/v1/groups",
        "/en/groups/street-medics-committee/?next=/en/accounts/2fa/",
    ],
)
def test_roles_that_reach_sensitive_data_need_a_second_factor_first(
    medics: WorkingGroup, held: Role, path: str
) -> None:
    client = without_second_factor("new.holder", medics, held)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/2fa/"
    assert client.get("/en/accounts/2fa/").status_code == 200  # the way out stays open


@pytest.mark.django_db
@pytest.mark.parametrize("held", [Role.MEMBER, Role.RESPONDER])
def test_plain_members_and_responders_need_no_second_factor(medics: WorkingGroup, held: Role) -> None:
    client = without_second_factor("new.holder", medics, held)
    assert client.get(GROUP_PAGE).status_code == 200


@pytest.mark.django_db
def test_a_new_coordinator_sets_up_a_second_factor_then_sees_the_group(medics: WorkingGroup) -> None:
    client = without_second_factor("new.coord", medics, Role.COORDINATOR)
    client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})
    secret = client.get("/en/accounts/2fa/totp/activate/").context["form"].secret
    assert client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)}).status_code == 302
    assert client.get(GROUP_PAGE).status_code == 200


@pytest.mark.django_db
def test_nobody_enrols_a_second_factor_for_someone_else(medics: WorkingGroup, medic: User) -> None:
    """allauth's MFA pages act on request.user: naming another account in the form does nothing to it."""
    client = without_second_factor("new.coord", medics, Role.COORDINATOR)
    client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})
    secret = client.get("/en/accounts/2fa/totp/activate/").context["form"].secret
    naming_the_medic = {"user": medic.pk, "user_id": medic.pk, "username": medic.username, "email": medic.email}

    response = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret), **naming_the_medic})

    assert response.status_code == 302
    assert not is_mfa_enabled(medic)
    assert is_mfa_enabled(User.objects.get(username="new.coord"))


@pytest.mark.django_db
def test_nobody_removes_or_turns_off_someone_elses_second_factor(coordinator: User, other_coordinator: User) -> None:
    passkey = Authenticator.objects.create(
        user=coordinator, type=Authenticator.Type.WEBAUTHN, data={"name": "cora's key", "credential": {}}
    )
    client = Client()
    client.post("/en/accounts/login/", {"login": other_coordinator.username, "password": PASSWORD})
    own_totp = Authenticator.objects.get(user=other_coordinator, type=Authenticator.Type.TOTP)
    client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(own_totp.data["secret"])})
    client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})

    assert client.post(f"/en/accounts/2fa/webauthn/keys/{passkey.pk}/remove/").status_code == 404
    assert client.post(f"/en/accounts/2fa/webauthn/keys/{passkey.pk}/edit/", {"name": "mine"}).status_code == 404
    client.post("/en/accounts/2fa/totp/deactivate/", {"user": coordinator.pk, "user_id": coordinator.pk})

    assert Authenticator.objects.filter(pk=passkey.pk, data__name="cora's key").exists()
    assert Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_seeing_a_groups_members_is_audited_and_its_coordinators_read_the_trail(coordinator: User, medic: User) -> None:
    client_for(medic).get(GROUP_PAGE)

    [entry] = AuditEntry.objects.filter(action=AuditAction.VIEWED)
    assert entry.actor == str(medic.uuid)
    assert set(entry.object_ids) == {str(coordinator.uuid), str(medic.uuid)}
    assert entry.detail == {"group": "street-medics-committee"}

    trail = client_for(coordinator).get(GROUP_PAGE + "audit/")
    assert trail.status_code == 200
    assert "mia.medic" in trail.content.decode()
    assert client_for(medic).get(GROUP_PAGE + "audit/").status_code == 404
