"""Who the caller is, their API tokens; working groups, their members and their roles."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from solidarity.accounts.access import (
    access_any_group,
    access_member,
    access_membership,
    coordinators_of,
    live_tokens,
    members_of,
    members_seen_by,
    my_memberships,
    signed_in,
)
from solidarity.accounts.groups import (
    MembershipError,
    check_add_member,
    check_appoint,
    do_add_member,
    do_archive_group,
    do_create_group,
    do_remove_member,
    do_revoke_role,
    do_set_roles,
    do_update_group,
)
from solidarity.accounts.models import ApiToken, Membership, WorkingGroup
from solidarity.core import roles
from solidarity.core.api import ApiError, ErrorOut, api_permission
from solidarity.core.permissions import Role, role

router = Router(tags=["accounts"])


def declared_role(code: str) -> str:
    if code not in roles.ROLES or code == Role.MEMBER:
        raise ValueError(f"not a role one grants: {code}")
    return code


groups_router = Router(tags=["groups"])


class MeOut(Schema):
    id: str
    username: str
    is_admin: bool
    language: str


class TokenOut(Schema):
    id: UUID = Field(alias="uuid")
    name: str
    prefix: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


@router.get("/me", response=MeOut, summary="The account making this request")
@api_permission("authenticated")
def me(request: HttpRequest) -> MeOut:
    user = signed_in(request)
    return MeOut(id=str(user.uuid), username=user.username, is_admin=user.is_admin, language=user.language)


@router.get("/tokens", response=list[TokenOut], summary="Your live API tokens, oldest first")
@paginate
@api_permission("authenticated")
def tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return live_tokens(signed_in(request))


RoleCode = Annotated[str, AfterValidator(declared_role)]
ROLES_HELP = "Role codes besides member: " + ", ".join(str(held) for held in roles.assignable()) + "."


class GroupOut(Schema):
    id: UUID
    slug: str
    name: str
    description: str
    is_archived: bool
    roles: list[str] = Field(description="Your roles in this group (member included).")


class MemberOut(Schema):
    id: UUID = Field(description="The account's id.")
    username: str
    roles: list[str] = Field(description="Roles in this group, member included.")


class GroupDetailOut(Schema):
    id: UUID
    slug: str
    name: str
    description: str
    is_archived: bool
    members: list[MemberOut]


class GroupIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    slug: str = Field("", max_length=60, pattern=r"^[-a-z0-9_]*$", description="Made from the name when empty.")
    coordinators: list[str] = Field(
        default_factory=list, max_length=20, description="Usernames to appoint as its first coordinators."
    )


class GroupPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)
    is_archived: bool | None = None


class MemberIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    roles: list[RoleCode] = Field(default_factory=list, max_length=20, description=ROLES_HELP)


class RolesIn(Schema):
    roles: list[RoleCode] = Field(max_length=20, description=ROLES_HELP)


class AppointIn(Schema):
    username: str = Field(min_length=1, max_length=150)


def group_out(membership: Membership) -> GroupOut:
    group = membership.group
    return GroupOut(
        id=group.uuid,
        slug=group.slug,
        name=group.name,
        description=group.description,
        is_archived=group.is_archived,
        roles=[str(held) for held in membership.roles],
    )


def member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        id=membership.user.uuid, username=membership.user.username, roles=[str(held) for held in membership.roles]
    )


def detail_out(group: WorkingGroup) -> GroupDetailOut:
    return GroupDetailOut(
        id=group.uuid,
        slug=group.slug,
        name=group.name,
        description=group.description,
        is_archived=group.is_archived,
        members=[member_out(membership) for membership in members_of(group)],
    )


def refused(error: MembershipError | ValidationError, field: str) -> ApiError:
    """A membership or a group the database would refuse: 409 for a name or slug taken, 422 for the rest."""
    if isinstance(error, MembershipError):
        return ApiError(409, "conflict", error.message, {field: [error.message]})
    fields = error.message_dict if hasattr(error, "error_dict") else {field: error.messages}
    taken = any(e.code == "unique" for errors in getattr(error, "error_dict", {}).values() for e in errors)
    message = next(iter(fields.values()))[0]
    return ApiError(409 if taken else 422, "conflict" if taken else "invalid_input", message, fields)


@groups_router.get("", response=list[GroupOut], summary="Your working groups, with your roles in each")
@paginate
@api_permission("authenticated")
def my_groups(request: HttpRequest) -> list[GroupOut]:
    return [group_out(membership) for membership in my_memberships(signed_in(request))]


@groups_router.post(
    "", response={201: GroupDetailOut, 409: ErrorOut}, summary="Create a working group and appoint its coordinators"
)
@api_permission("admin")
def create_group(request: HttpRequest, payload: GroupIn) -> Status[GroupDetailOut]:
    admin = signed_in(request)
    with transaction.atomic():
        try:
            group = do_create_group(name=payload.name, description=payload.description, slug=payload.slug, by=admin)
        except ValidationError as error:
            raise refused(error, "name") from None
        for username in payload.coordinators:
            try:
                check_appoint(group, username, by=admin)
            except MembershipError as error:
                transaction.set_rollback(True)
                raise ApiError(422, "invalid_input", error.message, {"coordinators": [error.message]}) from None
    return Status(201, detail_out(group))


@groups_router.get("/{slug}", response=GroupDetailOut, summary="One of your groups, with its members and their roles")
@api_permission(role(Role.MEMBER, kwarg="slug"))
def read_group(request: HttpRequest, slug: str) -> GroupDetailOut:
    viewer = signed_in(request)
    mine = access_membership(viewer, slug, Role.MEMBER)
    members_seen_by(viewer, mine)  # audited: who saw whom
    return detail_out(mine.group)


@groups_router.patch(
    "/{slug}", response={200: GroupDetailOut, 409: ErrorOut}, summary="Rename, describe, archive or restore a group"
)
@api_permission("admin")
def update_group(request: HttpRequest, slug: str, payload: GroupPatch) -> GroupDetailOut:
    admin = signed_in(request)
    group = access_any_group(admin, slug)
    if payload.name is not None or payload.description is not None:
        name = payload.name if payload.name is not None else group.name
        description = payload.description if payload.description is not None else group.description
        try:
            do_update_group(group, name=name, description=description, by=admin)
        except ValidationError as error:
            raise refused(error, "name") from None
    if payload.is_archived is not None:
        do_archive_group(group, by=admin, archived=payload.is_archived)
    return detail_out(group)


@groups_router.post("/{slug}/coordinators", response={201: MemberOut}, summary="Appoint a coordinator (admins)")
@api_permission("admin")
def appoint(request: HttpRequest, slug: str, payload: AppointIn) -> Status[MemberOut]:
    admin = signed_in(request)
    group = access_any_group(admin, slug)
    try:
        person = check_appoint(group, payload.username, by=admin)
    except MembershipError as error:
        raise ApiError(422, "invalid_input", error.message, {"username": [error.message]}) from None
    return Status(201, member_out(members_of(group).get(user=person)))


@groups_router.delete("/{slug}/coordinators/{id}", response={204: None}, summary="Remove a coordinator (admins)")
@api_permission("admin")
def unappoint(request: HttpRequest, slug: str, id: UUID) -> Status[None]:
    admin = signed_in(request)
    group = access_any_group(admin, slug)
    coordinator = coordinators_of(group).filter(user__uuid=id).select_related("user").first()
    if coordinator is None:
        raise ApiError(404, "not_found", _("Not found."))
    do_revoke_role(group, coordinator.user, Role.COORDINATOR, by=admin)
    return Status(204, None)


@groups_router.post("/{slug}/join", response={201: MemberOut, 409: ErrorOut}, summary="Join a group yourself (admins)")
@api_permission("admin")
def join(request: HttpRequest, slug: str) -> Status[MemberOut]:
    admin = signed_in(request)
    group = access_any_group(admin, slug)
    try:
        do_add_member(group, admin, by=admin)
    except MembershipError as error:
        raise ApiError(409, "conflict", error.message) from None
    return Status(201, member_out(members_of(group).get(user=admin)))


@groups_router.get("/{slug}/members", response=list[MemberOut], summary="The members of one of your groups")
@paginate
@api_permission(role(Role.MEMBER, kwarg="slug"))
def group_members(request: HttpRequest, slug: str) -> list[MemberOut]:
    viewer = signed_in(request)
    return [
        member_out(membership) for membership in members_seen_by(viewer, access_membership(viewer, slug, Role.MEMBER))
    ]


@groups_router.post("/{slug}/members", response={201: MemberOut, 409: ErrorOut}, summary="Add a member, with roles")
@api_permission(role(Role.COORDINATOR, kwarg="slug"))
def add_member(request: HttpRequest, slug: str, payload: MemberIn) -> Status[MemberOut]:
    user = signed_in(request)
    mine = access_membership(user, slug, Role.COORDINATOR)
    try:
        added = check_add_member(mine.group, payload.username, [Role(code) for code in payload.roles], by=user)
    except MembershipError as error:
        raise refused(error, "username") from None
    return Status(201, member_out(members_of(mine.group).get(pk=added.pk)))


@groups_router.put("/{slug}/members/{id}/roles", response=MemberOut, summary="Set a member's roles")
@api_permission(role(Role.COORDINATOR, kwarg="slug"))
def set_roles(request: HttpRequest, slug: str, id: UUID, payload: RolesIn) -> MemberOut:
    user = signed_in(request)
    mine, theirs = access_member(user, slug, id)
    do_set_roles(mine.group, theirs.user, [Role(code) for code in payload.roles], by=user)
    return member_out(members_of(mine.group).get(pk=theirs.pk))


@groups_router.delete("/{slug}/members/{id}", response={204: None}, summary="Remove a member from the group")
@api_permission(role(Role.COORDINATOR, kwarg="slug"))
def remove_member(request: HttpRequest, slug: str, id: UUID) -> Status[None]:
    user = signed_in(request)
    mine, theirs = access_member(user, slug, id)
    do_remove_member(mine.group, theirs.user, by=user)
    return Status(204, None)
