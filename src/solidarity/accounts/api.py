"""Who the caller is, their API tokens, and their working groups."""

from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from solidarity.accounts.access import access_membership, live_tokens, members_seen_by, my_memberships, signed_in
from solidarity.accounts.models import ApiToken, Membership
from solidarity.core.api import api_permission
from solidarity.core.permissions import Role, role

router = Router(tags=["accounts"])
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


class GroupOut(Schema):
    id: UUID = Field(alias="group.uuid")
    slug: str = Field(alias="group.slug")
    name: str = Field(alias="group.name")
    description: str = Field(alias="group.description")
    role: Role = Field(description="Your role in this group.")


class MemberOut(Schema):
    username: str = Field(alias="user.username")
    role: Role


@groups_router.get("", response=list[GroupOut], summary="Your working groups, with your role in each")
@paginate
@api_permission("authenticated")
def my_groups(request: HttpRequest) -> QuerySet[Membership]:
    return my_memberships(signed_in(request))


@groups_router.get("/{slug}/members", response=list[MemberOut], summary="The members of one of your groups")
@paginate
@api_permission(role(Role.MEMBER, kwarg="slug"))
def group_members(request: HttpRequest, slug: str) -> list[Membership]:
    viewer = signed_in(request)
    return members_seen_by(viewer, access_membership(viewer, slug, Role.MEMBER))
